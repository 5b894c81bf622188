"""Where the page's documents are, and the model and KB it keeps loaded between reruns.

Streamlit reruns the page on every click; loading the model or the KB each time would make
every click take seconds, so both are cached for the process (`st.cache_resource`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import streamlit as st

from kb.embed import Embedder
from kb.errors import KBError
from kb.store import KnowledgeBase, current_version, open_kb, resolve_kb_dir
from recommender import Recommender
from recommender.service import query_model


def training_dir() -> Path:
    """The training corpus a re-ingest learns from: KB_TRAINING (as for the CLI), else
    data/training."""
    return Path(os.environ.get("KB_TRAINING") or "data/training")


def docs_dir() -> Path:
    """The folder uploads go to and re-ingest reads: DOCS_DIR, else data/docs."""
    # Kept as given (relative by default, like `kb ingest data/docs`): the KB knows documents
    # by the path they were ingested under, so the CLI and the page must name them alike.
    return Path(os.environ.get("DOCS_DIR") or "data/docs")


@st.cache_resource(show_spinner="Loading the language model…")
def load_embedder(model: str, root: str | None = None) -> Embedder:
    """A model, once per process: the documents' (for re-ingests) or the KB's query encoder
    (`root` is the KB folder a trained encoder lives in)."""
    embedder = Embedder(model, root=Path(root) if root else None)
    embedder.embed(["warm-up"])  # load it now (its ONNX export, if any), not mid-query
    return embedder


@st.cache_resource(show_spinner="Loading the knowledge base…", max_entries=4)
def load_recommender(root: str, version: str) -> Recommender:
    """The KB and its indexes in memory; keyed by version, so a new version loads anew."""
    kb = open_kb(root)
    return Recommender(kb, load_embedder(query_model(kb), str(kb.root)))


@st.cache_data(show_spinner=False, max_entries=1024)
def cached_answer(root: str, version: str, query: str, k: int, level: str | None, doc: str | None):
    """One question's answer, once per KB version: the reruns a thumb or a button causes,
    and the same question from another visitor, do not rank again."""
    return load_recommender(root, version).recommend(query, k=k, level=level, doc=doc)


def current_recommender() -> Recommender | None:
    """The recommender over the KB's current version; None while nothing has been ingested."""
    root = resolve_kb_dir()
    version = current_version(root)
    return load_recommender(str(root), version) if version else None


def preload() -> None:
    """Load the current KB and its model into the caches the sessions read, before anyone
    asks (app.py runs it when the server starts). A KB that is missing or cannot be loaded
    is left for the page to report."""
    # outside a session, Streamlit's caches warn that there is no session; that is the point
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR
    )
    with contextlib.suppress(KBError):
        current_recommender()


def doc_titles(kb: KnowledgeBase) -> dict[str, str]:
    """Document id -> title: the page names documents by title, the KB by id."""
    return {d.doc: d.title for d in kb.documents}
