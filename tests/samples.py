"""What several test folders share: small documents that ingest, hostile text, the one-line
error checks, and the checks that a KB folder holds one whole version."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kb.store import current_version, open_kb

ESC = "\x1b"
BUSY = "another `kb ingest` is running"
GOOD = "# Pricing Reviews\n\nReview your prices every quarter, with your best customers.\n"

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


HOSTILE_RUN = "A" * 10_000
HOSTILE_TXT = (
    "Fundamentals\n\n"
    "Handling Hostile Input\n\n"
    "Owners sometimes paste <script>alert('x')</script> into their notes, and the tool keeps "
    "it as plain words for the record.\n\n"
    "  • Image Tags Some pages carry <img src=x onerror=alert(1)> inside their prose about "
    "pricing.\n"
    "  • Link Tricks A link such as [click](javascript:alert(1)) or ![x](http://evil) is only "
    "text here.\n"
    "  • Terminal Colours A \x1b[31mred warning\x1b[0m about cash flow prints without escape "
    "codes.\n\n"
    f"{HOSTILE_RUN}\n\n"
    "Hostile input is kept as inert text, and every owner still reads the guidance about cash "
    "flow, pricing and staff in plain words, whatever was pasted into the page before.\n"
)
HOSTILE_MD = (
    "# Hostile Markdown\n\n"
    "<script>alert('block')</script>\n\n"
    "Owners sometimes paste <script>alert('x')</script> into notes about pricing.\n\n"
    "- Image Tags Some pages carry <img src=x onerror=alert(1)> inside their prose.\n"
    "- Link Tricks A [click](javascript:alert(1)) link and an ![x](http://evil) image.\n"
    "- Terminal Colours A \x1b[31mred warning\x1b[0m about cash flow.\n\n"
    f"{HOSTILE_RUN}\n"
)
HOSTILE_QUERY = (
    "<script>alert('x')</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) "
    "![x](http://evil) \x1b[31mstaff resist new tools\x1b[0m"
)


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def kb_text(kb) -> str:
    return "\n".join(c.text for c in kb.chunks)


def add_to_body(docs: Path, paragraph: str) -> None:
    """A new paragraph at the top of a seed page's body (its end is the page's summary)."""
    socio = docs / "socio-technical-systems.txt"
    text = socio.read_text(encoding="utf-8")
    assert "Fundamentals\n" in text
    socio.write_text(text.replace("Fundamentals\n", f"Fundamentals\n\n{paragraph}\n", 1))


def snapshot(kb) -> dict:
    return {
        "version": kb.version,
        "ids": [c.id for c in kb.chunks],
        "texts": [c.text for c in kb.chunks],
        "concepts": [c.id for c in kb.concepts],
    }


def assert_consistent(kb) -> None:
    """One version, whole: what loaded matches that version's manifest."""
    assert kb.version == kb.manifest["version"]
    assert len(kb.chunks) == kb.index.ntotal == kb.manifest["chunks"]
    assert len(kb.documents) == kb.manifest["documents"]
    assert len(kb.concepts) == len(kb.concept_vectors) == kb.manifest["concepts"]
    assert len({c.id for c in kb.chunks}) == len(kb.chunks)


def assert_whole(kb_dir: Path):
    """CURRENT names a complete version whose manifest counts match what loads."""
    kb = open_kb(kb_dir)
    assert current_version(kb_dir) == kb.version
    assert_consistent(kb)
    return kb


def truncate(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)


def assert_one_error_line(done: subprocess.CompletedProcess, *needles: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
