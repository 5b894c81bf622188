"""Shared pieces of the benchmark: timing, percentiles, the query set, the machine, logging."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, with the time since the run started (stdout carries the table)."""
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def timed(fn, *args, **kwargs):
    """(fn's result, seconds it took)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def latency(samples_s: list[float]) -> dict:
    """p50 / p95 / mean in milliseconds of a list of durations in seconds."""
    ms = np.asarray(samples_s, dtype=np.float64) * 1000.0
    if not ms.size:
        return {"count": 0, "p50_ms": None, "p95_ms": None, "mean_ms": None}
    return {
        "count": int(ms.size),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


def ratio(a: float | None, b: float | None, digits: int = 4) -> float | None:
    return round(a / b, digits) if a is not None and b else None


def rss_bytes() -> int:
    """Resident memory of this process, from /proc (no copy of anything)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@contextmanager
def patched(owner, **values):
    """Set attributes of a module or class for the duration of a block, then restore them."""
    old = {name: getattr(owner, name) for name in values}
    for name, value in values.items():
        setattr(owner, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(owner, name, value)


# How each dev query is varied to reach a few hundred distinct queries: the same situations,
# worded a little differently, as users would (a preamble, a trailing question, dropped words).
VARIANTS = (
    lambda q: q,
    lambda q: "In our small business, " + q[:1].lower() + q[1:],
    lambda q: q.rstrip(" ?.") + ". What should we do?",
    lambda q: " ".join(w for i, w in enumerate(q.split()) if i % 3 != 2) or q,
    lambda q: " ".join(q.split()[:-1]) or q,
    lambda q: "Advice needed: " + q,
    lambda q: q.lower(),
    lambda q: q.rstrip(" ?.") + ". We are a team of about twenty people.",
)


def query_set(path: Path = DEV_SET, minimum: int = 200) -> list[str]:
    """The dev set's query strings, each in every variant, repeated until `minimum` is reached."""
    base = [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]
    queries = [variant(q) for variant in VARIANTS for q in base]
    while len(queries) < minimum:
        queries += queries[: minimum - len(queries)]
    return queries


def machine() -> dict:
    """What the figures were measured on: they mean little without it."""
    import faiss
    import sentence_transformers
    import torch

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "ram_gb": round(mem_kb / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "faiss": faiss.__version__,
        "faiss_threads": faiss.omp_get_max_threads(),
        "sentence_transformers": sentence_transformers.__version__,
        "numpy": np.__version__,
        "load_average_start": list(os.getloadavg()),
    }


def markdown_table(header: list[str], rows: list[list]) -> str:
    def cell(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
