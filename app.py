"""The page: guidance for owners (Ask), a framework library for consultants (Frameworks) and
upkeep for maintainers (Documents).

    streamlit run app.py        the public page, on 127.0.0.1 (.streamlit/config.toml); KB_DIR
                                names the KB (default data/kb)
    make maintain               the maintainer's page: the same page on 127.0.0.1 only, its
                                own port, with uploads (into DOCS_DIR, default data/docs),
                                re-ingest and the visitors' votes

This file is the server; each visitor's session runs ui/page/script.py, and the page itself
is the package `ui.page`, a module per view (see its docstring for the map). When the server
starts it loads the KB and its model in the background, so the first visitor does not wait
for them; one who comes sooner sees the page's "Loading…" until they are ready. The public
page accepts no uploads at all, and no visitor sees a traceback (`ui.page.server`).
"""

import threading
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from ui.page.server import NoUploads, script_error, warm_up


@asynccontextmanager
async def load_at_start(_app: st.App):
    threading.Thread(target=warm_up, name="preload", daemon=True).start()
    yield


app = st.App(
    "ui/page/script.py",
    lifespan=load_at_start,
    middleware=[Middleware(NoUploads)],
    on_script_error=script_error,
)
