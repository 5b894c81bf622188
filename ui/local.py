"""The page and a browser on this machine, as the browser tests and the page benchmarks run
them: `streamlit run app.py` on a free loopback port, headless, with no file watcher (no
code changes while a test or a benchmark runs), and Debian's Chromium with the flags that
keep it off the network. `make run` starts the page from the Makefile, not from here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STREAMLIT = REPO / ".venv" / "bin" / "streamlit"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A port nothing listens on now (the system's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(
    port: int, script: Path | None = None, extra: Sequence[str] = ()
) -> list[str]:
    """`streamlit run` of the page (or `script`) on 127.0.0.1:`port`, headless."""
    return [
        str(STREAMLIT),
        "run",
        str(script or REPO / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]


def stop(proc: subprocess.Popen) -> None:
    """Stop a page started in its own process group (`start_new_session=True`): the whole
    group, politely first, then for good."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
