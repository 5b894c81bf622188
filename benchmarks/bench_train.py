"""Learning: `kb train` on the shipped corpus, from a KB that has never been trained.

Runs the real command in a fresh process on a copy of the benchmark's KB, with a copy of
data/training that leaves out the shipped encoder (which would make it skip training), so
the figure is what a maintainer's change to the corpus, or a vote from the page, costs. The
stages come from the command's own --verbose lines, stamped as they arrive.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import time
from pathlib import Path

from bench_util import ROOT, VENV_BIN, log

CORPUS = ROOT / "data" / "training"


def run(kb_dir: Path, work: Path) -> dict:
    """Wall and CPU seconds of one training, and when each stage it reported began."""
    kb_copy, corpus = work / "kb-train", work / "corpus"
    shutil.copytree(kb_dir, kb_copy)
    corpus.mkdir()
    for path in CORPUS.glob("*.jsonl"):
        shutil.copy(path, corpus / path.name)
    log("train: kb train on the shipped corpus (no shipped encoder)")
    cmd = [str(VENV_BIN / "kb"), "train", "--kb-dir", str(kb_copy)]
    cmd += ["--training", str(corpus), "--verbose"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    stages = []
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as p:
        for line in p.stderr:
            if line.startswith("ingest: "):
                stages.append(
                    {"at_s": round(time.perf_counter() - start, 1), "said": line[8:].strip()}
                )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"kb train exited {p.returncode}: {stages[-3:]}")
    shutil.rmtree(kb_copy)
    return {
        "seconds": round(wall, 1),
        "cpu_seconds": round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1
        ),
        "items": sum(1 for path in corpus.glob("*.jsonl") for _ in path.open()),
        "stages": stages,
    }
