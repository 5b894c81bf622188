"""The page under load: N sessions ask N different questions at once; how long until each
sees its answer: the first recommendation card (or the abstention, for a question the
documents do not cover).

    .venv/bin/python benchmarks/load_page.py                    # 30 sessions, data/kb copied
    .venv/bin/python benchmarks/load_page.py --sessions 1
    .venv/bin/python benchmarks/load_page.py --url http://127.0.0.1:8501   # a running page

Without --url it starts `streamlit run app.py` on a free loopback port over a copy of the KB
(`--kb`, default data/kb; its models are hard-linked, not copied), waits for it and its
preload, and stops it at the end. Each session speaks Streamlit's own websocket protocol, as
the browser does (`/_stcore/stream`, a BackMsg asking to run the page with `?q=...`), and
its time is from sending that message to the first ForwardMsg that carries a card
(`class="rec"`). A session that sees an exception, the abstention or nothing within
`--timeout` counts as an error. Everything stops by itself within `--deadline` seconds.
Prints sessions, p50, p95, max and errors (and `--json` a line of JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlparse

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from ui.local import free_port, stop, streamlit_command

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Owners' situations, all different, all on topic (each should get cards).
SITUATIONS = [
    "our staff still write orders on paper after we bought a new till",
    "we automated ordering and now overstock slow sellers",
    "how do I know if the booking software is paying off",
    "the team agrees with every plan and nothing new ever launches",
    "our biggest customer dictates how we run everything",
    "our mechanics ignore the new job-card app",
    "what should a family bakery automate first",
    "we want to set goals everyone in the shop understands",
    "our inventory system and the accounting never match",
    "employees resist the new scheduling app",
    "how do we measure whether automation saves money",
    "our online orders confuse the kitchen and front desk",
    "I want a framework to compare our strategic options",
    "customers complain that our chatbot cannot help them",
    "we grew fast and nobody knows who decides what",
    "how to get staff involved in choosing new tools",
    "our data is spread over five spreadsheets",
    "we lost a key employee and nobody knows her process",
    "should we build our own software or buy it",
    "the new CRM is used by half of the sales team",
    "our suppliers deliver late and we run out of stock",
    "we want to use AI but do not know where to start",
    "how to balance short term sales and long term growth",
    "managers do not trust the numbers from the new system",
    "our landscaping business wants to plan routes better",
    "the cafe's loyalty app has few users",
    "how can a small clinic reduce no-shows with reminders",
    "we need key results for the next quarter",
    "the automation broke and nobody could take orders",
    "our team is burned out after the system migration",
    "how to train older employees on digital tools",
    "which processes should stay manual in a small shop",
]


def copy_kb(source: Path, target: Path) -> Path:
    """A copy of the KB; its (large, read-only) models are hard links where possible."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_dir():
            copy = link_or_copy if item.name == "models" else shutil.copy2
            shutil.copytree(item, target / item.name, copy_function=copy)
        else:
            shutil.copy2(item, target / item.name)
    return target


@contextmanager
def serve(kb: Path, deadline: float):
    """`streamlit run app.py` over a copy of `kb` on a free loopback port; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="load-page-") as tmp:
        work = Path(tmp)
        kb_copy = copy_kb(kb, work / "kb")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KB_DIR": str(kb_copy), "DOCS_DIR": str(work / "docs")}
        env["HF_HUB_OFFLINE"] = "1"
        env.pop("KB_MAINTAINER", None)
        log = open(work / "streamlit.log", "w")  # noqa: SIM115 (closed below)
        proc = subprocess.Popen(
            streamlit_command(port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"streamlit exited:\n{(work / 'streamlit.log').read_text()}")
                if time.monotonic() > deadline:
                    raise SystemExit("streamlit did not start in time")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.3)
            yield url, proc.pid
        finally:
            stop(proc)
            log.close()


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) the server process has used so far, from /proc."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rerun_message(query: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = urlencode({"q": query}) if query else ""
    msg.rerun_script.page_script_hash = ""
    return msg.SerializeToString()


def card_or_error(msg: ForwardMsg) -> str | None:
    """'card' when the message adds a recommendation card, 'error: ...' for an exception or the
    abstention, else None."""
    if not msg.HasField("delta") or not msg.delta.HasField("new_element"):
        return None
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        return f"error: exception {element.exception.type}"
    if kind == "html":
        if 'class="rec"' in element.html.body:
            return "card"
        if 'class="notice"' in element.html.body:
            return "abstained"
    return None


async def session(url: str, query: str, timeout: float, start: asyncio.Event) -> tuple:
    """One visitor: connects, waits for the go, asks; (seconds to the first card, error)."""
    ws_url = urlparse(url)._replace(scheme="ws", path="/_stcore/stream").geturl()
    try:
        async with websockets.connect(
            ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout
        ) as ws:
            await start.wait()
            began = time.perf_counter()
            await ws.send(rerun_message(query))
            async with asyncio.timeout(timeout):
                async for frame in ws:
                    msg = ForwardMsg()
                    msg.ParseFromString(frame)
                    seen = card_or_error(msg)
                    if seen in ("card", "abstained"):
                        return time.perf_counter() - began, None
                    if seen:
                        return None, seen
            return None, "error: closed without a card"
    except TimeoutError:
        return None, f"error: no card within {timeout:g} s"
    except (OSError, websockets.WebSocketException) as exc:
        return None, f"error: {type(exc).__name__}: {exc}"


async def warm_up(url: str, timeout: float) -> None:
    """One question first, so that the KB and its model are loaded (the server's preload)."""
    await session(url, "warm up: staff avoid the new till", timeout, _set_event())


def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


async def load(url: str, sessions: int, timeout: float) -> list[tuple]:
    """`sessions` visitors connect, then all ask at the same moment."""
    start = asyncio.Event()
    queries = [SITUATIONS[n % len(SITUATIONS)] + ("" if n < len(SITUATIONS) else f" ({n})")
               for n in range(sessions)]  # fmt: skip
    tasks = [asyncio.create_task(session(url, q, timeout, start)) for q in queries]
    await asyncio.sleep(1.0)  # let every session connect first
    start.set()
    return await asyncio.gather(*tasks)


def report(results: list[tuple], sessions: int, url: str) -> dict:
    times = [t for t, err in results if err is None]
    errors = [err for _, err in results if err is not None]
    figures = {
        "sessions": sessions,
        "answered": len(times),
        "errors": len(errors),
        "p50_s": round(float(np.percentile(times, 50)), 3) if times else None,
        "p95_s": round(float(np.percentile(times, 95)), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
        "url": url,
    }
    if errors:
        figures["first_errors"] = sorted(set(errors))[:5]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--kb", type=Path, default=ROOT / "data" / "kb")
    parser.add_argument("--url", help="a page already running on 127.0.0.1 (not started here)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per session, seconds")
    parser.add_argument("--deadline", type=float, default=600.0, help="whole run, seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.deadline
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit("deadline")))
    signal.alarm(int(args.deadline))

    async def run(url: str, pid: int | None) -> dict:
        await warm_up(url, args.timeout * 5)
        before = cpu_seconds(pid)
        figures = report(await load(url, args.sessions, args.timeout), args.sessions, url)
        after = cpu_seconds(pid)
        if before is not None and after is not None:
            figures["server_cpu_s"] = round(after - before, 2)
        return figures

    if args.url:
        if urlparse(args.url).hostname not in LOOPBACK:
            parser.error("--url must be a page on this machine (127.0.0.1)")
        figures = asyncio.run(run(args.url, None))
    else:
        with serve(args.kb, deadline) as (url, pid):
            figures = asyncio.run(run(url, pid))
    signal.alarm(0)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['sessions']} sessions: p50 {figures['p50_s']} s, p95 {figures['p95_s']} s,"
            f" max {figures['max_s']} s, errors {figures['errors']}"
            + (f", server CPU {figures['server_cpu_s']} s" if "server_cpu_s" in figures else "")
        )
        for err in figures.get("first_errors", []):
            print(f"  {err}")
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
