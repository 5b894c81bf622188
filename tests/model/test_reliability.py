"""Reliability promises that need the real model: a real `kb ingest` killed or run twice at
once, a truncated real KB rebuilt, hostile text shown by the installed command. The ones that
need no model are in tests/core/test_reliability.py.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from kb.embed import Embedder
from kb.store import open_kb
from recommender.service import MAX_QUERY_CHARS, Recommender
from tests.conftest import KB_BIN, REPO, run_kb
from tests.samples import (
    BUSY,
    ESC,
    HOSTILE_QUERY,
    HOSTILE_TXT,
    add_to_body,
    assert_one_error_line,
    assert_whole,
    kb_text,
    snapshot,
    truncate,
    write_good,
)
from ui.build import ingest


def popen_kb(*args: str, stdout=subprocess.PIPE, stderr=subprocess.PIPE) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("KB_DIR", None)
    return subprocess.Popen(
        [str(KB_BIN), *args], stdout=stdout, stderr=stderr, cwd=REPO, env=env, text=True
    )


@pytest.fixture(scope="module")
def real_embedder() -> Embedder:
    return Embedder()


def test_kill_9_at_random_moments_of_a_rebuild_leaves_the_last_complete_version(
    real_kb, tmp_path: Path, real_embedder
) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    docs = tmp_path / "docs"
    shutil.copytree(real_kb.docs, docs)
    marker = "A note on joint optimization for owners who automate, marker kill-nine."
    add_to_body(docs, marker)
    seed = int(os.environ.get("KILL_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    delays = [rng.uniform(lo, hi) for lo, hi in ((0.3, 1.5), (1.5, 3), (3, 4.5), (4.5, 6))]
    context = f"KILL_SEED={seed} delays={[round(d, 2) for d in delays]}"
    last = snapshot(assert_whole(kb_dir))
    for delay in delays:
        proc = popen_kb(
            "ingest",
            "--rebuild",
            "--kb-dir",
            str(kb_dir),
            str(docs),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=600)  # a stop for a hang: a killed process ends at once
        assert proc.returncode in (0, -signal.SIGKILL), (proc.returncode, context)
        kb = assert_whole(kb_dir)
        now = snapshot(kb)
        if proc.returncode == 0 or now["version"] != last["version"]:  # it got to publish
            assert now["version"] > last["version"], context
            assert marker in kb_text(kb), context
        else:
            assert now == last, f"killed after {delay:.2f}s: not the last version ({context})"
        last = now
        answer = Recommender(kb).recommend("staff resist new tools")  # its own query encoder
        assert not answer.abstained and answer.recommendations, context
    # what the kills left (temp folders, the lock file) does not stop the next ingest
    report = ingest([docs], kb_dir, embedder=real_embedder)
    kb = assert_whole(kb_dir)
    assert kb.version == report.version
    assert marker in kb_text(kb)
    assert not [p.name for p in (kb_dir / "versions").iterdir() if p.name.startswith(".tmp")]


def test_kb_ingest_rebuild_repairs_a_truncated_real_kb(real_kb, tmp_path: Path) -> None:
    """The way out the error names works, with the real command and model."""
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    before = open_kb(kb_dir)
    truncate(kb_dir / "versions" / before.version / "vectors.faiss")
    assert_one_error_line(run_kb("stats", "--kb-dir", str(kb_dir)), "kb ingest --rebuild")
    docs = tmp_path / "docs"  # a small set, so that re-embedding everything stays quick
    good = write_good(docs)
    done = run_kb("ingest", "--rebuild", str(docs), "--kb-dir", str(kb_dir), "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert sorted(report["added"]) == sorted(map(str, good))
    kb = assert_whole(kb_dir)
    assert kb.version == report["version"] != before.version
    assert {d.path for d in kb.documents} == set(map(str, good))
    stats = run_kb("stats", "--kb-dir", str(kb_dir), "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["chunks"] == len(kb.chunks)


def test_two_kb_ingest_at_once_one_refuses_and_the_kb_stays_whole(real_kb, tmp_path) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    docs = tmp_path / "docs"
    shutil.copytree(real_kb.docs, docs)
    add_to_body(docs, "Owners who automate review staff workload each quarter, marker twin-run.")
    args = ("ingest", str(docs), "--kb-dir", str(kb_dir), "--json")
    procs = [popen_kb(*args), popen_kb(*args)]
    results = [(p, *p.communicate(timeout=3600)) for p in procs]
    codes = sorted(p.returncode for p, _, _ in results)
    assert codes == [0, 1], [(p.returncode, err[-500:]) for p, _, err in results]
    winner = next((out, err) for p, out, err in results if p.returncode == 0)
    loser = next((out, err) for p, out, err in results if p.returncode == 1)
    assert loser[0] == ""
    lines = loser[1].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and BUSY in lines[0], loser[1]
    report = json.loads(winner[0])
    kb = assert_whole(kb_dir)
    assert kb.version == report["version"]
    assert "marker twin-run" in kb_text(kb)


@pytest.fixture(scope="module")
def hostile_kb(real_kb, tmp_path_factory) -> Path:
    """The session KB plus the hostile page, ingested by the real `kb ingest`."""
    root = tmp_path_factory.mktemp("hostile")
    kb_dir = real_kb.copy_to(root / "kb")
    docs = root / "docs"
    shutil.copytree(real_kb.docs, docs)
    (docs / "hostile.txt").write_text(HOSTILE_TXT, encoding="utf-8")
    done = run_kb("ingest", str(docs), "--kb-dir", str(kb_dir), "--json")
    assert done.returncode == 0, done.stderr
    assert str(docs / "hostile.txt") in json.loads(done.stdout)["added"]
    return kb_dir


def test_the_cli_shows_hostile_text_inert(hostile_kb: Path) -> None:
    shown = run_kb("show", "Handling Hostile Input", "--kb-dir", str(hostile_kb), "--json")
    assert shown.returncode == 0, shown.stderr
    assert ESC not in shown.stdout + shown.stderr
    detail = json.loads(shown.stdout)
    texts = [p["text"] for p in detail["passages"]]
    assert any("<script>alert('x')</script>" in t for t in texts), texts  # data, verbatim
    assert "<script>alert('x')</script>" in shown.stdout  # literally, as JSON string data
    plain = run_kb("show", "Terminal Colours", "--kb-dir", str(hostile_kb))
    assert plain.returncode == 0, plain.stderr
    assert "Terminal Colours" in plain.stdout
    assert ESC not in plain.stdout + plain.stderr


def test_hostile_queries_are_answered_or_abstained_and_long_ones_cut(
    hostile_kb: Path, tmp_path: Path
) -> None:
    queries = {
        "hostile": HOSTILE_QUERY,
        "run": "!" * 10_000,
        "long-words": "staff resist new tools " * 600,
        "escapes-only-and-words": "\x1b[2J\x1b[H\x07 pricing for a small bakery",
    }
    batch = tmp_path / "queries.jsonl"
    batch.write_text("".join(json.dumps({"id": k, "query": q}) + "\n" for k, q in queries.items()))
    done = run_kb("recommend", "--batch", str(batch), "--json", "--kb-dir", str(hostile_kb))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert ESC not in done.stdout
    answers = {a["id"]: a for a in map(json.loads, done.stdout.splitlines())}
    assert list(answers) == list(queries)
    for qid, answer in answers.items():
        assert answer["abstained"] or answer["recommendations"], qid
        assert len(answer["query"]) <= MAX_QUERY_CHARS
        assert ESC not in answer["query"]
    assert "<script>alert('x')</script>" in answers["hostile"]["query"]  # echoed as data
    for qid in ("run", "long-words"):
        length = len(" ".join(queries[qid].split()))
        assert answers[qid]["notice"] and f"{length:,}" in answers[qid]["notice"], qid
    assert answers["hostile"]["notice"] is None
    plain = run_kb("recommend", HOSTILE_QUERY + " " + "!" * 10_000, "--kb-dir", str(hostile_kb))
    assert plain.returncode == 0, plain.stderr
    assert ESC not in plain.stdout + plain.stderr
    assert re.search(r"note: your text was [\d,]+ characters", plain.stderr), plain.stderr
