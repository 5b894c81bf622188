"""What is written to disk stays bounded and whole (issue 28, items 3, 8, 15, 18):

- a full disk at any write of a KB version (SQLite, FAISS, the manifest, CURRENT), of a
  trained model or its layers is one line naming the folder and its disk, the previous
  version stays loadable and no temporary file or folder is left;
- what killed writers left (`.tmp-*` in versions/, models/, models/onnx/) goes at the next
  publish, unless its writer still runs;
- the votes file is bounded in bytes, not only in rows;
- a training-corpus line that is not UTF-8 is refused with its file and line;
- `kb recommend --batch` prints strict JSON on every line, whatever the ids.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb import disk, feedback, store, versions
from kb.errors import DiskFull
from kb.store import open_kb
from tests.samples import one_error_line
from ui.build import ingest

MORE = "# Supplier Terms\n\nAsk every supplier for thirty-day terms before you order.\n"
ENOSPC = OSError(errno.ENOSPC, "No space left on device")


def assert_one_disk_full_line(exc: BaseException, folder: Path) -> None:
    message = str(exc)
    assert isinstance(exc, DiskFull), repr(exc)
    assert message.startswith("the disk is full: no space left to write "), message
    assert str(folder) in message and "the disk mounted at " in message
    assert "\n" not in message and "Errno" not in message


def leftovers(kb_dir: Path) -> list[str]:
    return sorted(
        str(p.relative_to(kb_dir))
        for p in [*kb_dir.rglob(".tmp-*"), *kb_dir.rglob(".*.tmp")]
        if p.exists()
    )


@pytest.fixture
def built(docs, tmp_path, fake_embedder):
    """A KB with one published version, and a change waiting to be ingested."""
    kb_dir = tmp_path / "kb"
    good = ingest([docs], kb_dir, embedder=fake_embedder).version
    (docs / "more.md").write_text(MORE)  # a new document: a new version to publish
    return kb_dir, good


def assert_previous_stays(kb_dir: Path, good: str) -> None:
    assert store.current_version(kb_dir) == good
    assert open_kb(kb_dir).version == good  # whole: every file checked against its manifest
    assert leftovers(kb_dir) == []


# ------------------------------------------------------------------------ a full disk


def test_faiss_out_of_space_is_one_line_and_the_previous_version_stays(
    built, docs, fake_embedder, monkeypatch
) -> None:
    kb_dir, good = built

    def write_index(_index, path: str) -> None:
        Path(path).write_bytes(b"\0" * 4096)  # a part is written, then the disk is full
        raise ENOSPC

    monkeypatch.setattr(store.vector_index.faiss, "write_index", write_index)
    with pytest.raises(DiskFull) as caught:
        ingest([docs], kb_dir, embedder=fake_embedder)
    assert_one_disk_full_line(caught.value, kb_dir)
    assert "the current one is untouched" in str(caught.value)
    assert_previous_stays(kb_dir, good)


def test_faiss_raw_error_on_a_disk_that_only_looks_full_while_the_version_is_there(
    built, docs, fake_embedder, monkeypatch
) -> None:
    """FAISS says "N requested and M written", no errno; removing the half-written version
    frees space, so the disk must be judged before, not after (it was after)."""
    kb_dir, good = built
    real_usage = disk.shutil.disk_usage

    def write_index(_index, path: str) -> None:
        raise RuntimeError("Error in faiss::FileIOWriter: 82560 requested and 42976 written")

    def usage(path):
        full = any((kb_dir / "versions").glob(".tmp-*"))
        total = real_usage(path).total
        return disk.shutil._ntuple_diskusage(total, total - 1000, 1000 if full else 10**9)

    monkeypatch.setattr(store.vector_index.faiss, "write_index", write_index)
    monkeypatch.setattr(disk.shutil, "disk_usage", usage)
    with pytest.raises(DiskFull) as caught:
        ingest([docs], kb_dir, embedder=fake_embedder)
    assert_one_disk_full_line(caught.value, kb_dir)
    monkeypatch.undo()
    assert_previous_stays(kb_dir, good)


def test_sqlite_out_of_space_is_one_line(built, docs, fake_embedder, monkeypatch) -> None:
    kb_dir, good = built

    def write_sqlite(path, *_args) -> None:
        sqlite3.connect(path).close()
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "write_sqlite", write_sqlite)
    with pytest.raises(DiskFull) as caught:
        ingest([docs], kb_dir, embedder=fake_embedder)
    assert_one_disk_full_line(caught.value, kb_dir)
    assert_previous_stays(kb_dir, good)


def no_space_for(monkeypatch, wanted) -> list[str]:
    """`open` for writing a path that `wanted` accepts raises ENOSPC (once it has made the
    file, as a real write would); returns the paths refused."""
    real_open = builtins.open
    refused: list[str] = []

    def open_(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and "w" in mode and wanted(Path(file)):
            real_open(file, mode, *args, **kwargs).close()
            refused.append(str(file))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    return refused


@pytest.mark.parametrize("name", ["manifest.json", "CURRENT", "concepts.npy"])
def test_out_of_space_at_the_manifest_current_or_an_array_is_one_line(
    name, built, docs, fake_embedder, monkeypatch
) -> None:
    kb_dir, good = built
    refused = no_space_for(monkeypatch, lambda p: p.name in (name, f".{name}.{os.getpid()}.tmp"))
    with pytest.raises(DiskFull) as caught:
        ingest([docs], kb_dir, embedder=fake_embedder)
    assert refused
    assert_one_disk_full_line(caught.value, kb_dir)
    monkeypatch.undo()
    assert_previous_stays(kb_dir, good)
    again = ingest([docs], kb_dir, embedder=fake_embedder).version  # and then it works
    assert sorted(p.name for p in (kb_dir / "versions").iterdir()) == [good, again]


class HalfSavedModel:
    """A model whose save writes part of a file, then meets a full disk (or is killed)."""

    def __init__(self, failure: BaseException | None = None):
        self.failure = failure

    def save(self, path: str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "model.safetensors").write_bytes(b"\0" * 65536)
        if self.failure is not None:
            raise self.failure


def test_a_trained_model_saved_on_a_full_disk_is_one_line_and_no_temp_folder(tmp_path) -> None:
    from learn.finetune import save_model

    models = tmp_path / "kb" / "models"
    models.mkdir(parents=True)
    with pytest.raises(DiskFull) as caught:
        save_model(HalfSavedModel(ENOSPC), models, "query-0123456789abcdef")
    assert_one_disk_full_line(caught.value, models)
    assert "query encoder query-0123456789abcdef" in str(caught.value)
    assert list(models.iterdir()) == []
    with pytest.raises(ValueError):  # any other failure: no temp folder either, error as is
        save_model(HalfSavedModel(ValueError("no")), models, "query-0123456789abcdef")
    assert list(models.iterdir()) == []
    assert save_model(HalfSavedModel(), models, "query-0123456789abcdef").is_dir()


def test_the_cli_says_a_raw_full_disk_in_one_line_naming_the_folder(
    tmp_path, kb_run, monkeypatch
) -> None:
    """A write no `kb.disk.writing` wraps still ends as one line with its folder and disk."""
    import ui.build

    kb_dir = tmp_path / "kb"
    failures = [
        OSError(errno.ENOSPC, "No space left on device", str(kb_dir / "embeddings.sqlite")),
        OSError(errno.ENOSPC, "No space left on device"),
        sqlite3.OperationalError("database or disk is full"),
    ]
    for failure in failures:

        def fail(*_args, failure=failure, **_kwargs):
            raise failure

        monkeypatch.setattr(ui.build, "ingest", fail)
        done = kb_run("ingest", str(tmp_path), "--kb-dir", str(kb_dir))
        line = one_error_line(done.stderr)
        assert done.returncode == 1
        assert line.startswith("error: the disk is full: no space left to write "), line
        assert f"in {kb_dir} (the disk mounted at " in line


# ------------------------------------------------------------- leftovers of killed writers


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_what_killed_writers_left_is_swept_by_the_next_publish(built, docs, fake_embedder) -> None:
    kb_dir, good = built
    dead = dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.1)
        stale = [
            kb_dir / "versions" / f".tmp-v000009-{dead}",
            kb_dir / "models" / f".tmp-query-0123456789abcdef-{dead}",
            kb_dir / "models" / "onnx" / f".tmp-4f2a9c0d1e8b7a6c5d4e-{dead}",
            # a process id taken since by a live process that started after the write
            kb_dir / "models" / f".tmp-query-fedcba9876543210-{sleeper.pid}-old",
        ]
        for folder in stale:
            folder.mkdir(parents=True)
            (folder / "model.safetensors").write_bytes(b"\0" * 65536)
        reused = stale.pop()
        renamed = reused.with_name(f".tmp-query-fedcba9876543210-{sleeper.pid}")
        reused.rename(renamed)
        os.utime(renamed, (time.time() - 3600, time.time() - 3600))
        stale.append(renamed)
        stray_file = kb_dir / f".CURRENT.{dead}.tmp"
        stray_file.write_text("v000009\n")
        stale.append(stray_file)
        live = kb_dir / "models" / f".tmp-query-aaaaaaaaaaaaaaaa-{sleeper.pid}"
        live.mkdir()  # written by a process that still runs: in use
        new = ingest([docs], kb_dir, embedder=fake_embedder).version
        assert [p for p in stale if p.exists()] == []
        assert live.is_dir()
        assert open_kb(kb_dir).version == new != good
    finally:
        sleeper.kill()
        sleeper.wait()
    ingest([docs], kb_dir, embedder=fake_embedder, rebuild=True)
    assert leftovers(kb_dir) == []  # its writer gone, the last one goes too


def test_a_model_save_killed_midway_leaves_a_folder_the_next_publish_removes(
    built, docs, fake_embedder
) -> None:
    """`kill -9` during `kb train`'s save (here: a process saving with the real `save_model`
    kills itself halfway); two publishes used to leave `models/.tmp-query-*` in place."""
    kb_dir, good = built
    script = (
        "import os, signal, sys; from pathlib import Path\n"
        "from learn.finetune import save_model\n"
        "class Killed:\n"
        "    def save(self, path):\n"
        "        Path(path).mkdir(parents=True)\n"
        "        (Path(path) / 'model.safetensors').write_bytes(bytes(1 << 20))\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "save_model(Killed(), Path(sys.argv[1]), 'query-0123456789abcdef')\n"
    )
    (kb_dir / "models").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", script, str(kb_dir / "models")], cwd=Path(__file__).parents[2]
    )
    assert done.returncode == -9
    assert [p.name.rsplit("-", 1)[0] for p in (kb_dir / "models").iterdir()] == [
        ".tmp-query-0123456789abcdef"
    ]
    ingest([docs], kb_dir, embedder=fake_embedder)
    assert list((kb_dir / "models").iterdir()) == []
    assert leftovers(kb_dir) == []


def test_an_export_folder_being_written_is_not_pruned_as_an_unused_export(tmp_path) -> None:
    from kb import encoder

    exports = tmp_path / encoder.EXPORTS
    writing = exports / f".tmp-4f2a9c0d1e8b7a6c5d4e-{os.getpid()}"
    unused = exports / "0123456789abcdef0123"
    writing.mkdir(parents=True)
    unused.mkdir()
    encoder.prune(tmp_path, set())
    assert writing.is_dir() and not unused.exists()
    assert versions.sweep_temporary(tmp_path) == []  # this process writes it: in use


def test_writer_reads_the_process_id_of_every_temporary_name() -> None:
    assert disk.writer(".tmp-v000003-1234") == 1234
    assert disk.writer(".tmp-query-0123456789abcdef-77") == 77
    assert disk.writer(".CURRENT.4321.tmp") == 4321
    assert disk.writer(".tmp-query-abc.safetensors") is None
    assert not disk.pid_alive(2**40)  # no process can have it


# ------------------------------------------------------------------------ the votes file


def test_the_votes_file_is_bounded_in_bytes_the_oldest_going_first(tmp_path, monkeypatch) -> None:
    """Long questions of two-byte characters: the row cap alone let 20,000 of them take
    168 MB; the file now stays within its byte cap, and keeps the newest votes in order."""
    monkeypatch.setattr(feedback, "MAX_VOTES_BYTES", 128 << 10)
    question = "Le café ça déborde " * 200  # about 3,000 bytes, cut to MAX_QUERY_CHARS
    sizes = []
    for n in range(120):
        feedback.record(tmp_path, f"q{n} {question}", f"concept-{n}", "Concept", feedback.UP)
        sizes.append((tmp_path / feedback.FILE).stat().st_size)
    stored = feedback.votes(tmp_path)
    assert max(sizes) <= (128 << 10) * 1.05, max(sizes)
    assert 15 < len(stored) < 60
    numbers = [int(v.query.split()[0][1:]) for v in stored]
    assert numbers == list(range(120 - len(stored), 120))  # the newest, oldest dropped first
    assert all(len(v.query) == feedback.MAX_QUERY_CHARS for v in stored)
    assert sum(feedback.counts(tmp_path)) == len(stored)


def test_an_old_votes_file_loses_its_index_and_its_excess_on_the_next_vote(
    tmp_path, monkeypatch
) -> None:
    path = tmp_path / feedback.FILE
    db = sqlite3.connect(path)
    db.executescript(
        feedback.SCHEMA
        + "CREATE INDEX feedback_query ON feedback (query, concept); PRAGMA user_version = 1;"
    )
    with db:
        db.executemany(
            "INSERT INTO feedback (ts, query, concept, title, vote) VALUES ('t', ?, 'c', 'C', 1)",
            [(f"q{n} " + "x" * 1900,) for n in range(400)],
        )
    db.close()
    before = path.stat().st_size
    assert len(feedback.votes(tmp_path)) == 400  # reading changes nothing
    assert path.stat().st_size == before
    monkeypatch.setattr(feedback, "MAX_VOTES_BYTES", 256 << 10)
    feedback.record(tmp_path, "q400 the newest", "c", "C", feedback.UP)
    assert path.stat().st_size <= 256 << 10 < before
    db = sqlite3.connect(path)
    assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall() == []
    db.close()
    assert feedback.votes(tmp_path)[-1].query == "q400 the newest"


# ---------------------------------------------------------------- the training corpus


def test_a_latin1_byte_in_the_corpus_costs_its_line_named_by_file_and_line(tmp_path) -> None:
    from learn.corpus import build, read_items

    folder = tmp_path / "training"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(
        b'{"text": "the till runs slow", "concepts": ["Pricing Reviews"]}\n'
        b'{"text": "caf\xe9 owners ask", "concepts": ["Pricing Reviews"]}\n'
        b"\n"
        b'{"text": "prices feel stale", "concepts": ["Pricing Reviews"]}\n'
    )
    (folder / "b.jsonl").write_text('{"text": "a good one", "concepts": []}\n', encoding="utf-8")
    items, problems = read_items(folder)
    assert [i.text for i in items] == ["the till runs slow", "prices feel stale", "a good one"]
    assert [i.source for i in items] == ["a.jsonl:1", "a.jsonl:4", "b.jsonl:1"]
    assert problems == [
        "a.jsonl:2: not valid UTF-8 (byte 0xe9 at column 14); save the file as UTF-8"
    ]
    corpus = build(folder, ["Pricing Reviews"])
    assert corpus.problems == problems


def test_a_latin1_corpus_line_does_not_stop_kb_ingest(docs, tmp_path, fake_embedder, capfd) -> None:
    folder = tmp_path / "training"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(b'{"text": "caf\xe9 owners", "concepts": []}\n')
    report = ingest(
        [docs], tmp_path / "kb", embedder=fake_embedder, training=folder, progress=print
    )
    assert report.version and report.training["refused"] == 1
    assert "a.jsonl:1: not valid UTF-8" in capfd.readouterr().out


# ------------------------------------------------------------------- kb recommend --batch


@pytest.mark.parametrize(
    "line",
    [
        '{"id": NaN, "query": "pricing"}',
        '{"id": Infinity, "query": "pricing"}',
        '{"id": -Infinity, "query": "pricing"}',
        '{"id": [1, NaN], "query": "pricing"}',
        '{"id": 1e999, "query": "pricing"}',
        '{"id": "ok", "query": "pricing", "extra": NaN}',
    ],
)
def test_a_batch_id_that_is_no_json_number_is_an_error_line_in_strict_json(line) -> None:
    from ui.cli import batch_line

    qid, query, error = batch_line(line.encode())
    assert qid is None and query is None and error
    json.dumps({"id": qid, "line": 1, "error": error}, allow_nan=False)  # what answer_batch prints


def not_json(constant: str):
    pytest.fail(f"{constant} printed: not JSON")


def test_every_batch_output_line_is_strict_json(capsys, monkeypatch) -> None:
    from types import SimpleNamespace

    from ui import cli

    class Recommender:
        def recommend_many(self, good, **_filters):
            return [SimpleNamespace(id=qid, query=q, score=float("nan")) for qid, q in good]

    lines = [
        (1, b'{"id": NaN, "query": "pricing"}'),
        (2, b'{"id": 7, "query": "pricing"}'),
        (3, b'{"id": Infinity, "query": "pricing"}'),
    ]
    monkeypatch.setattr(cli, "asdict", lambda answer: dict(vars(answer)))
    failed = cli.answer_batch(Recommender(), lines)
    out = capsys.readouterr().out.splitlines()
    strict = [json.loads(line, parse_constant=not_json) for line in out]
    assert failed == 2
    assert [(r["id"], r.get("line")) for r in strict] == [(None, 1), (7, None), (None, 3)]
    assert strict[1]["score"] is None  # a NaN in an answer is printed as null


def test_an_ingest_that_changes_nothing_still_sweeps_what_killed_writers_left(
    docs, tmp_path, fake_embedder
) -> None:
    kb_dir = tmp_path / "kb"
    first = ingest([docs], kb_dir, embedder=fake_embedder).version
    stale = kb_dir / "models" / f".tmp-query-0123456789abcdef-{dead_pid()}"
    stale.mkdir(parents=True)
    assert ingest([docs], kb_dir, embedder=fake_embedder).version == first  # nothing new
    assert not stale.exists()
