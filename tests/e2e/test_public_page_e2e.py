"""What an anonymous visitor can reach on the public page, over HTTP and in Chromium.

The public page (`make run`) refuses Streamlit's upload endpoint for every session, while the
maintainer's page (`make maintain`) over the same KB takes the same upload; and an address in
a label (a source's heading, a document title on a button) shows as text, never as a link,
though Streamlit's Markdown links bare addresses.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import WAIT_MS, serve
from tests.e2e.uploads import put_file

ADDRESSES = "See https://evil.example/pay, www.evil.example or pay@evil.example now"
LABELS = f"""
import streamlit as st
from ui.page import html

with st.expander(html.passage_label(1, {ADDRESSES!r}, {ADDRESSES!r})):
    st.write("inside")
st.button(html.md_escape({ADDRESSES!r}), key="escaped")
st.table({{"Framework": [html.md_escape({ADDRESSES!r})]}})
with st.expander({ADDRESSES!r}):  # unescaped: shows that the browser does link them
    st.write("raw")
"""


def test_the_public_page_refuses_uploads_the_maintainers_page_takes_them(
    server: str, maintainer_server: str
):
    status, body = put_file(server, b"A document of a few bytes.\n")
    assert (status, body) == (403, "This page accepts no uploads.")
    status, _ = put_file(server, b"x" * 5_000_000)  # refused before its body is read
    assert status in (0, 403)
    assert put_file(maintainer_server, b"A document of a few bytes.\n") == (204, "")


def test_an_address_in_a_label_stays_text(browser, tmp_path: Path):
    from playwright.sync_api import expect

    script = tmp_path / "labels.py"
    script.write_text(LABELS, encoding="utf-8")
    with serve(tmp_path, tmp_path, script=script) as url:
        page = browser.new_page()
        try:
            page.goto(url)
            raw = page.locator('[data-testid="stExpander"]').nth(1)
            expect(raw.locator("a").first).to_be_attached(timeout=WAIT_MS)  # the control
            escaped = page.locator('[data-testid="stExpander"]').first
            expect(escaped).to_contain_text("evil", timeout=WAIT_MS)
            expect(page.locator("table")).to_contain_text("evil", timeout=WAIT_MS)
            for part in (escaped, page.locator(".st-key-escaped"), page.locator("table")):
                assert part.locator("a").count() == 0, part.inner_html()
                shown = part.inner_text().replace("\u2060", "")
                assert "https://evil.example/pay" in shown and "pay@evil.example" in shown
        finally:
            page.close()


def test_the_load_test_asks_at_once_and_reports_its_figures(server: str):
    """benchmarks/load_page.py over the running page: every session answered, figures printed
    (the 30-session figures are in the README; here only that it works and stops)."""
    import json
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(repo / "benchmarks" / "load_page.py"), "--url", server,
         "--sessions", "6", "--deadline", "300", "--json"],
        capture_output=True, text=True, timeout=330, cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout)
    assert figures["sessions"] == figures["answered"] == 6 and figures["errors"] == 0
    assert 0 < figures["p50_s"] <= figures["p95_s"]
