"""The ingest run (ingest.pipeline.ingest) on copies of data/docs.

Plumbing tests use the deterministic fake embedder through the Python API. The crash tests,
which run the real `kb ingest --rebuild` and kill it, are in tests/model/test_ingest.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from kb.errors import KBBusy, KBError, ModelMismatch
from kb.store import current_version, open_kb
from ui.build import ingest

REPO = Path(__file__).resolve().parents[2]
SOCIO = "socio-technical-systems.txt"
OVER = "over-alignment-and-smb-innovation.txt"
ALIGN = "strategic-alignment-before-automation.txt"
NAMES = sorted([SOCIO, OVER, ALIGN])


def paths(folder: Path, *names: str) -> list[str]:
    return [str(folder / n) for n in sorted(names)]


def versions(kb_dir: Path) -> list[str]:
    return sorted(p.name for p in (kb_dir / "versions").iterdir())


# --------------------------------------------------------------------------- incremental runs


def test_first_run_adds_the_three_documents(docs_copy, tmp_path, fake_embedder) -> None:
    kb_dir = tmp_path / "kb"
    report = ingest([docs_copy], kb_dir, embedder=fake_embedder)
    kb = open_kb(kb_dir)
    assert report.added == paths(docs_copy, *NAMES)
    assert report.changed == report.removed == report.unchanged == report.rejected == []
    assert report.documents == len(kb.documents) == 3
    assert report.chunks == len(kb.chunks) > 100
    assert report.concepts == len(kb.concepts) > 100
    assert report.embedded == len({c.embed_text for c in kb.chunks})
    assert report.version == kb.version == current_version(kb_dir)
    assert kb.manifest["model"] == "fake-hash-64"
    assert kb.manifest["dimensions"] == 64
    assert {d.title for d in kb.documents} == {
        "Over-Alignment and SMB Innovation",
        "Strategic Alignment Before Automation",
        "Socio-Technical Systems in SMBs",
    }


def test_second_run_changes_nothing_and_embeds_nothing(docs_copy, tmp_path, make_embedder) -> None:
    kb_dir = tmp_path / "kb"
    first = ingest([docs_copy], kb_dir, embedder=make_embedder())
    again = make_embedder()
    report = ingest([docs_copy], kb_dir, embedder=again)
    assert report.unchanged == paths(docs_copy, *NAMES)
    assert report.added == report.changed == report.removed == []
    assert report.embedded == 0
    assert again.calls == 0
    assert report.version == first.version
    assert versions(kb_dir) == [first.version]
    assert (report.documents, report.chunks, report.concepts) == (
        first.documents,
        first.chunks,
        first.concepts,
    )


def test_editing_one_document_reembeds_only_its_chunks(docs_copy, tmp_path, make_embedder) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs_copy], kb_dir, embedder=make_embedder())
    before = open_kb(kb_dir)
    socio = docs_copy / SOCIO
    text = socio.read_text(encoding="utf-8")
    assert text.count("This is a core principle.") == 1
    socio.write_text(text.replace("This is a core principle.", "This is the key principle."))

    embedder = make_embedder()
    report = ingest([docs_copy], kb_dir, embedder=embedder)
    after = open_kb(kb_dir)
    assert report.changed == [str(socio)]
    assert report.unchanged == paths(docs_copy, OVER, ALIGN)
    assert report.added == report.removed == []
    assert report.version == after.version != before.version

    old_texts = {c.embed_text for c in before.chunks}
    new_chunks = [c for c in after.chunks if c.embed_text not in old_texts]
    assert [c.doc for c in new_chunks] == ["socio-technical-systems"]
    assert "This is the key principle." in new_chunks[0].text
    assert report.embedded == 1
    chunk_texts = {c.embed_text for c in after.chunks}
    assert [t for t in embedder.texts if t in chunk_texts] == [new_chunks[0].embed_text]
    for doc in ("over-alignment-and-smb-innovation", "strategic-alignment-before-automation"):
        assert [c.id for c in before.chunks if c.doc == doc] == [
            c.id for c in after.chunks if c.doc == doc
        ]


def test_deleting_a_document_removes_it_and_its_chunks(docs_copy, tmp_path, make_embedder) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs_copy], kb_dir, embedder=make_embedder())
    assert any(c.title == "Joint Optimization" for c in open_kb(kb_dir).concepts)
    (docs_copy / SOCIO).unlink()

    report = ingest([docs_copy], kb_dir, embedder=make_embedder())
    kb = open_kb(kb_dir)
    assert report.removed == [str(docs_copy / SOCIO)]
    assert report.unchanged == paths(docs_copy, OVER, ALIGN)
    assert report.embedded == 0
    assert report.documents == len(kb.documents) == 2
    assert "socio-technical-systems" not in {d.doc for d in kb.documents}
    assert [c for c in kb.chunks if c.doc == "socio-technical-systems"] == []
    assert kb.index.ntotal == len(kb.chunks) == report.chunks
    assert not any(c.title == "Joint Optimization" for c in kb.concepts)
    assert all(s.doc != "socio-technical-systems" for c in kb.concepts for s in c.sources)


def test_unreadable_files_are_rejected_and_the_rest_ingested(
    docs_copy, tmp_path, fake_embedder
) -> None:
    (docs_copy / "empty.txt").write_bytes(b"")
    (docs_copy / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    (docs_copy / "broken.txt").write_bytes("A page saved as UTF-16".encode("utf-16") + b"!")
    kb_dir = tmp_path / "kb"
    report = ingest([docs_copy], kb_dir, embedder=fake_embedder)
    reasons = {Path(r.path).name: r.reason for r in report.rejected}
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.txt"}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"] == "binary content, not text"
    assert reasons["broken.txt"].startswith("cannot decode text")
    assert report.added == paths(docs_copy, *NAMES)
    assert len(open_kb(kb_dir).documents) == 3


def test_nothing_ingestible_is_an_error_and_publishes_nothing(tmp_path, fake_embedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    with pytest.raises(KBError, match="empty file"):
        ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert current_version(tmp_path / "kb") is None


def test_rebuild_reembeds_everything(docs_copy, tmp_path, make_embedder) -> None:
    kb_dir = tmp_path / "kb"
    first = ingest([docs_copy], kb_dir, embedder=make_embedder())
    embedder = make_embedder()
    report = ingest([docs_copy], kb_dir, rebuild=True, embedder=embedder)
    kb = open_kb(kb_dir)
    assert report.added == paths(docs_copy, *NAMES)
    assert report.unchanged == []
    assert report.embedded == first.embedded == len({c.embed_text for c in kb.chunks})
    assert {c.embed_text for c in kb.chunks} <= set(embedder.texts)
    assert report.version != first.version == versions(kb_dir)[0]


def test_another_model_is_refused_unless_rebuilding(docs_copy, tmp_path, make_embedder) -> None:
    kb_dir = tmp_path / "kb"
    first = ingest([docs_copy], kb_dir, embedder=make_embedder("fake-hash-64"))
    other = make_embedder("other-model")
    with pytest.raises(ModelMismatch) as refused:
        ingest([docs_copy], kb_dir, embedder=other)
    message = str(refused.value)
    assert "fake-hash-64" in message and "other-model" in message and "--rebuild" in message
    assert other.calls == 0
    assert open_kb(kb_dir).version == first.version

    report = ingest([docs_copy], kb_dir, rebuild=True, embedder=other)
    kb = open_kb(kb_dir)
    assert kb.manifest["model"] == "other-model"
    assert report.embedded == len({c.embed_text for c in kb.chunks})


def test_the_cache_embeds_each_text_once(docs_copy, tmp_path, make_embedder) -> None:
    # the same document under two names: its chunk texts are embedded once
    shutil.copy(docs_copy / SOCIO, docs_copy / "socio-copy.txt")
    kb_dir = tmp_path / "kb"
    embedder = make_embedder()
    report = ingest([docs_copy], kb_dir, embedder=embedder)
    kb = open_kb(kb_dir)
    assert report.documents == 4
    assert len(embedder.texts) == len(set(embedder.texts)) == embedder.calls
    assert report.embedded == len({c.embed_text for c in kb.chunks}) < len(kb.chunks)

    # an edit and its undo: the undone document's texts come back from the cache
    socio = docs_copy / SOCIO
    original = socio.read_text(encoding="utf-8")
    socio.write_text(original.replace("This is a core principle.", "This is the key principle."))
    assert ingest([docs_copy], kb_dir, embedder=make_embedder()).embedded == 1
    socio.write_text(original, encoding="utf-8")
    undo = make_embedder()
    report = ingest([docs_copy], kb_dir, embedder=undo)
    assert report.changed == [str(socio)]
    assert report.embedded == 0
    assert undo.calls == 0


def test_a_failing_model_leaves_the_previous_version(docs_copy, tmp_path, make_embedder) -> None:
    kb_dir = tmp_path / "kb"
    first = ingest([docs_copy], kb_dir, embedder=make_embedder())

    class BrokenModel(make_embedder):
        def embed(self, texts):
            raise RuntimeError("out of memory")

    (docs_copy / SOCIO).write_text("Fundamentals\n\nA New Heading\n\nNew text here.\n\nEnd.")
    with pytest.raises(RuntimeError):
        ingest([docs_copy], kb_dir, embedder=BrokenModel())
    kb = open_kb(kb_dir)
    assert kb.version == first.version
    assert versions(kb_dir) == [first.version]
    assert len(kb.documents) == 3


def test_a_second_ingest_is_refused_while_one_runs(docs_copy, tmp_path, fake_embedder) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    with FileLock(str(kb_dir / ".lock")), pytest.raises(KBBusy):
        ingest([docs_copy], kb_dir, embedder=fake_embedder)
    assert current_version(kb_dir) is None


def test_an_arrow_popup_page_is_ingested_clean(tmp_path, fake_embedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cash-flow.md").write_text(
        "# Cash Flow Basics\n\n## Fundamentals\n\n### Watching Working Capital\n\n"
        "Most owners watch their working capital Meaning → Working Capital is the money a "
        "business has available for day-to-day operations. closely in the first year.\n\n"
        "Skip to main content\n\nCash flow planning keeps a small shop solvent.\n",
        encoding="utf-8",
    )
    ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    kb = open_kb(tmp_path / "kb")
    texts = [c.text for c in kb.chunks]
    # a Markdown page has no closing layout: its last paragraph is content, not a summary
    assert texts == [
        "Most owners watch their working capital closely in the first year.\n"
        "Cash flow planning keeps a small shop solvent."
    ]
    assert [(g.term, g.definition, g.section) for g in kb.glossary] == [
        (
            "working capital",
            "Working Capital is the money a business has available for day-to-day operations.",
            "Watching Working Capital",
        )
    ]
