"""New pages of the site become the right concepts (issue 29): a page's subject, kinds from
lead-ins, expository headings as sections, details that are not ideas, near-duplicates as one
concept, and a later page that adds sources without changing what the catalog said.

The pages in tests/data/site/ were written for these tests in the site's style.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from ingest.chunk import chunk_document
from ingest.clean import clean
from ingest.concepts import extract, merge_keys
from ingest.items import split_item_title
from ingest.load import load
from ingest.structure import parse
from kb.model import Concept, ParsedDocument
from kb.store import open_kb
from ui.build import ingest

SITE = Path(__file__).resolve().parents[1] / "data" / "site"


@cache
def parsed(name: str) -> ParsedDocument:
    loaded = load(SITE / name)
    return parse(loaded.doc, loaded.path, None, loaded.format, loaded.sha256, clean(loaded.text))


def catalog(*names: str) -> dict[str, Concept]:
    documents = [parsed(n) for n in names]
    chunks = [c for d in documents for c in chunk_document(d, lambda t: len(t.split()), 256)]
    return {c.title: c for c in extract(documents, chunks)}


def test_a_term_page_names_its_subject_and_defines_it_in_its_own_words() -> None:
    page = parsed("loyalty-loop.txt")
    concepts = catalog("loyalty-loop.txt")

    assert page.title == "Loyalty Loop"  # its subject, not its first heading
    loop = concepts["Loyalty Loop"]
    assert loop.definition.startswith(
        "For a small business, the Loyalty Loop, in its simplest form, is the cycle"
    )
    assert loop.kind != "term"  # the page's whole text speaks for it: an idea to recommend


def test_expository_headings_are_sections_whose_text_speaks_for_the_subject() -> None:
    page = parsed("loyalty-loop.txt")
    concepts = catalog("loyalty-loop.txt")
    expository = [
        "Understanding the Loyalty Loop in Practice",
        "Why the Loyalty Loop Matters for SMBs",
    ]

    headings = [s.heading for s in page.sections]
    assert all(h in headings for h in expository)
    assert not set(expository) & set(concepts)
    chunks = chunk_document(page, lambda t: len(t.split()), 256)
    explained = {c.id for c in chunks if c.section in expository and c.title is None}
    assert explained and explained <= set(concepts["Loyalty Loop"].chunks)


def test_the_lead_in_before_a_list_gives_its_items_their_kind() -> None:
    concepts = catalog("loyalty-loop.txt")

    for title in ("Welcome", "Remember", "Reward", "Refer"):  # "The loop turns in four steps:"
        assert (concepts[title].kind, concepts[title].kind_from) == ("practice", "lead-in")
    for title in ("Discount Dependence", "Forgotten Notes"):  # "... meet these obstacles:"
        assert (concepts[title].kind, concepts[title].kind_from) == ("risk", "lead-in")


def test_a_list_spelling_out_a_name_and_an_examples_figures_are_not_concepts() -> None:
    concepts = catalog("lean-agile-operations.txt")

    assert "Lean-Agile Operations" in concepts
    assert not {"Lean", "Agile", "Operations"} & set(concepts)
    assert not {"Weekly Jobs", "Reprint Rate"} & set(concepts)
    assert concepts["Case Study — A Print Shop Tries It"].kind == "case"


def test_near_duplicate_titles_share_a_key_and_distinct_ones_do_not() -> None:
    def same(a: str, b: str) -> bool:
        return merge_keys(a)[0] == merge_keys(b)[0]

    assert same("SMB automation", "Automation in SMBs")
    assert same("Identifying Pain Points", "Identify Pain Points")
    assert not same("Modular Automation", "Modular Automation Architectures")
    assert "a:crm" in merge_keys("CRM") and "a:crm" in merge_keys(
        "Customer Relationship Management"
    )


def test_a_later_page_adds_sources_and_never_changes_a_concept(tmp_path, fake_embedder) -> None:
    first, later = tmp_path / "site", tmp_path / "later"
    first.mkdir()
    shutil.copy(SITE / "loyalty-loop.txt", first)
    shutil.copy(SITE / "lean-agile-operations.txt", first)
    shutil.copytree(SITE / "later", later)
    kb_dir = tmp_path / "kb"
    ingest([first], kb_dir, embedder=fake_embedder)
    before = {c.title: c for c in open_kb(kb_dir).concepts}

    ingest([first, later], kb_dir, embedder=fake_embedder)
    after = {c.title: c for c in open_kb(kb_dir).concepts}

    assert set(after) - set(before) == {"Habits That Keep Customers"}  # its items are known
    ingest([first, later], kb_dir, embedder=fake_embedder, rebuild=True)
    rebuilt = {c.title: c for c in open_kb(kb_dir).concepts}  # a rebuild keeps the order too

    for title in ("Cash flow", "Customer relationship management", "Identifying Waste"):
        old = before[title]
        for new in (after[title], rebuilt[title]):
            assert (new.kind, new.definition) == (old.kind, old.definition), title
            assert "care-habits" in {s.doc for s in new.sources}, title


def test_an_item_that_is_only_a_title_is_not_cut_into_a_title_and_a_one_word_body() -> None:
    assert split_item_title("Loyalty Cards") == (None, "Loyalty Cards")
    assert split_item_title("Limited Visibi") == (None, "Limited Visibi")  # a page cut short
    assert split_item_title("Joint Optimization This is a core principle.") == (
        "Joint Optimization",
        "This is a core principle.",
    )


def test_the_items_of_a_list_a_worked_example_announces_are_not_concepts() -> None:
    concepts = catalog("lean-agile-operations.txt")  # "Imagine a small bakery. Its week...:"

    assert not {"Early Bake", "Counter Rush"} & set(concepts)
    assert "Identifying Waste" in concepts


def test_a_page_that_opens_with_a_pop_up_of_its_own_name_has_it_as_its_subject() -> None:
    page = parsed("till-float.txt")
    concepts = catalog("till-float.txt")

    assert page.title == "Till Float"
    assert concepts["Till Float"].definition.startswith("Till Float is the fixed sum")
