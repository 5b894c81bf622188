"""Ingest safety (issue 28), the slower half: a megabyte of pop-ups, a long DOCX, and files
that break the time or memory budget of the worker that reads them (`ingest.budget`).
The quick checks (size caps, paragraph counts, names, links, identity) are in
tests/core/test_ingest_safety.py.
"""

from __future__ import annotations

import time

from ingest import budget
from ingest.clean import clean
from ingest.load import load
from tests.core.test_ingest_safety import CEILING_SECONDS, docx_of_paragraphs, rejection
from tests.samples import GOOD
from ui.build import ingest


def test_a_megabyte_of_popup_heads_cleans_in_seconds() -> None:
    text = "Meaning ● word " * (1_000_000 // 15)  # took hours: each head re-read the rest
    started = time.perf_counter()
    lines = clean(text)
    assert time.perf_counter() - started < CEILING_SECONDS
    assert lines[0].terms == []


def test_a_long_docx_reads_in_seconds(tmp_path) -> None:
    started = time.perf_counter()
    loaded = load(docx_of_paragraphs(tmp_path / "long.docx", 20_000))
    assert loaded.text.count("Point") == 20_000
    assert time.perf_counter() - started < CEILING_SECONDS  # was over a minute (style look-up)


def test_a_file_that_takes_too_long_to_read_is_rejected_and_the_rest_ingest(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    monkeypatch.setattr(budget, "MAX_PARSE_SECONDS", 0.2)
    slow = docx_of_paragraphs(docs / "slow.docx", 30_000)  # a second or two to read
    started = time.perf_counter()
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert time.perf_counter() - started < CEILING_SECONDS
    assert rejection(report, slow) == "took longer than 0.2 s to parse; split the document"
    assert report.added == [str(docs / "good.md")]
    slow.unlink()
    (docs / "next.md").write_text(GOOD.replace("Pricing", "Stock"))  # a new worker reads it
    assert ingest([docs], tmp_path / "kb", embedder=fake_embedder).added == [str(docs / "next.md")]


def test_a_file_that_needs_too_much_memory_is_rejected_and_the_rest_ingest(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    monkeypatch.setattr(budget, "MAX_PARSE_MB", 40)
    page = docs / "wide.html"  # under the size cap, but its tree takes hundreds of MB
    page.write_text("<html><body>" + "<p><b>a</b> <i>b</i></p>" * 200_000 + "</body></html>")
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert rejection(report, page) == "needed more than 40 MB of memory to parse"
    assert report.added == [str(docs / "good.md")]
