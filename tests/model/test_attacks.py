"""What a hostile or careless input must not break, where the promise is the installed `kb`
command's on a KB built with the real model (issue "Reliability under attack"). The ones that
need no model are in tests/core/test_attacks.py.
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.conftest import KB_BIN, run_kb
from ui.build import ingest
from ui.cli import BATCH_CHUNK


def test_a_batch_with_bad_lines_answers_the_rest_and_names_each_bad_line(real_kb, tmp_path):
    batch = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a", "query": "our staff ignore the new scheduling tool"}).encode(),
        json.dumps({"id": "b", "query": ""}).encode(),
        json.dumps({"id": "c", "query": None}).encode(),
        json.dumps({"id": "d", "query": 42}).encode(),
        json.dumps({"id": "e", "query": ["a", "list"]}).encode(),
        b'{"id": "f", "query": "caf\xe9 bad bytes"}',
        b"not json at all",
        b"",
        json.dumps({"id": "g", "query": "which framework tracks goals and key results"}).encode(),
    ]
    batch.write_bytes(b"\n".join(lines) + b"\n")
    done = run_kb("recommend", "--batch", str(batch), "--json", "--kb-dir", str(real_kb.kb_dir))
    assert done.returncode == 3, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", "b", "c", "d", "e", None, None, "g"]
    errors = {o.get("line"): o["error"] for o in out if "error" in o}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7]
    assert "empty" in errors[2] and "text" in errors[3] == errors[4] == errors[5]
    assert "UTF-8" in errors[6] and "JSON" in errors[7]
    assert out[0]["recommendations"] and out[-1]["recommendations"]
    assert "6 line(s) of the batch could not be answered" in done.stderr


def test_a_batch_streams_from_stdin(real_kb) -> None:
    """The first answers arrive while the input is still open: nothing waits for the end."""
    proc = subprocess.Popen(
        [str(KB_BIN), "recommend", "--batch", "-", "--json", "--kb-dir", str(real_kb.kb_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        for n in range(BATCH_CHUNK):
            row = {"id": n, "query": f"the {n}th crew member keeps the old paper rota"}
            proc.stdin.write((json.dumps(row) + "\n").encode())
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())  # stdin is still open
        assert first["id"] == 0 and "recommendations" in first
        proc.stdin.close()
        rest = proc.stdout.read().decode().splitlines()
        assert len(rest) == BATCH_CHUNK - 1
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=600)  # a stop for a hang: a killed process ends at once


def test_escapes_in_file_names_and_titles_never_reach_the_terminal(tmp_path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    name = "evil\x1b[31mred\x07.md"
    (docs / name).write_text(
        "# Pricing \x1b]0;owned\x07Reviews\n\n## Fundamentals\n\n"
        "- Quarterly Price Review: Review your prices every quarter with loyal customers.\n"
    )
    (docs / "catalog.json").write_text(json.dumps({name: {"title": "Title \x1b[2J\x07here"}}))
    kb_dir = str(tmp_path / "kb")
    outputs = [
        run_kb("ingest", str(docs), "--kb-dir", kb_dir),
        run_kb("ingest", str(docs), "--kb-dir", kb_dir, "--json"),
        run_kb("recommend", "review prices every quarter", "--kb-dir", kb_dir),
        run_kb("recommend", "review prices every quarter", "--kb-dir", kb_dir, "--json"),
        run_kb("show", "quarterly price review", "--kb-dir", kb_dir),
        run_kb("concepts", "--kb-dir", kb_dir),
        run_kb("stats", "--kb-dir", kb_dir),
    ]
    assert outputs[0].returncode == 0, outputs[0].stderr
    assert "evil" in outputs[0].stdout and "Quarterly Price Review" in outputs[4].stdout
    for done in outputs:
        for stream in (done.stdout, done.stderr):
            assert "\x1b" not in stream and "\x07" not in stream, done.args


def test_a_kb_whose_model_is_not_installed_says_so_in_one_line(
    docs, tmp_path, fake_embedder
) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs], kb_dir, embedder=fake_embedder)  # its manifest names "fake-hash-64"
    # the installed command, as a user meets it: loading a model imports torch, which no test
    # without the model pays for
    done = run_kb("recommend", "our staff ignore the new app", "--kb-dir", str(kb_dir))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the model fake-hash-64 cannot be loaded")
