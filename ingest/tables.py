"""Tables: runs of row lines gathered into tables, and a table's columns and records rebuilt.

Explicit rows (`| a | b |`) carry their header. A table flattened by the scraper
("Framework Balanced Scorecard (BSC) |") is rebuilt from the period with which its column
labels repeat; one that lost its `|` altogether is recognised as a run of heading-like lines
that share a first word.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ingest.classify import Line


def group_tables(lines: list[Line]) -> list[Line | list[Line]]:
    """Gather runs of table rows, and runs of headings that share a first word, into tables.

    A scraped table sometimes loses its `|` and leaves heading-like lines that all start with
    the column label ("Technology Robotic Process Automation (RPA)"); three or more such lines
    with no text between them are one table, not empty sections.
    """
    out: list[Line | list[Line]] = []
    i = 0
    while i < len(lines):
        if lines[i].kind == "row":  # a table ends at the first line that is not a row
            j = _run_end(lines, i, lambda ln: ln.kind == "row")
            out.append(lines[i:j])
            i = j
            continue
        if lines[i].kind == "heading" and lines[i].depth == 0:
            first = lines[i].text.split()[0]
            j = _run_end(lines, i, partial(_in_label_run, first=first))
            run = [ln for ln in lines[i:j] if ln.kind == "heading"]
            if len(run) >= 3 and len(first) > 2:
                out.append([Line("row", f"{ln.text} |") for ln in run])
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


def _run_end(lines: list[Line], start: int, belongs: Callable[[Line], bool]) -> int:
    """The index just past the run of lines from `start` that all `belong`."""
    end = start
    while end < len(lines) and belongs(lines[end]):
        end += 1
    return end


def _in_label_run(line: Line, first: str) -> bool:
    """A blank line, or a heading whose first word is `first`: one more label of the column."""
    return line.kind == "blank" or (line.kind == "heading" and line.text.split()[0] == first)


def rebuild_table(rows: list[Line]) -> tuple[list[str], list[list[str]]]:
    """Columns and records of a table given as lines.

    Explicit rows (`| a | b |`) have their header first. Flattened rows ("Label value |")
    repeat their column labels with a period p: the smallest p for which line i and line i+p
    always share a first word. Each column label is the longest word prefix common to all
    records at that position.
    """
    texts = [r.text.strip() for r in rows]
    if all(t.startswith("|") for t in texts):
        return _explicit_table(texts)
    words = [t.rstrip("|").strip().split() for t in texts]
    period = _label_period(words)
    if period is None:
        return [], []
    columns: list[str] = []
    records: list[list[str]] = [[] for _ in range(len(words) // period)]
    for col in range(period):
        group = [words[r * period + col] for r in range(len(words) // period)]
        prefix = 0
        while all(len(g) > prefix + 1 and g[prefix] == group[0][prefix] for g in group):
            prefix += 1
        columns.append(" ".join(group[0][:prefix]))
        for r, g in enumerate(group):
            records[r].append(" ".join(g[prefix:]))
    return columns, records


def _explicit_table(texts: list[str]) -> tuple[list[str], list[list[str]]]:
    """`| a | b |` rows: the header first; short records padded to its width, empty ones dropped."""
    cells = [[c.strip() for c in t.strip("|").split("|")] for t in texts]
    header, body = cells[0], cells[1:]
    return header, [c + [""] * (len(header) - len(c)) for c in body if any(c)]


def _label_period(words: list[list[str]]) -> int | None:
    """The smallest period with which the lines' first words repeat, or None if none does."""
    n = len(words)
    return next(
        (
            p
            for p in range(1, n // 2 + 1)
            if n % p == 0 and all(words[i][0] == words[i + p][0] for i in range(n - p))
        ),
        None,
    )
