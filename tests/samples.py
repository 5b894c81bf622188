"""What several test folders share: small documents that ingest, and the one-line error check."""

from __future__ import annotations

from pathlib import Path

ESC = "\x1b"
BUSY = "another `kb ingest` is running"

GOOD_MD = """\
# Pricing For Small Shops

## Value Based Pricing

Owners who price by value ask what the customer gains, not what the goods cost them.

- Price Anchoring Show the premium option first so the standard one reads as fair.
- Bundle Offers Combine slow sellers with popular items to move old stock.
"""
GOOD_TXT = """\
Fundamentals

Cash Flow Discipline

A weekly cash flow review keeps a small bakery solvent through the quiet months of the year.

  • Rolling Forecast Update a thirteen week forecast every Monday with real receipts.
  • Supplier Terms Negotiate longer payment terms before the busy season starts.

Owners who watch cash weekly rarely face a surprise at the end of the quarter.
"""
GOOD_WORDS = ("customer gains", "Price Anchoring", "thirteen week forecast", "Supplier Terms")


def write_good(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    md, txt = folder / "good-pricing.md", folder / "good-cash.txt"
    md.write_text(GOOD_MD, encoding="utf-8")
    txt.write_text(GOOD_TXT, encoding="utf-8")
    return [md, txt]


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("error: ")
    return lines[0]
