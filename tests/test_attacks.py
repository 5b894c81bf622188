"""What a hostile or careless input must not break (issue "Reliability under attack").

Each test names the promise it keeps. Fake embedder wherever the meaning of the vectors
cannot matter; the installed `kb` command where the promise is the command's.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from ingest import gather
from ingest.pipeline import ingest
from kb.errors import KBError
from kb.store import open_kb
from tests.conftest import FakeEmbedder

GOOD = "# Pricing Reviews\n\nReview your prices every quarter, with your best customers.\n"


def rejection(report, path: Path) -> str:
    return next(r.reason for r in report.rejected if r.path == str(path))


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD)
    return folder


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
