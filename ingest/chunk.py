"""Chunking: passages that follow the document tree and fit the embedding model.

A chunk never spans two headings. A list item or table row is a chunk of its own, with its
title; paragraphs are one chunk each, split at sentence ends when too long, and very short
neighbouring paragraphs of one section are joined. Offsets point into the cleaned text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from kb.model import Block, Chunk, ParsedDocument, Section
from kb.text import SENTENCE_END

MAX_TOKENS = 256  # the model's input limit, special tokens included
# A paragraph of fewer words than this (about 40 tokens) is joined to the next one.
SHORT_WORDS = 30


def chunk_document(
    parsed: ParsedDocument, count_tokens: Callable[[str], int], max_tokens: int = MAX_TOKENS
) -> list[Chunk]:
    """Cut a parsed document into chunks whose embedding text fits `max_tokens`.

    Args:
        parsed: the document tree.
        count_tokens: the embedding model's token count for a text (special tokens included).
        max_tokens: the model's input limit.

    Returns:
        Chunks in document order, ids "<doc>:<n>".
    """
    chunks: list[Chunk] = []
    for section in parsed.sections:
        for start, end, title, path in spans(section):
            draft = make_chunk(parsed, section, start, end, title, path, 0)
            for piece in fit(parsed, draft, count_tokens, max_tokens):
                piece.id = f"{parsed.doc}:{len(chunks):04d}"
                chunks.append(piece)
    return chunks


def spans(section: Section) -> Iterator[tuple[int, int, str | None, list[str]]]:
    """(start, end, title, section path) of each passage of a section, before fitting."""
    pending: Block | None = None  # a short paragraph waiting to be joined to the next
    for block in section.blocks:
        if block.kind != "paragraph":
            if pending:
                yield pending.start, pending.end, None, section.path
                pending = None
            yield block.start, block.end, block.title, item_path(section, block)
            continue
        if pending:
            yield pending.start, block.end, None, section.path
            pending = None
        elif len(block.text.split()) < SHORT_WORDS:
            pending = block
        else:
            yield block.start, block.end, None, section.path
    if pending:
        yield pending.start, pending.end, None, section.path


def item_path(section: Section, block: Block) -> list[str]:
    """A nested item's path names the item it stands under."""
    if block.parent is None:
        return section.path
    parent = section.blocks[block.parent]
    return [*section.path, parent.title or parent.text[:60]]


def make_chunk(parsed, section, start, end, title, path, tokens) -> Chunk:
    return Chunk(
        id="",
        doc=parsed.doc,
        level=section.level,
        section=section.heading,
        section_path=list(path),
        title=title,
        text=parsed.text[start:end],
        start=start,
        end=end,
        tokens=tokens,
    )


def fit(parsed, chunk: Chunk, count_tokens, max_tokens: int) -> list[Chunk]:
    """Split a chunk at sentence ends until each piece's embedding text fits."""
    tokens = count_tokens(chunk.embed_text)
    if tokens <= max_tokens:
        chunk.tokens = tokens
        return [chunk]
    bounds = sentence_bounds(chunk.text, chunk.start)
    if len(bounds) == 1:
        return split_words(parsed, chunk, count_tokens, max_tokens)
    pieces, first = [], 0
    while first < len(bounds):
        last = first
        while last + 1 < len(bounds):
            trial = replace_span(parsed, chunk, bounds[first][0], bounds[last + 1][1])
            if count_tokens(trial.embed_text) > max_tokens:
                break
            last += 1
        piece = replace_span(parsed, chunk, bounds[first][0], bounds[last][1])
        pieces += fit(parsed, piece, count_tokens, max_tokens) if last == first else [piece]
        if last != first:
            piece.tokens = count_tokens(piece.embed_text)
        first = last + 1
    return pieces


def split_words(parsed, chunk: Chunk, count_tokens, max_tokens: int) -> list[Chunk]:
    """A sentence too long for the model is cut between words (or, for one huge word,
    between characters), halving until each piece fits."""
    words = list(re.finditer(r"\S+", chunk.text))
    if len(words) >= 2:
        left_end = chunk.start + words[len(words) // 2 - 1].end()
        right_start = chunk.start + words[len(words) // 2].start()
    elif len(chunk.text) >= 2:  # one enormous "word" (a run of one character): cut it
        left_end = right_start = chunk.start + len(chunk.text) // 2
    else:
        chunk.tokens = count_tokens(chunk.embed_text)
        return [chunk]
    left = replace_span(parsed, chunk, chunk.start, left_end)
    right = replace_span(parsed, chunk, right_start, chunk.end)
    return fit(parsed, left, count_tokens, max_tokens) + fit(
        parsed, right, count_tokens, max_tokens
    )


def sentence_bounds(text: str, offset: int) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in SENTENCE_END.finditer(text):
        bounds.append((offset + start, offset + m.start()))
        start = m.end()
    bounds.append((offset + start, offset + len(text.rstrip())))
    return bounds


def replace_span(parsed, chunk: Chunk, start: int, end: int) -> Chunk:
    return replace(chunk, text=parsed.text[start:end], start=start, end=end, tokens=0)
