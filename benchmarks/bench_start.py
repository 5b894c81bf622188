"""The first second: what a user waits for before the first answer, in fresh processes.

On the product's own KB (the one `make run` builds, with its trained query encoder):
1. one cold `kb recommend "..." --json`, against the naive tool doing the same one-shot job
   (import sentence-transformers and FAISS, load the model, embed the paragraphs' vectors
   already on disk, one query), runs interleaved so both see the same machine;
2. the page: from `streamlit run` to the first recommendation on screen in headless Chromium;
3. re-ingest after one paragraph of one document was edited: `kb ingest` in a fresh
   process, on a copy of the KB and its documents.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from bench_util import ROOT, VENV_BIN, log, ratio, timed

from ui.local import CHROMIUM, CHROMIUM_ARGS, free_port

NAIVE = Path(__file__).with_name("naive_cold.py")


def once(cmd: list[str], cwd: Path = ROOT) -> float:
    """Seconds from spawn to exit of one command; raises if it fails."""
    done, seconds = timed(subprocess.run, cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return seconds


def cold_query(kb_dir: Path, query: str, repeats: int) -> dict:
    """Median wall of `kb recommend` and of the naive one-shot query, interleaved."""
    product, naive = [], []
    kb = [str(VENV_BIN / "kb"), "recommend", query, "--json", "--kb-dir", str(kb_dir)]
    tool = [str(VENV_BIN / "python"), str(NAIVE), str(kb_dir), query]
    for _ in range(repeats):
        product.append(once(kb))
        naive.append(once(tool))
    p, n = statistics.median(product), statistics.median(naive)
    return {
        "product_seconds": round(p, 3),
        "naive_seconds": round(n, 3),
        "ratio_to_naive": ratio(p, n, 3),
        "product_runs": [round(t, 3) for t in product],
        "naive_runs": [round(t, 3) for t in naive],
    }


def page_first_answer(kb_dir: Path, query: str, timeout: float = 120) -> dict:
    """Seconds from `streamlit run` to the first card's title on screen (browser started
    beforehand: a visitor's browser is already open)."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        started = time.perf_counter()
        server = subprocess.Popen(
            [str(VENV_BIN / "streamlit"), "run", "app.py", "--server.port", str(port)]
            + ["--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env={**os.environ, "KB_DIR": str(kb_dir)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                    break
                except OSError:
                    if time.perf_counter() - started > timeout:
                        raise
                    time.sleep(0.05)
            healthy = time.perf_counter() - started
            page.goto(f"{url}/?q={quote(query)}")
            page.locator(".st-key-card-1 .rec-title").wait_for(timeout=timeout * 1000)
            shown = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(30)
            browser.close()
    return {"seconds": round(shown, 3), "server_healthy_seconds": round(healthy, 3)}


def edit_one_paragraph(docs: Path) -> Path:
    """Append a sentence to the longest paragraph of the first document."""
    path = sorted(p for p in docs.iterdir() if p.suffix in {".txt", ".md"})[0]
    paragraphs = path.read_text(encoding="utf-8").split("\n\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[longest] += " Owners who measure this every month notice problems sooner."
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return path


def reingest_one_paragraph(kb_dir: Path, docs: Path, training: Path) -> dict:
    """`kb ingest` in a fresh process after one paragraph changed, on copies."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(docs, work / "data" / "docs")
        shutil.copytree(kb_dir, work / "data" / "kb", ignore=shutil.ignore_patterns(".lock"))
        edited = edit_one_paragraph(work / "data" / "docs")
        cmd = [str(VENV_BIN / "kb"), "ingest", "data/docs", "--kb-dir", "data/kb"]
        seconds = once([*cmd, "--training", str(training)], cwd=work)
    return {"seconds": round(seconds, 3), "edited": edited.name}


def run(kb_dir: Path, query: str, repeats: int = 5) -> dict:
    log(f"start-up: cold `kb recommend` and the naive one-shot query, x{repeats} interleaved")
    results = {"cold_query": cold_query(kb_dir, query, repeats)}
    log("start-up: the page, from `streamlit run` to the first answer on screen")
    results["page"] = page_first_answer(kb_dir, query)
    log("start-up: re-ingest after a one-paragraph edit")
    results["reingest"] = reingest_one_paragraph(
        kb_dir, ROOT / "data" / "docs", ROOT / "data" / "training"
    )
    return results
