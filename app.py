"""The page: guidance for owners (Ask), a framework library for consultants (Frameworks) and
upkeep for maintainers (Documents).

    streamlit run app.py        KB_DIR names the KB (default data/kb), DOCS_DIR the documents
                                folder that uploads go to and re-ingest reads (default data/docs)

This file is the server; each visitor's session runs ui/page/script.py, and the page itself
is the package `ui.page`, a module per view (see its docstring for the map). When the server
starts it loads the KB and its model in the background, so the first visitor does not wait
for them; one who comes sooner sees the page's "Loading…" until they are ready.
"""

import threading
from contextlib import asynccontextmanager

import streamlit as st

from ui.page.load import preload


@asynccontextmanager
async def load_at_start(_app: st.App):
    threading.Thread(target=preload, name="preload", daemon=True).start()
    yield


app = st.App("ui/page/script.py", lifespan=load_at_start)
