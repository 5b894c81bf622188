"""Chunks (ingest.chunk) of the real documents, counted with the real MiniLM tokenizer.

`Embedder().count_tokens` loads only the tokenizer file of the bundled model (fast); the
model's input limit is 256 tokens, special tokens included.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ingest.chunk import chunk_document
from ingest.clean import clean
from ingest.load import load
from ingest.structure import parse
from kb.embed import Embedder
from kb.model import Chunk, ParsedDocument

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "data" / "docs"
NAMES = sorted(p.stem for p in DOCS.glob("*.txt"))
LIMIT = 256


@cache
def tokenizer() -> Embedder:
    return Embedder()


def count(text: str) -> int:
    return tokenizer().count_tokens(text)


@cache
def parsed_doc(name: str) -> ParsedDocument:
    loaded = load(DOCS / f"{name}.txt")
    return parse(loaded.doc, loaded.path, None, loaded.format, loaded.sha256, clean(loaded.text))


@cache
def chunks_of(name: str) -> tuple[Chunk, ...]:
    return tuple(chunk_document(parsed_doc(name), count))


def parse_text(text: str, doc: str = "page") -> ParsedDocument:
    return parse(doc, f"{doc}.txt", None, "txt", "0", clean(text))


# --------------------------------------------------------------------------- real documents


@pytest.mark.parametrize("name", NAMES)
def test_chunks_have_ids_offsets_and_levels(name: str) -> None:
    parsed, chunks = parsed_doc(name), chunks_of(name)
    assert len(chunks) > 20
    assert len({c.id for c in chunks}) == len(chunks)
    for c in chunks:
        assert c.id.startswith(f"{name}:")
        assert c.doc == name
        assert parsed.text[c.start : c.end] == c.text
        assert c.text.strip()
        assert c.level in ("Fundamentals", "Intermediate", "Advanced")


@pytest.mark.parametrize("name", NAMES)
def test_no_chunk_crosses_two_headings(name: str) -> None:
    parsed = parsed_doc(name)
    for c in chunks_of(name):
        owners = [
            s
            for s in parsed.sections
            if s.heading == c.section and s.start <= c.start and c.end <= s.end
        ]
        assert len(owners) == 1, (c.id, c.section)
        assert owners[0].level == c.level
        assert c.section_path[: len(owners[0].path)] == owners[0].path
        others = [s.heading for s in parsed.sections if c.start <= s.start < c.end]
        assert others == [], (c.id, others)


@pytest.mark.parametrize("name", NAMES)
def test_every_chunk_fits_the_model_input(name: str) -> None:
    for c in chunks_of(name):
        assert count(c.embed_text) <= LIMIT, c.id
        assert c.tokens == count(c.embed_text), c.id
        assert c.embed_text.endswith(c.text)


@pytest.mark.parametrize("name", NAMES)
def test_every_block_is_covered_by_chunks(name: str) -> None:
    parsed, chunks = parsed_doc(name), chunks_of(name)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    for sec in parsed.sections:
        for block in sec.blocks:
            missing = [
                i
                for i in range(block.start, block.end)
                if i not in covered and not parsed.text[i].isspace()
            ]
            assert not missing, block.text[:80]


def test_list_items_are_chunks_with_their_title() -> None:
    parsed, chunks = parsed_doc("socio-technical-systems"), chunks_of("socio-technical-systems")
    items = [b for s in parsed.sections for b in s.blocks if b.kind == "item" and b.title]
    assert len(items) > 50
    by_start = {c.start: c for c in chunks}
    for item in items:
        chunk = by_start[item.start]
        assert chunk.title == item.title
        assert chunk.text == item.text
    joint = next(c for c in chunks if c.title == "Joint Optimization")
    assert joint.text.startswith("Joint Optimization — This is a core principle.")
    assert joint.section == "Principles of Socio-Technical System Design for Automation"


def test_nested_item_chunks_name_their_parent_item() -> None:
    chunks = chunks_of("socio-technical-systems")
    mapping = next(c for c in chunks if c.title == "Process Mapping")
    assert mapping.section == "Step-By-Step Implementation Framework"
    assert mapping.section_path[-1] == "Assessment and Analysis"
    assert "Assessment and Analysis" in mapping.embed_text.splitlines()[0]


def test_table_rows_are_chunks_with_their_cells() -> None:
    chunks = chunks_of("strategic-alignment-before-automation")
    bsc = [c for c in chunks if c.title == "Balanced Scorecard (BSC)"]
    assert len(bsc) == 1
    assert "Core Focus: Holistic strategic performance management" in bsc[0].text


@pytest.mark.parametrize("name", NAMES)
def test_no_noise_reaches_a_chunk(name: str) -> None:
    for c in chunks_of(name):
        for text in (c.text, c.embed_text):
            assert "Meaning ●" not in text and "Meaning →" not in text
            assert "Skip to main content" not in text
            assert "●" not in text


# --------------------------------------------------------------------------- long passages


def test_a_long_paragraph_is_split_at_sentence_ends_within_the_limit() -> None:
    sentences = [
        f"Step {i} of the plan asks the owner to review cash, staff and stock for the "
        f"coming season before buying another machine."
        for i in range(1, 41)
    ]
    paragraph = " ".join(sentences)
    parsed = parse_text(
        f"Fundamentals\n\nPlanning Before Buying\n\n{paragraph}\n\n"
        "Short summary.\n\nExplore\n\nWhat Next?"
    )
    chunks = chunk_document(parsed, count)
    assert count(paragraph) > 2 * LIMIT
    assert len(chunks) >= 3
    for c in chunks:
        assert count(c.embed_text) <= LIMIT
        assert parsed.text[c.start : c.end] == c.text
        assert c.text.startswith("Step ") and c.text.endswith("machine.")
        assert c.section == "Planning Before Buying"
    assert " ".join(c.text for c in chunks) == paragraph
    assert all(a.end < b.start for a, b in zip(chunks, chunks[1:]))


def test_a_sentence_longer_than_the_limit_is_cut_between_words() -> None:
    words = " ".join(f"word{i}" for i in range(400))
    parsed = parse_text(
        f"Fundamentals\n\nOne Endless Sentence\n\nIt goes {words} on.\n\n"
        "End.\n\nExplore\n\nWhat Next?"
    )
    chunks = chunk_document(parsed, count)
    assert len(chunks) >= 2
    for c in chunks:
        assert count(c.embed_text) <= LIMIT
        assert parsed.text[c.start : c.end] == c.text
    assert " ".join(c.text for c in chunks) == f"It goes {words} on."


def test_short_paragraphs_of_two_sections_are_never_joined() -> None:
    page = (
        "Fundamentals\n\nFirst Topic Heading\n\nOne short line here.\n\n"
        "Second Topic Heading\n\nAnother short line.\n\nClosing summary line.\n\n"
        "Explore\n\nWhat Next?"
    )
    parsed = parse_text(page)
    chunks = chunk_document(parsed, count)
    assert [(c.section, c.text) for c in chunks] == [
        ("First Topic Heading", "One short line here."),
        ("Second Topic Heading", "Another short line."),
    ]
