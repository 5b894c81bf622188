"""Reuse by (content hash, pipeline version): a change to the ingest code or to the chunk
token limit parses every document again, and embeds nothing twice (issue 29, item 1)."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from ingest import version
from kb import store
from kb.store import open_kb
from tests.conftest import FakeEmbedder
from tests.samples import write_good
from ui.build import ingest

LONG_MD = """\
# Hiring Your First Employee

## Before You Post The Role

Write down the tasks you do every week that someone else could do as well as you. Price
each one by the hours it takes and the value it brings, and keep the ones a new hire could
learn within a month. A clear list of tasks makes the job post short and honest. It also
tells you whether a part-time role would be enough for now. Owners who skip this step often
hire for the work they dislike rather than the work that grows the business.

- Trial Week Pay a candidate for a short trial week before you offer a contract.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    write_good(docs)
    (docs / "hiring.md").write_text(LONG_MD, encoding="utf-8")
    return docs


def names(report_paths: list[str]) -> list[str]:
    return sorted(Path(p).name for p in report_paths)


ALL = ["good-cash.txt", "good-pricing.md", "hiring.md"]


def test_an_unchanged_folder_is_not_parsed_again(folder, tmp_path) -> None:
    kb_dir = tmp_path / "kb"
    first = ingest([folder], kb_dir, embedder=FakeEmbedder())
    assert names(first.added) == ALL and first.reparsed == []
    kb = open_kb(kb_dir)
    stamp = version.Pipeline.of(FakeEmbedder()).version
    assert {d.pipeline for d in kb.documents} == {stamp}
    assert kb.manifest["pipeline"] == stamp and kb.manifest["max_tokens"] == 256
    again = FakeEmbedder()
    second = ingest([folder], kb_dir, embedder=again)
    assert names(second.unchanged) == ALL
    assert second.reparsed == second.changed == second.added == []
    assert again.calls == 0 and second.version == first.version


def test_new_ingest_code_parses_every_document_again_and_embeds_nothing(
    folder, tmp_path, monkeypatch
) -> None:
    kb_dir = tmp_path / "kb"
    first = ingest([folder], kb_dir, embedder=FakeEmbedder())
    before = open_kb(kb_dir)
    monkeypatch.setattr(version, "code_hash", lambda: "the ingest code was edited")
    lines: list[str] = []
    again = FakeEmbedder()
    report = ingest([folder], kb_dir, embedder=again, progress=lines.append)
    assert names(report.reparsed) == ALL
    assert report.unchanged == report.changed == report.added == report.removed == []
    assert again.calls == 0 and report.embedded == 0  # every chunk text came from the cache
    assert "re-parsed 3 document(s): the ingest code or its settings changed" in lines
    after = open_kb(kb_dir)
    assert report.version != first.version  # a new version, stamped with the new pipeline
    assert after.chunks == before.chunks
    new_stamp = version.Pipeline.of(again).version
    assert {d.pipeline for d in after.documents} == {new_stamp} != {before.documents[0].pipeline}
    third = ingest([folder], kb_dir, embedder=FakeEmbedder())
    assert names(third.unchanged) == ALL and third.reparsed == []
    assert third.version == report.version


class ShortModel(FakeEmbedder):
    max_tokens = 40  # a model that reads no further than 40 tokens


def test_a_lower_model_input_limit_chunks_every_document_again(folder, tmp_path) -> None:
    kb_dir = tmp_path / "kb"
    ingest([folder], kb_dir, embedder=FakeEmbedder())
    before = open_kb(kb_dir)
    short = ShortModel()
    report = ingest([folder], kb_dir, embedder=short)
    assert names(report.reparsed) == ALL
    after = open_kb(kb_dir)
    assert after.manifest["max_tokens"] == 40
    assert len(after.chunks) > len(before.chunks)  # the long paragraph is split now
    assert all(short.count_tokens(c.embed_text) <= 40 for c in after.chunks)
    old_texts = {c.embed_text for c in before.chunks}
    new_texts = {c.embed_text for c in after.chunks} - old_texts
    assert report.embedded == len(new_texts) > 0  # only the new pieces; the rest is cached


def test_a_kb_written_before_pipeline_versions_is_parsed_again_once(
    folder, tmp_path, monkeypatch
) -> None:
    kb_dir = tmp_path / "kb"

    def without_pipeline(value):  # the stored form of a document before this change
        data = asdict(value)
        data.pop("pipeline", None)
        return data

    with monkeypatch.context() as patch:
        patch.setattr(store, "asdict", without_pipeline)
        first = ingest([folder], kb_dir, embedder=FakeEmbedder())
    old = open_kb(kb_dir)
    assert {d.pipeline for d in old.documents} == {""}
    again = FakeEmbedder()
    report = ingest([folder], kb_dir, embedder=again)
    assert names(report.reparsed) == ALL and report.changed == []
    assert again.calls == 0 and report.version != first.version
    assert open_kb(kb_dir).chunks == old.chunks
    third = ingest([folder], kb_dir, embedder=FakeEmbedder())
    assert names(third.unchanged) == ALL and third.version == report.version


def test_the_version_follows_the_parsing_code(tmp_path, monkeypatch) -> None:
    """Every module that turns bytes into documents and chunks is hashed; an edit to any of
    them, and only to them, changes the version."""
    sources = [p.relative_to(version.REPO).as_posix() for p in version.parsing_sources()]
    for module in ("ingest/chunk.py", "ingest/clean.py", "ingest/structure.py", "ingest/load.py"):
        assert module in sources
    assert "ingest/formats/md.py" in sources and "kb/text.py" in sources
    assert not {"ingest/pipeline.py", "ingest/concepts.py"} & set(sources)
    copy = tmp_path / "repo"
    shutil.copytree(version.REPO / "ingest", copy / "ingest")
    (copy / "kb").mkdir()
    for shared in version.SHARED:
        shutil.copy(version.REPO / shared, copy / shared)
    monkeypatch.setattr(version, "REPO", copy)
    version.code_hash.cache_clear()
    try:
        original = version.code_hash()
        concepts = copy / "ingest" / "concepts.py"
        concepts.write_text(concepts.read_text() + "\n# not parsing\n")
        version.code_hash.cache_clear()
        assert version.code_hash() == original
        clean = copy / "ingest" / "clean.py"
        clean.write_text(clean.read_text() + "\n# a fix\n")
        version.code_hash.cache_clear()
        assert version.code_hash() != original
    finally:
        version.code_hash.cache_clear()
