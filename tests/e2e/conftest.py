"""The browser tests' servers and browser: `streamlit run app.py` on a free local port over a
copy of the session's real KB (`real_kb`: the bundled model, untrained), as the public page
(`server`, as `make run` starts it) and as the maintainer's page over the same KB
(`maintainer_server`, as `make maintain` starts it), and Debian's `chromium` (`make browser`
installs it; Playwright never downloads one). The servers are stopped at the end, always.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ui.local import CHROMIUM, CHROMIUM_ARGS, free_port, stop, streamlit_command

REPO = Path(__file__).resolve().parents[2]
# Overall limits for conditions polled for: stops for a hung server, many times what the
# start (about 10 s) or an answer (a few seconds) takes on a busy machine.
STARTUP_SECONDS = 900
WAIT_MS = 600_000
SECRET = "the e2e maintainer secret"


def wait_until_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@contextmanager
def serve(
    kb_dir: Path, workdir: Path, maintainer: bool = False, script: Path | None = None
) -> Iterator[str]:
    """`streamlit run app.py` (or `script`) over `kb_dir` on a free port; yields its base URL,
    then stops it. `maintainer`: the maintainer's page (KB_MAINTAINER=1, uploads allowed, the
    secret SECRET), else the public page as `make run` starts it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / f"streamlit-{port}.log"
    env = {**os.environ, "KB_DIR": str(kb_dir), "DOCS_DIR": str(workdir / "docs")}
    env["HF_HUB_OFFLINE"] = "1"
    env["KB_MAINTAINER_SECRET"] = SECRET
    env.pop("KB_MAINTAINER", None)
    extra = []
    if maintainer:
        env["KB_MAINTAINER"] = "1"
        extra = ["--server.maxUploadSize", "20"]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            streamlit_command(port, script, extra),
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole, and only it
        )
    try:
        wait_until_healthy(url, proc, log)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def library(real_kb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with copies of the session KB (kb/) and its documents (docs/, uploads go
    there), which the module's servers share."""
    workdir = tmp_path_factory.mktemp("e2e")
    shutil.copytree(real_kb.docs, workdir / "docs")
    real_kb.copy_to(workdir / "kb")
    return workdir


@pytest.fixture(scope="module")
def server(library: Path) -> Iterator[str]:
    """The public page over the module's library."""
    with serve(library / "kb", library) as url:
        yield url


@pytest.fixture(scope="module")
def maintainer_server(library: Path) -> Iterator[str]:
    """The maintainer's page over the same library: a change there is served by `server` too."""
    with serve(library / "kb", library, maintainer=True) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed: run `make browser` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()
