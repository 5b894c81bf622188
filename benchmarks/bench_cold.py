"""Cold start: one `kb recommend "..." --json` process from start to exit, and its parts.

The wall time is the median of a few runs of the real command. The parts come from child
processes (cold_child.py) that take the same steps one at a time, and from
`python -X importtime`, so that the figures are those of a fresh interpreter, not of this one.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench_util import ROOT, VENV_BIN, log, timed

CHILD = Path(__file__).with_name("cold_child.py")
IMPORTTIME = "import ui.cli, recommender.service, onnxruntime, tokenizers"


def wall(cmd: list[str], repeats: int) -> tuple[float, list[float]]:
    """Median seconds from spawn to exit; raises if the command fails."""
    times = []
    for _ in range(repeats):
        done, seconds = timed(subprocess.run, cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[:3]} exited {done.returncode}: {done.stderr.strip()[-300:]}")
        times.append(seconds)
    return statistics.median(times), times


def breakdown(kb_dir: Path, query: str, repeats: int) -> dict:
    """Median of each step over `repeats` fresh child processes."""
    runs = []
    for _ in range(repeats):
        done = subprocess.run(
            [str(VENV_BIN / "python"), str(CHILD), str(kb_dir), query],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"cold_child failed: {done.stderr.strip()[-500:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def median_of(key: str) -> dict:
        labels = runs[0][key]
        return {
            k: statistics.median(r[key][k] for r in runs)
            if isinstance(labels[k], float | int)
            else labels[k]
            for k in labels
        }

    return {
        "stages": median_of("stages"),
        "kb_load_parts": median_of("kb_load_parts"),
        "in_process_seconds": statistics.median(r["in_process_seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "torch_imported": sorted({m for r in runs for m in r["torch_imported"]}),
    }


def import_packages(top: int = 12) -> list[dict]:
    """Import time of a cold interpreter summed by top-level package (self times, from
    `python -X importtime`): which libraries the start-up waits for, wherever they are pulled in."""
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-X", "importtime", "-c", IMPORTTIME],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _, name = line[len("import time:") :].split("|")
        package = name.strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(self_us) / 1e6
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return [{"package": p, "seconds": round(s, 3)} for p, s in ranked]


def run(kb_dir: Path, query: str, repeats: int = 3) -> dict:
    log(f"cold start: interpreter alone, then `kb recommend --json` x{repeats}")
    python_s, _ = wall([str(VENV_BIN / "python"), "-c", "pass"], repeats)
    cmd = [str(VENV_BIN / "kb"), "recommend", query, "--json", "--kb-dir", str(kb_dir)]
    cli_s, cli_runs = wall(cmd, repeats)
    log(f"cold start: {cli_s:.2f}s; breakdown in child processes")
    parts = breakdown(kb_dir, query, repeats)
    stages = parts["stages"]
    imports = sum(v for k, v in stages.items() if k.startswith("import"))
    return {
        "command": 'kb recommend "..." --json --kb-dir KB',
        "wall_seconds": round(cli_s, 3),
        "wall_runs": [round(t, 3) for t in cli_runs],
        "interpreter_seconds": round(python_s, 3),
        "imports_seconds": round(imports, 3),
        "python": sys.version.split()[0],
        **parts,
        "import_packages": import_packages(),
    }
