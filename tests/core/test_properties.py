"""Property tests (hypothesis) for cleaning, structure and chunking.

Documents are generated in the two shapes maintainers feed the KB: the business-advice site's
own text format (level lines, Title Case headings, paragraphs of sentences, `  • Title Body`
items, `Meaning ●` pop-ups and `Skip to main content` noise) and Markdown (headings,
paragraphs, bullet and numbered lists, tables). Each generator also returns what the cleaned
document must hold: the words left once the declared noise (chrome lines, pop-up definitions,
`●` dashes) is gone. The properties:

- no text is lost or duplicated between the input and the cleaned document, nor between the
  cleaned document and its chunks (chunk text == text[start:end], spans never overlap, every
  block's every character is inside a chunk of its own section);
- no noise reaches a chunk;
- no chunk's embedding text exceeds the model's 256 tokens, counted by the real tokenizer
  (long paragraphs and 10,000-character runs of one character included);
- cleaning clean text changes nothing, and cleaning twice equals cleaning once.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunk import chunk_document
from ingest.clean import STOP_WORDS, clean
from ingest.load import load
from ingest.structure import CLOSING, EXPLORE, LEVELS, REFERENCES, parse
from kb.embed import Embedder
from kb.model import ParsedDocument

# As many examples as the profile says (tests/conftest.py): 50 in a full run, fewer in
# `make test-fast`, whose documents are drawn afresh on every run all the same.
SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMIT = 256  # all-MiniLM-L6-v2's input limit, special tokens included (DESIGN.md)
NOISE = ("Meaning ●", "Meaning →", "Skip to main content")
CHROME = "Skip to main content"
RUN_CHARS_TXT = ("a", "!", "é", "中", "-", "x")
RUN_CHARS_MD = ("a", "!", "é", "中")  # "-" and "=" runs are Markdown rules and underlines
RUN_LENGTH = 10_000


@cache
def count_tokens():
    """The real tokenizer's count (tokenizer.json only: fast, no model weights)."""
    return Embedder().count_tokens


# --------------------------------------------------------------------------- vocabulary

_WORDS = """owner owners shop shops team staff customer customers supplier pricing price cash
flow margin growth plan plans budget process processes tool tools habit habits market niche
brand service services order orders stock inventory bakery cafe studio clinic workshop
software ledger payroll hiring training trust goal goals metric metrics quarter review
partner partners risk risks change resistance feedback loop value values strategy culture
skill skills routine routines machine machines delivery route routes schedule schedules
""".split()
_VERBS = """measure measures build builds adopt adopts track tracks improve improves align
aligns reduce reduces share shares test tests protect protects learn learns plan plans
""".split()
_BANNED = set(LEVELS) | REFERENCES | EXPLORE | CLOSING | STOP_WORDS
_BANNED |= {"meaning", "skip", "content", "main"}
WORDS = sorted({w for w in _WORDS + _VERBS if w not in _BANNED})
FILLERS = ["the", "a", "of", "for", "and", "with", "to"]  # joiners inside sentences

word = st.sampled_from(WORDS)
title_word = word.map(str.capitalize)


@st.composite
def sentence_words(draw, min_words: int = 4, max_words: int = 14) -> list[str]:
    pool = st.one_of(word, word, st.sampled_from(FILLERS))
    words = draw(st.lists(pool, min_size=min_words, max_size=max_words))
    words[0] = words[0].capitalize()
    return words


@st.composite
def sentence(draw, popups: bool = True) -> tuple[str, str]:
    """(raw sentence, the sentence once its pop-up is lifted out)."""
    words = draw(sentence_words())
    clean_text = " ".join(words) + "."
    if not popups or len(words) < 3 or not draw(st.booleans()):
        return clean_text, clean_text
    at = draw(st.integers(1, len(words) - 2))  # after word `at`, mid-sentence
    arrow = draw(st.sampled_from(["●", "→"]))
    definition = " ".join(draw(sentence_words(3, 10))) + "."
    raw = " ".join(words[: at + 1]) + f" Meaning {arrow} {definition} " + " ".join(words[at + 1 :])
    return raw + ".", clean_text


@st.composite
def paragraph(draw, popups: bool = True) -> tuple[str, str]:
    pairs = draw(st.lists(sentence(popups), min_size=1, max_size=6))
    return " ".join(p[0] for p in pairs), " ".join(p[1] for p in pairs)


@st.composite
def long_paragraph(draw) -> tuple[str, str]:
    """Over 300 words: many sentences, sometimes one sentence with no end at all."""
    n = draw(st.integers(310, 520))
    words = [draw(word) for _ in range(n)]
    if draw(st.booleans()):  # sentences of random lengths, each within the paragraph
        cuts = sorted(set(draw(st.lists(st.integers(3, n - 2), max_size=40))))
        for cut in cuts:
            words[cut - 1] += "."
            words[cut] = words[cut].capitalize()
    words[0] = words[0].capitalize()
    text = " ".join(words).rstrip(".") + "."
    return text, text


@st.composite
def char_run(draw, chars=RUN_CHARS_TXT) -> tuple[str, str]:
    text = draw(st.sampled_from(chars)) * RUN_LENGTH
    return text, text


@st.composite
def heading(draw, dash: bool = True) -> tuple[str, str]:
    """A Title Case heading; the site sometimes uses `●` as a dash inside one."""
    words = draw(st.lists(title_word, min_size=2, max_size=6, unique=True))
    if dash and len(words) >= 3 and draw(st.booleans()):
        at = draw(st.integers(1, len(words) - 2))
        raw = " ".join(words[:at]) + " ● " + " ".join(words[at:])
        return raw, " ".join(words[:at]) + " — " + " ".join(words[at:])
    return " ".join(words), " ".join(words)


@st.composite
def item_text(draw) -> str:
    title = " ".join(draw(st.lists(title_word, min_size=1, max_size=4, unique=True)))
    body = " ".join(draw(sentence_words())) + "."
    return f"{title} {body}"


# --------------------------------------------------------------------------- documents


def words_of(text: str) -> Counter:
    """The words of a text; dashes that cleaning adds or drops are not words."""
    return Counter(w for w in text.split() if w not in ("—", "●", "•"))


@st.composite
def site_document(draw, noise: bool = True, long: bool = False) -> tuple[str, str]:
    """(raw text in the site's format, the same text as cleaning must leave it)."""
    raw: list[str] = []
    kept: list[str] = []

    def add(line: str, cleaned: str | None) -> None:
        raw.append(line)
        if cleaned is not None:
            kept.append(cleaned)

    if noise and draw(st.booleans()):
        add(CHROME, None)
    levels = draw(st.lists(st.sampled_from(list(LEVELS.values())), min_size=0, max_size=3))
    levels = sorted(set(levels), key=list(LEVELS.values()).index) or [None]
    paragraph_kinds = [paragraph(noise)]
    if long:
        paragraph_kinds += [long_paragraph(), char_run()]
    for level in levels:
        if level:
            add(level, level)
        for _ in range(draw(st.integers(1, 3))):
            add(*draw(heading(dash=noise)))
            for n in range(draw(st.integers(1, 4))):
                if noise and draw(st.integers(0, 4)) == 0:
                    add(CHROME, None)
                if n == 0 or draw(st.booleans()):
                    add(*draw(st.one_of(*paragraph_kinds)))
                else:  # a list: consecutive item lines, some nested
                    items = draw(st.lists(item_text(), min_size=1, max_size=4))
                    lines = []
                    for i, text in enumerate(items):
                        indent = "    " if i and draw(st.integers(0, 3)) == 0 else "  "
                        lines.append(f"{indent}• {text}")
                    add("\n".join(lines), "\n".join(lines))
    return "\n\n".join(raw) + "\n", "\n\n".join(kept) + "\n"


@st.composite
def markdown_document(draw, long: bool = False) -> tuple[str, str, list[dict[str, str]]]:
    """(raw Markdown, its words once cleaned outside tables, the table rows as cells)."""
    raw: list[str] = []
    kept: list[str] = []
    rows: list[dict[str, str]] = []
    title = " ".join(draw(st.lists(title_word, min_size=2, max_size=5)))
    raw.append(f"# {title}")
    kept.append(title)
    paragraph_kinds = [paragraph()]
    if long:
        paragraph_kinds += [long_paragraph(), char_run(RUN_CHARS_MD)]
    for _ in range(draw(st.integers(1, 4))):
        depth = draw(st.integers(2, 3))
        head = " ".join(draw(st.lists(title_word, min_size=1, max_size=5)))
        raw.append(f"{'#' * depth} {head}")
        kept.append(head)
        last_was_table = False
        for n in range(draw(st.integers(1, 4))):
            kind = (
                "para" if n == 0 else draw(st.sampled_from(["para", "bullets", "numbers", "table"]))
            )
            if draw(st.integers(0, 4)) == 0:
                raw.append(CHROME)
            if kind == "para":
                text, cleaned = draw(st.one_of(*paragraph_kinds))
                raw.append(text)
                kept.append(cleaned)
            elif kind in ("bullets", "numbers"):
                items = draw(st.lists(item_text(), min_size=1, max_size=4))
                marks = (
                    ["-"] * len(items)
                    if kind == "bullets"
                    else [f"{i + 1}." for i in range(len(items))]
                )
                raw.append("\n".join(f"{m} {t}" for m, t in zip(marks, items)))
                kept.extend(items)
            else:
                if last_was_table:  # adjacent tables: see test_markdown_tables_stay_apart
                    text, cleaned = draw(paragraph())
                    raw.append(text)
                    kept.append(cleaned)
                table, records = draw(markdown_table())
                raw.append(table)
                rows.extend(records)
            last_was_table = kind == "table"
    return "\n\n".join(raw) + "\n", "\n\n".join(kept) + "\n", rows


@st.composite
def markdown_table(draw) -> tuple[str, list[dict[str, str]]]:
    """A pipe table (header, rule, rows) and its rows as column -> cell."""
    columns = draw(st.lists(title_word, min_size=2, max_size=3, unique=True))
    size = len(columns)
    body = draw(st.lists(st.lists(word, min_size=size, max_size=size), min_size=1, max_size=3))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * size]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines), [dict(zip(columns, r)) for r in body]


def parse_file(name: str, raw: str) -> ParsedDocument:
    """Load (as a real file), clean and structure a document, as the pipeline does."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(raw, encoding="utf-8")
        loaded = load(path)
    return parse(
        loaded.doc, loaded.path, loaded.title, loaded.format, loaded.sha256, clean(loaded.text)
    )


# --------------------------------------------------------------------------- checks


def section_of(parsed: ParsedDocument, start: int, end: int):
    owners = [s for s in parsed.sections if s.start <= start and end <= s.end]
    return owners[-1] if owners else None


def assert_chunks_keep_the_text_once(parsed: ParsedDocument, chunks) -> None:
    """Offsets, no overlap, every block covered by chunks of its own section."""
    text = parsed.text
    if any(s.blocks for s in parsed.sections):
        assert chunks, "a document with blocks must give chunks"
    previous_end = 0
    for c in chunks:
        assert text[c.start : c.end] == c.text, c.id
        assert c.text and c.text == c.text.strip(), (c.id, c.text[:40])
        assert c.start >= previous_end, f"{c.id} overlaps the chunk before it"
        previous_end = c.end
        owner = section_of(parsed, c.start, c.end)
        assert owner is not None and owner.heading == c.section, f"{c.id} crosses a heading"
        starts = [s.start for s in parsed.sections if c.start < s.start < c.end]
        assert not starts, f"{c.id} spans two sections"
    for section in parsed.sections:
        covered = [False] * len(text)
        for c in chunks:
            if section.start <= c.start and c.end <= section.end:
                covered[c.start : c.end] = [True] * (c.end - c.start)
        for block in section.blocks:
            assert text[block.start : block.end] == block.text
            lost = [i for i in range(block.start, block.end) if not covered[i]]
            lost = [i for i in lost if not text[i].isspace()]
            assert not lost, f"block {block.text[:60]!r} of {section.heading!r} not chunked"


def assert_no_noise(chunks) -> None:
    for c in chunks:
        for noise in NOISE:
            assert noise not in c.text, (c.id, noise)
            assert noise not in c.embed_text, (c.id, noise)


def parsed_words(parsed: ParsedDocument) -> Counter:
    return words_of(parsed.text) + words_of(parsed.summary or "")


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(site_document(long=True))
def test_site_text_reaches_the_chunks_whole_and_once(doc: tuple[str, str]) -> None:
    raw, expected = doc
    parsed = parse_file("page.txt", raw)
    # input -> cleaned document: only the declared noise is gone (the closing summary of a
    # levelled page moves to `summary`, it is not lost)
    assert parsed_words(parsed) == words_of(expected)
    chunks = chunk_document(parsed, count_tokens())
    assert_chunks_keep_the_text_once(parsed, chunks)


@SETTINGS
@given(markdown_document(long=True))
def test_markdown_reaches_the_chunks_whole_and_once(doc) -> None:
    raw, expected, rows = doc
    parsed = parse_file("guide.md", raw)
    row_blocks = [b for s in parsed.sections for b in s.blocks if b.kind == "row"]
    assert [b.cells for b in row_blocks] == rows
    table_words = sum((words_of(b.text) for b in row_blocks), Counter())
    assert parsed_words(parsed) - table_words == words_of(expected)
    chunks = chunk_document(parsed, count_tokens())
    assert_chunks_keep_the_text_once(parsed, chunks)


@SETTINGS
@given(st.one_of(site_document(), markdown_document().map(lambda d: d[:2])))
def test_no_noise_reaches_a_chunk(doc: tuple[str, str]) -> None:
    raw = doc[0]
    name = "guide.md" if raw.startswith("# ") else "page.txt"
    parsed = parse_file(name, raw)
    chunks = chunk_document(parsed, count_tokens())
    assert_no_noise(chunks)
    for noise in NOISE:
        assert noise not in parsed.text
    for entry in parsed.glossary:
        assert "Meaning" not in entry.definition


@SETTINGS
@given(
    st.lists(markdown_table(), min_size=2, max_size=3),
    st.lists(st.sampled_from(["", CHROME]), min_size=2, max_size=2),
)
def test_markdown_tables_stay_apart(tables, between: list[str]) -> None:
    """Consecutive tables of one section keep their own header; none becomes another's row."""
    parts = ["# Price Lists", "## Plans"]
    for (table, _), gap in zip(tables, between + [""]):
        parts += [table, gap] if gap else [table]
    parsed = parse_file("tables.md", "\n\n".join(parts) + "\n")
    row_blocks = [b for s in parsed.sections for b in s.blocks if b.kind == "row"]
    assert [b.cells for b in row_blocks] == [r for _, rows in tables for r in rows]


@st.composite
def long_site_document(draw) -> str:
    """A site page that always holds a >300-word paragraph and a 10,000-character run."""
    raw, _ = draw(site_document(long=True))
    extra_long, _ = draw(long_paragraph())
    run, _ = draw(char_run())
    head, _ = draw(heading(dash=False))
    return f"{raw}\n{head}\n\n{extra_long}\n\n{run}\n\n  • Closing Item {extra_long}\n"


@st.composite
def long_markdown_document(draw) -> str:
    raw, _, _ = draw(markdown_document(long=True))
    extra_long, _ = draw(long_paragraph())
    run, _ = draw(char_run(RUN_CHARS_MD))
    return f"{raw}\n## Long Section\n\n{extra_long}\n\n{run}\n\n- Closing Item {extra_long}\n"


@SETTINGS
@given(
    st.one_of(
        long_site_document().map(lambda r: ("page.txt", r)),
        long_markdown_document().map(lambda r: ("guide.md", r)),
    )
)
def test_no_chunk_exceeds_the_token_limit(named: tuple[str, str]) -> None:
    name, raw = named
    count = count_tokens()
    parsed = parse_file(name, raw)
    chunks = chunk_document(parsed, count)
    assert chunks
    for c in chunks:
        assert count(c.embed_text) <= LIMIT, (c.id, len(c.text), c.text[:60])
        assert c.tokens == count(c.embed_text), c.id
    assert_chunks_keep_the_text_once(parsed, chunks)


@SETTINGS
@given(site_document(noise=False))
def test_cleaning_clean_text_changes_nothing(doc: tuple[str, str]) -> None:
    raw, expected = doc
    assert raw == expected  # no noise was generated
    lines = clean(raw)
    assert [line.text for line in lines] == raw.splitlines()
    assert all(line.terms == [] for line in lines)
    again = clean("\n".join(line.text for line in lines))
    assert [line.text for line in again] == [line.text for line in lines]


@SETTINGS
@given(st.one_of(site_document(), markdown_document().map(lambda d: d[:2])))
def test_cleaning_twice_is_cleaning_once(doc: tuple[str, str]) -> None:
    once = clean(doc[0])
    twice = clean("\n".join(line.text for line in once))
    assert [line.text for line in twice] == [line.text for line in once]
    assert all(line.terms == [] for line in twice)


def test_the_vocabulary_holds_no_word_the_heuristics_treat_specially() -> None:
    """The generators' words must not trigger layout rules the expectations ignore."""
    assert WORDS and not set(WORDS) & _BANNED
    assert not re.search(r"[^a-z]", "".join(WORDS))
