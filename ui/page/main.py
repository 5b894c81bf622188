"""The page's frame: its settings and style, the header with the view switcher, one view.

A KB that cannot be loaded, or that does not exist yet, still leaves Documents usable, so a
maintainer can always rebuild it from the maintainer's page. A view that fails shows a short
message; its traceback goes to the server's log only.
"""

from __future__ import annotations

import logging

import streamlit as st

from kb.errors import KBError
from kb.store import resolve_kb_dir
from ui.page import html
from ui.page.ask import APP_NAME, ask_view, tab_title
from ui.page.documents import documents_view
from ui.page.frameworks import frameworks_view
from ui.page.load import current_recommender
from ui.page.nav import go, view_switcher
from ui.page.style import CSS


def main() -> None:
    """One run of the page: the header, then the chosen view over the current KB."""
    st.set_page_config(
        page_title=APP_NAME,
        page_icon=":material/explore:",
        layout="wide",
        initial_sidebar_state="collapsed",
    )
    st.html(CSS)
    view = header()
    # The tab says what is shown (Ask's question), so tabs and the history can be told apart.
    st.set_page_config(page_title=tab_title(view, st.query_params.get("q", "")))
    try:
        rec = current_recommender()
    except KBError as exc:
        st.error(f"The knowledge base cannot be loaded: {html.md_escape(str(exc))}")
        rec = None
    try:
        if view == "documents":
            documents_view(rec)
        elif rec is None:
            no_kb()
        elif view == "frameworks":
            frameworks_view(rec)
        else:
            ask_view(rec)
    except Exception:  # st.rerun and st.stop are not Exceptions: they pass
        # The trace is for the server's log; a visitor sees neither it nor a server path.
        log.exception("the %s view failed", view)
        st.error(FAILED, icon=":material/error:")


log = logging.getLogger("ui.page")
FAILED = (
    "Something went wrong while showing this page; it has been logged on the server. "
    "Try another view or question, or reload the page."
)


def header() -> str:
    """The title beside the view switcher; returns the view to show."""
    left, right = st.columns([3, 2], vertical_alignment="center")
    left.html(html.TITLE)
    with right.container(horizontal_alignment="right"):
        return view_switcher()


def no_kb() -> None:
    """Ask and Frameworks without a KB: say so, and lead to Documents to build one."""
    with st.container(border=True):
        st.markdown(
            "**The library is empty.** No knowledge base has been built in "
            f"{html.code(resolve_kb_dir())} yet."
        )
        st.caption("Open Documents to ingest the documents folder; it takes a minute.")
        st.button(
            "Open Documents",
            key="open_documents",
            on_click=go,
            args=("documents",),
            type="primary",
        )
