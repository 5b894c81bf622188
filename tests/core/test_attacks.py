"""What a hostile or careless input must not break (issue "Reliability under attack").

Each test names the promise it keeps. Fake embedder wherever the meaning of the vectors
cannot matter; the `kb` command in process where the promise is the command's. The promises
that need the real model are in tests/model/test_attacks.py.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest import gather
from kb.errors import KBError
from kb.store import open_kb
from tests.conftest import FakeEmbedder, invoke_kb
from tests.samples import GOOD
from ui.build import ingest


def rejection(report, path: Path) -> str:
    return next(r.reason for r in report.rejected if r.path == str(path))


def test_a_deeply_nested_html_file_is_rejected_and_the_others_ingest(
    docs, tmp_path, fake_embedder
) -> None:
    deep = docs / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 495 + "<p>Deep.</p>" + "</div>" * 495 + "</body>")
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert rejection(report, deep) == "nested too deeply to parse"
    assert report.added == [str(docs / "good.md")]
    assert [d.path for d in open_kb(tmp_path / "kb").documents] == [str(docs / "good.md")]


def test_any_surprise_in_one_files_parsing_rejects_that_file_only(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    broken = docs / "broken.md"
    broken.write_text("# Broken\n\nThis one trips the parser.\n")
    real_parse = gather.parse

    def parse(doc, path, *args):
        if Path(path).name == "broken.md":
            raise ValueError("a surprise deep inside the parser")
        return real_parse(doc, path, *args)

    monkeypatch.setattr(gather, "parse", parse)
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert rejection(report, broken) == (
        "could not be parsed (ValueError: a surprise deep inside the parser)"
    )
    assert report.added == [str(docs / "good.md")]


def test_crashes_before_current_never_cost_the_last_good_version(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    """Three publishes die between renaming their folder and writing CURRENT; the next
    publish must keep the version that was current all along, and drop the orphans."""
    from kb import store, versions

    kb_dir = tmp_path / "kb"
    good = ingest([docs], kb_dir, embedder=fake_embedder).version
    real_write = store.write_durably

    def crash_on_current(path: Path, text: str) -> None:
        if path.name == "CURRENT":
            raise OSError("killed before CURRENT")
        real_write(path, text)

    monkeypatch.setattr(store, "write_durably", crash_on_current)
    for n in range(3):
        (docs / "good.md").write_text(GOOD + f"\nEdit {n}.\n")
        with pytest.raises(OSError):
            ingest([docs], kb_dir, embedder=fake_embedder)
    monkeypatch.setattr(store, "write_durably", real_write)
    assert store.current_version(kb_dir) == good
    (docs / "good.md").write_text(GOOD + "\nThe last edit.\n")
    new = ingest([docs], kb_dir, embedder=fake_embedder).version
    on_disk = sorted(p.name for p in (kb_dir / "versions").glob("v*"))
    assert on_disk == [good, new]
    folder = kb_dir / "versions" / good
    versions.check_files(folder, versions.read_manifest(folder))  # whole, for its readers


def rewrite_during_parse(monkeypatch, path: Path, times: int) -> None:
    """Make the parser's first `times` calls on `path` find the file rewritten under it."""
    real_parse = gather.parse
    calls = []

    def parse(doc, source, *args):
        if Path(source) == path and len(calls) < times:
            calls.append(source)
            path.write_text(GOOD + f"\nRewritten {len(calls)} while it was read, longer.\n")
        return real_parse(doc, source, *args)

    monkeypatch.setattr(gather, "parse", parse)


def test_a_file_rewritten_while_it_is_read_is_read_again(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    page = docs / "good.md"
    rewrite_during_parse(monkeypatch, page, times=1)
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert report.added == [str(page)] and report.rejected == []
    kb = open_kb(tmp_path / "kb")
    assert any("Rewritten 1 while it was read" in c.text for c in kb.chunks)


def test_a_file_that_keeps_changing_is_rejected_and_its_previous_version_stays(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs], kb_dir, embedder=fake_embedder)
    before = [c.text for c in open_kb(kb_dir).chunks]
    page = docs / "good.md"
    page.write_text(GOOD + "\nAn edit.\n")
    rewrite_during_parse(monkeypatch, page, times=2)
    report = ingest([docs], kb_dir, embedder=fake_embedder)
    assert rejection(report, page) == (
        f"{gather.CHANGED_WHILE_READ}; its previous version stays in the KB"
    )
    assert [c.text for c in open_kb(kb_dir).chunks] == before


def test_a_document_emptied_on_disk_is_reported_and_kept(docs, tmp_path, fake_embedder) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs], kb_dir, embedder=fake_embedder)
    (docs / "good.md").write_text("")
    report = ingest([docs], kb_dir, embedder=fake_embedder)
    assert rejection(report, docs / "good.md") == (
        "empty file; its previous version stays in the KB"
    )
    assert report.removed == []
    assert [d.path for d in open_kb(kb_dir).documents] == [str(docs / "good.md")]


def test_a_damaged_page_inside_the_embedding_cache_is_set_aside_and_rebuilt(
    docs, tmp_path, fake_embedder, capfd
) -> None:
    kb_dir = tmp_path / "kb"
    for n in range(40):  # enough passages for the cache to span many pages
        (docs / f"note-{n:02d}.md").write_text(f"# Note {n}\n\n" + f"Point {n} of many. " * 60)
    ingest([docs], kb_dir, embedder=fake_embedder)
    cache = kb_dir / "embeddings.sqlite"
    data = bytearray(cache.read_bytes())
    assert len(data) > 8 * 4096
    data[2 * 4096 :] = b"\xa5" * (len(data) - 2 * 4096)  # the header and schema stay readable
    cache.write_bytes(bytes(data))
    (docs / "good.md").write_text(GOOD + "\nAn edit after the damage.\n")
    embedder = FakeEmbedder()
    report = ingest([docs], kb_dir, embedder=embedder)
    assert report.changed == [str(docs / "good.md")] and report.rejected == []
    assert "embedding cache" in capfd.readouterr().err
    assert (kb_dir / "embeddings.sqlite.damaged").exists()
    assert embedder.calls > 1  # re-embedded what the damaged cache held
    assert len(open_kb(kb_dir).documents) == 41


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError("82560 requested and 42976 written"),
    ],
)
def test_a_full_disk_says_so_in_one_line_and_leaves_no_temp_folder(
    failure, docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    from kb import store

    kb_dir = tmp_path / "kb"
    good = ingest([docs], kb_dir, embedder=fake_embedder).version
    (docs / "good.md").write_text(GOOD + "\nAn edit that will not fit.\n")

    def no_space(*_args) -> None:
        raise failure

    monkeypatch.setattr(store.vector_index, "save", no_space)
    monkeypatch.setattr(
        store.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10**9, 10**9, 0)
    )
    with pytest.raises(KBError) as caught:
        ingest([docs], kb_dir, embedder=fake_embedder)
    message = str(caught.value)
    assert message.startswith("the disk is full") and str(kb_dir) in message
    assert "\n" not in message
    assert list((kb_dir / "versions").glob(".tmp-*")) == []
    assert store.current_version(kb_dir) == good


def test_a_damaged_or_read_only_votes_file_is_one_clear_error(tmp_path) -> None:
    from kb import feedback

    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / feedback.FILE).write_bytes(b"this is no database" * 100)
    with pytest.raises(feedback.FeedbackUnavailable, match="votes in .*feedback.sqlite"):
        feedback.votes(kb_dir)
    with pytest.raises(feedback.FeedbackUnavailable):
        feedback.record(kb_dir, "staff ignore the app", "c", "Concept", feedback.UP)
    (kb_dir / feedback.FILE).unlink()
    (kb_dir / feedback.FILE).mkdir()  # unwritable even for root, as a read-only disk would be
    with pytest.raises(feedback.FeedbackUnavailable, match="cannot be used"):
        feedback.record(kb_dir, "staff ignore the app", "c", "Concept", feedback.UP)


def test_a_kb_dir_that_is_a_file_is_a_usage_error_everywhere(tmp_path) -> None:
    not_a_folder = tmp_path / "kb.txt"
    not_a_folder.write_text("not a KB")
    for args in (("stats",), ("ingest", str(tmp_path)), ("recommend", "staff ignore the app")):
        done = invoke_kb(*args, "--kb-dir", str(not_a_folder))
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.strip().splitlines() == [
            f"error: {not_a_folder} is a file, not a KB folder: give --kb-dir a folder"
        ]
    assert not_a_folder.read_text() == "not a KB"


def unit_vectors(n: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, 384)).astype(np.float32)
    vectors[n // 2 :] = vectors[: n - n // 2] + 0.3 * vectors[n // 2 :]  # close pairs
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def concepts_for(n: int) -> list:
    from kb.model import Concept

    return [Concept(f"c{i}", f"Concept {i}", "principle", None, "d", "s", "x") for i in range(n)]


def test_related_concepts_are_the_nearest_ones() -> None:
    from ingest.concepts import RELATED_MAX, RELATED_MIN_SIMILARITY, link_related

    vectors, concepts = unit_vectors(200), concepts_for(200)
    link_related(concepts, vectors)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1)
    for i, concept in enumerate(concepts):
        best = [
            f"c{j}"
            for j in np.argsort(-sims[i])[:RELATED_MAX]
            if sims[i, j] >= RELATED_MIN_SIMILARITY
        ]
        assert concept.related == best


def test_linking_many_concepts_never_builds_the_matrix_of_every_pair() -> None:
    import tracemalloc

    from ingest.concepts import link_related

    vectors, concepts = unit_vectors(6000), concepts_for(6000)
    tracemalloc.start()
    link_related(concepts, vectors)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40e6, f"{peak / 1e6:.0f} MB; every pair would take {6000**2 * 4 / 1e6:.0f} MB"
    assert sum(bool(c.related) for c in concepts) >= 3000


def test_votes_stay_bounded_and_their_summary_is_counted_by_the_database(
    tmp_path, monkeypatch
) -> None:
    from kb import feedback

    monkeypatch.setattr(feedback, "MAX_VOTES", 50)
    for n in range(80):
        feedback.record(tmp_path, f"question {n} " + "x" * 5000, "c", "Concept", (-1) ** n)
    stored = feedback.votes(tmp_path)
    assert len(stored) == 50 and stored[0].query.startswith("question 30 ")
    assert max(len(v.query) for v in stored) == feedback.MAX_QUERY_CHARS
    assert feedback.counts(tmp_path) == (25, 25)
    latest = feedback.votes(tmp_path, latest=3)
    assert [v.query.split(" x")[0] for v in latest] == ["question 77", "question 78", "question 79"]
    assert feedback.counts(tmp_path / "nobody-voted") == (0, 0)


def test_a_docx_that_unpacks_to_a_gigantic_xml_is_refused_before_parsing(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    import zipfile

    from ingest.formats import docx as docx_format
    from ingest.unreadable import MAX_UNPACKED_BYTES

    bomb = docs / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w") as part:
            for _ in range(MAX_UNPACKED_BYTES // 2**20 + 8):
                part.write(b" " * 2**20)
    assert bomb.stat().st_size < 2 * 2**20

    def never(*_args):
        raise AssertionError("the bomb reached the XML parser")

    monkeypatch.setattr(docx_format.docx, "Document", never)
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert rejection(report, bomb).startswith("DOCX unpacks to 108 MB > 100 MB")
    assert report.added == [str(docs / "good.md")]


def test_a_pdf_with_too_many_pages_is_refused_before_its_text_is_read(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    from pypdf import PageObject, PdfWriter

    from ingest.unreadable import MAX_PDF_PAGES

    writer = PdfWriter()
    for _ in range(MAX_PDF_PAGES + 1):
        writer.add_blank_page(width=200, height=200)
    thick = docs / "thick.pdf"
    with open(thick, "wb") as f:
        writer.write(f)

    def never(*_args, **_kwargs):
        raise AssertionError("a page's text was extracted")

    monkeypatch.setattr(PageObject, "extract_text", never)
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert rejection(report, thick) == "too many pages: 1,501 > 1,500; split the document"
