"""Crash safety of the real `kb ingest --rebuild`: run in a subprocess and killed with SIGKILL
at several moments, it leaves the previous version. The ingest plumbing with the fake embedder
is in tests/core/test_ingest.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from kb.store import open_kb

REPO = Path(__file__).resolve().parents[2]


KB_BIN = REPO / ".venv" / "bin" / "kb"


SOCIO = "socio-technical-systems.txt"


OVER = "over-alignment-and-smb-innovation.txt"


ALIGN = "strategic-alignment-before-automation.txt"


def start_rebuild(kb_dir: Path, docs: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("KB_DIR", None)
    with open(log, "wb") as err:
        return subprocess.Popen(
            # --yes: the "writing" moment drops two of the three documents on purpose
            [str(KB_BIN), "ingest", "--rebuild", "--yes", "--verbose", "--kb-dir", str(kb_dir)]
            + [str(docs)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=REPO,
            env=env,
        )


def wait_for(proc: subprocess.Popen, moment, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while not moment():
        assert proc.poll() is None, "kb ingest ended before the moment to kill it"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.002)


def after_seconds(seconds: float):
    start = time.monotonic()
    return lambda: time.monotonic() - start >= seconds


def log_shows(log: Path, text: str):
    return lambda: text in log.read_text(errors="replace")


def temp_version_exists(kb_dir: Path):
    return lambda: any(p.name.startswith(".tmp-") for p in (kb_dir / "versions").iterdir())


@pytest.mark.parametrize("moment", ["starting", "embedding", "writing"])
def test_kill_during_rebuild_leaves_the_previous_version(real_kb, tmp_path, moment) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    docs = tmp_path / "docs"
    shutil.copytree(real_kb.docs, docs)
    with open(docs / SOCIO, "a", encoding="utf-8") as f:  # the new version would differ
        f.write("\nA closing note on joint optimization for owners who automate.\n")
    if moment == "writing":  # fewer chunks to embed before the write; a partial one would show
        (docs / OVER).unlink()
        (docs / ALIGN).unlink()
    before = open_kb(kb_dir)
    log = tmp_path / "stderr.log"

    proc = start_rebuild(kb_dir, docs, log)
    try:
        wait_for(
            proc,
            {
                "starting": after_seconds(1.5),
                "embedding": log_shows(log, "ingest: embedding"),
                "writing": temp_version_exists(kb_dir),
            }[moment],
        )
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=600)  # a stop for a hang: a killed process ends at once
    assert proc.returncode == -signal.SIGKILL

    after = open_kb(kb_dir)
    assert after.version == before.version
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    assert [c.text for c in after.chunks] == [c.text for c in before.chunks]
    assert len(after.concepts) == len(before.concepts)
    assert after.index.ntotal == before.index.ntotal
