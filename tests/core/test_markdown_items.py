"""Markdown list items that open with a bold lead ("- **Lead**: rest") are titled items, as
the site's own "Title — body" items are, and become concepts through the real pipeline.

The document is tests/data/bakery-bookkeeping.md; the expected titles are copied from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.formats.md import read
from kb.store import open_kb
from ui.build import ingest

BAKERY = Path(__file__).resolve().parents[1] / "data" / "bakery-bookkeeping.md"
TITLED = {  # title -> body, for every item with a bold lead set apart from its text
    "Close the till together": "two people count the cash drawer and note the total.",
    "Photograph every receipt": "Flour and butter invoices fade in a warm kitchen.",
    "File supplier bills weekly": "sort them by due date so none is paid late.",
    "Reconcile the bank account": "match each deposit to a day's takings.",
    "Review ingredient costs": "compare the price of flour with last month's.",
}
PLAIN = [  # bold only as emphasis, or no bold at all: items without a title
    "Record the day's waste before the next bake starts.",
    "Always lock the cash box overnight.",
    "Pay the quarterly sales tax from a separate savings account.",
]


@pytest.fixture(scope="module")
def bakery_kb(tmp_path_factory):
    from tests.conftest import FakeEmbedder

    root = tmp_path_factory.mktemp("bakery")
    docs = root / "docs"
    docs.mkdir()
    (docs / BAKERY.name).write_bytes(BAKERY.read_bytes())
    ingest([docs], root / "kb", embedder=FakeEmbedder())
    return open_kb(root / "kb")


def test_bold_leads_become_item_titles(bakery_kb) -> None:
    (doc,) = bakery_kb.documents
    items = [b for s in doc.sections for b in s.blocks if b.kind == "item"]
    assert {b.title: b.body for b in items if b.title} == TITLED
    assert [b.text for b in items if not b.title] == PLAIN
    for block in items:
        assert doc.text[block.start : block.end] == block.text


def test_bold_lead_items_are_concepts_of_their_section(bakery_kb) -> None:
    by_title = {c.title: c for c in bakery_kb.concepts}
    for title, body in TITLED.items():
        assert by_title[title].definition == body
        assert by_title[title].doc == "bakery-bookkeeping"
    sections = {title: by_title[title].section for title in TITLED}
    assert sections["Close the till together"] == "Daily Habits"
    assert sections["Reconcile the bank account"] == "Monthly Steps"
    assert not {"Always", "Record the day's waste", "Keep the books simple"} & set(by_title)


def test_a_bold_lead_paragraph_stays_a_paragraph(bakery_kb) -> None:
    # the site never titles a paragraph, so a Markdown one is not titled either
    (doc,) = bakery_kb.documents
    (para,) = [b for s in doc.sections for b in s.blocks if b.text.startswith("Keep the books")]
    assert para.kind == "paragraph" and para.title is None
    assert para.text == "Keep the books simple: one ledger is easier to keep than three."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- **Own your data**: keep the list.", "• Own your data — keep the list."),
        ("* __Own your data.__ Keep the list.", "• Own your data — Keep the list."),
        ("1. **Own your data** – keep the list.", "1. Own your data — keep the list."),
        ("- **Own your data** — keep the list.", "• Own your data — keep the list."),
        ("- ***Own your data***: keep the list.", "• Own your data — keep the list."),
        ("- **Own your data:**\n  keep the list.", "• Own your data — keep the list."),
        # not a lead: bold inside the sentence, nothing setting it apart, or nothing after it
        ("- Keep **your** data.", "• Keep your data."),
        ("- **Always** keep your data.", "• Always keep your data."),
        ("- **Own your data.**", "• Own your data."),
        ("- [**Own your data**](x): keep it.", "• Own your data: keep it."),
        ("- **Own**.com site", "• Own.com site"),
        ("- **" + "word " * 11 + "end**: rest", "• " + "word " * 11 + "end: rest"),
    ],
)
def test_which_bold_starts_are_leads(line: str, expected: str) -> None:
    assert read(line.encode())[1] == expected
