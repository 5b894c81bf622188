"""The page: guidance for owners (Ask), a framework library for consultants (Frameworks) and
upkeep for maintainers (Documents).

    streamlit run app.py        KB_DIR names the KB (default data/kb), DOCS_DIR the documents
                                folder that uploads go to and re-ingest reads (default data/docs)

A thin layer over the same Python API as the CLI: `Recommender.recommend` ranks, `kb.catalog`
filters and describes, `ingest.pipeline.ingest` re-ingests; nothing here ranks or parses.
Document text reaches the browser only as text: through `app_views`, which escapes every piece
before adding its own tags, or through widgets that show plain text (tables, escaped labels).
The URL keeps the view and the question (`/?q=...`), so a result page can be shared.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import streamlit as st

import app_views as views
from ingest.load import SUPPORTED
from ingest.pipeline import ingest
from kb import catalog, feedback
from kb.embed import BUNDLED, Embedder
from kb.errors import KBError, UsageError
from kb.model import Concept
from kb.store import current_version, open_kb, resolve_kb_dir
from recommender import Recommender

VIEWS = {"ask": "Ask", "frameworks": "Frameworks", "documents": "Documents"}
VIEW_ICONS = {
    "ask": ":material/forum:",
    "frameworks": ":material/menu_book:",
    "documents": ":material/folder_open:",
}
ANY = "any"
RESULTS = 5
# Uploads larger than this are refused: the loaders cap text far below it anyway, and a
# huge upload held in memory by every session would hurt everyone on the page.
MAX_UPLOAD_MB = float(os.environ.get("KB_MAX_UPLOAD_MB", "20"))
# Generic situations to start from (short label -> what an owner might type).
EXAMPLES = {
    "Staff avoid the new till": "We paid for a new point-of-sale system, but the staff still write "
    "orders in the old paper book and the two never match.",
    "What should we automate first?": "We are a family bakery with eight people and want to "
    "automate something this year, but we don't know where to start.",
    "Everyone agrees, nothing new": "Our team agrees with every plan and we have not launched "
    "anything new in two years.",
    "Is the software paying off?": "We bought booking software last spring and I can't tell "
    "whether it is actually helping the business.",
}


# --------------------------------------------------------------------------- loading


def kb_dir() -> Path:
    return resolve_kb_dir()


def docs_dir() -> Path:
    # Kept as given (relative by default, like `kb ingest data/docs`): the KB knows documents
    # by the path they were ingested under, so the CLI and the page must name them alike.
    return Path(os.environ.get("DOCS_DIR") or "data/docs")


@st.cache_resource(show_spinner="Loading the language model…")
def load_embedder(model: str) -> Embedder:
    """The embedding model, once per process (shared by queries and re-ingests)."""
    embedder = Embedder(model)
    _ = embedder.model  # load the weights now, not in the middle of a first query
    return embedder


@st.cache_resource(show_spinner="Loading the knowledge base…", max_entries=4)
def load_recommender(root: str, version: str) -> Recommender:
    """The KB and its indexes in memory; keyed by version, so a new version loads anew."""
    kb = open_kb(root)
    return Recommender(kb, load_embedder(kb.manifest.get("model") or BUNDLED))


def current_recommender() -> Recommender | None:
    """The recommender over the KB's current version; None while nothing has been ingested."""
    root = kb_dir()
    version = current_version(root)
    return load_recommender(str(root), version) if version else None


def doc_titles(rec: Recommender) -> dict[str, str]:
    return {d.doc: d.title for d in rec.kb.documents}


# --------------------------------------------------------------------------- navigation


def go(view: str) -> None:
    """Switch view from a button's callback."""
    st.session_state.view = view
    on_view_change()


def on_view_change() -> None:
    """The URL keeps only what the new view reads; the Ask view gets its last question back."""
    view = st.session_state.get("view") or "ask"
    if st.session_state.get("_last_view") == "ask" and view != "ask":
        st.session_state.last_q = st.query_params.get("q", "")
    st.query_params.clear()
    if view != "ask":
        st.query_params["view"] = view
    elif st.session_state.get("last_q"):
        st.query_params["q"] = st.session_state.last_q
        st.session_state.situation = st.session_state.last_q


def header() -> str:
    """Title and the view switcher; returns the view to show."""
    if "view" not in st.session_state:
        wanted = st.query_params.get("view", "ask")
        st.session_state.view = wanted if wanted in VIEWS else "ask"
    left, right = st.columns([3, 2], vertical_alignment="center")
    left.html(
        '<p class="app-title">Strategy guidance for small businesses</p>'
        '<p class="app-sub">Principles and frameworks from the library, '
        "matched to your situation, with the passages they come from.</p>"
    )
    with right.container(horizontal_alignment="right"):
        view = st.segmented_control(
            "View",
            list(VIEWS),
            key="view",
            format_func=lambda v: f"{VIEW_ICONS[v]} {VIEWS[v]}",
            label_visibility="collapsed",
            required=True,
            on_change=on_view_change,
        )
    st.session_state._last_view = view or "ask"
    return view or "ask"


def no_kb() -> None:
    with st.container(border=True):
        st.markdown(
            "**The library is empty.** No knowledge base has been built in "
            f"{views.code(kb_dir())} yet."
        )
        st.caption("Open Documents to ingest the documents folder; it takes a minute.")
        st.button(
            "Open Documents",
            key="open_documents",
            on_click=go,
            args=("documents",),
            type="primary",
        )


# --------------------------------------------------------------------------- Ask


def submit() -> None:
    text = " ".join(st.session_state.get("situation", "").split())
    st.session_state.empty_submit = not text
    if text:
        st.query_params["q"] = text


def use_example() -> None:
    label = st.session_state.get("example")
    if label in EXAMPLES:
        st.session_state.situation = EXAMPLES[label]
        st.query_params["q"] = EXAMPLES[label]
    st.session_state.example = None  # a chip, not a setting: ready to be picked again


def set_filter(name: str) -> None:
    value = st.session_state.get(name)
    if value and value != ANY:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def init_from_url(key: str, options: list[str]) -> None:
    if key not in st.session_state:
        wanted = st.query_params.get(key, ANY)
        st.session_state[key] = wanted if wanted in options else ANY


def ask_view(rec: Recommender) -> None:
    query = " ".join(st.query_params.get("q", "").split())
    if "situation" not in st.session_state:
        st.session_state.situation = query
    titles = doc_titles(rec)
    main, side = st.columns([3, 1], gap="large")
    with side:
        level, doc = ask_filters(rec, titles)
    with main:
        with st.form("ask", border=False, enter_to_submit=False):
            st.text_area(
                "Describe your situation",
                key="situation",
                height=110,
                placeholder="e.g. We moved our orders to an online system and now the "
                "kitchen and the front desk blame each other for mistakes.",
            )
            st.form_submit_button(
                "Find guidance",
                type="primary",
                icon=":material/search:",
                on_click=submit,
                key="ask_submit",
            )
        st.pills(
            "Or start from an example",
            list(EXAMPLES),
            key="example",
            on_change=use_example,
        )
        if st.session_state.pop("empty_submit", False):
            st.warning("Describe your situation in a few words first.")
        if query:
            results(rec, query, level, doc, titles)


def ask_filters(rec: Recommender, titles: dict[str, str]) -> tuple[str | None, str | None]:
    levels = [ANY, *views.sort_levels(lv for d in rec.kb.documents for lv in d.levels)]
    docs = [ANY, *titles]
    init_from_url("level", levels)
    init_from_url("doc", docs)
    with st.container(border=True):
        st.markdown("**Refine**")
        level = st.pills(
            "Level",
            levels,
            key="level",
            format_func=lambda v: "Any level" if v == ANY else views.md_escape(v),
            required=True,
            on_change=set_filter,
            args=("level",),
        )
        doc = st.selectbox(
            "Document",
            docs,
            key="doc",
            format_func=lambda d: "All documents" if d == ANY else titles[d],
            on_change=set_filter,
            args=("doc",),
        )
    kb = rec.kb
    with st.container(border=True):
        st.markdown("**Tips**")
        st.caption(
            "Say what happened, who is involved and what you would like to change. "
            "Answers come only from the library's documents: when nothing there fits, "
            "the guide says so rather than guess. Your thumbs up or down on a card helps "
            "improve it."
        )
        st.caption(
            f"Library {kb.version}: {len(kb.documents)} documents, "
            f"{len(kb.concepts)} principles, frameworks and terms."
        )
    return (level if level and level != ANY else None), (doc if doc and doc != ANY else None)


def results(rec: Recommender, query: str, level, doc, titles: dict[str, str]) -> None:
    try:
        answer = rec.recommend(query, k=RESULTS, level=level, doc=doc)
    except UsageError as exc:
        st.warning(str(exc))
        return
    if answer.notice:
        st.info(answer.notice, icon=":material/content_cut:")
    filters = [f for f in (level, titles.get(doc) if doc else None) if f]
    if answer.abstained or not answer.recommendations:
        with st.container(border=True, key="abstention"):
            reason = answer.reason or "no concept matches the chosen level and document"
            st.html(views.abstention_html(reason, list(titles.values()), bool(filters)))
        return
    st.html(views.summary_html(len(answer.recommendations), answer.query, filters))
    asked = hashlib.sha1(f"{answer.query}|{level}|{doc}".encode()).hexdigest()[:10]
    for r in answer.recommendations:
        card(rec, r, answer.query, asked, titles)


def card(rec: Recommender, r, query: str, asked: str, titles: dict[str, str]) -> None:
    doc_title = titles.get(r.doc, r.doc)
    with st.container(border=True, key=f"card-{r.rank}"):
        st.html(views.card_html(r.rank, r.title, r.kind, r.level, doc_title, r.guidance, r.why))
        for n, p in enumerate(r.passages, start=1):
            label = views.passage_label(n, titles.get(p.doc, p.doc), p.level, p.section)
            with st.expander(label, icon=":material/format_quote:"):
                st.html(views.passage_html(p.text, p.matched))
        vote_key = f"vote-{asked}-{r.concept}"
        row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
        with row:
            st.caption("Was this helpful?")
            st.feedback(
                "thumbs",
                key=vote_key,
                on_change=vote,
                args=(vote_key, query, r.concept, r.title, rec.kb.version),
            )
            st.button(
                "Open in Frameworks",
                key=f"open-{asked}-{r.concept}",
                icon=":material/menu_book:",
                type="tertiary",
                on_click=open_concept,
                args=(r.concept,),
            )


def vote(key: str, query: str, concept: str, title: str, version: str) -> None:
    value = st.session_state.get(key)
    if value is None:  # a vote taken back: the earlier row stays, a new vote will follow
        return
    vote_value = feedback.UP if value == 1 else feedback.DOWN
    feedback.record(kb_dir(), query, concept, title, vote_value, version)
    st.toast("Thanks, your vote is saved.", icon=":material/thumb_up:")


def open_concept(concept_id: str) -> None:
    for key in ("fw_search", "fw_kind", "fw_level", "fw_doc"):
        st.session_state.pop(key, None)
    st.session_state.fw_pick = concept_id
    go("frameworks")


# --------------------------------------------------------------------------- Frameworks


def reset_pick() -> None:
    st.session_state.fw_pick = None


def pick_row() -> None:
    rows = st.session_state.fw_table.selection.rows
    ids = st.session_state.get("fw_ids", [])
    if rows and rows[0] < len(ids):
        st.session_state.fw_pick = ids[rows[0]]


def pick(concept_id: str) -> None:
    st.session_state.fw_pick = concept_id


def frameworks_view(rec: Recommender) -> None:
    kb = rec.kb
    titles = doc_titles(rec)
    order = list(views.KIND_LABELS)
    rank = {k: (i, k) for i, k in enumerate(order)}
    kinds = sorted({c.kind for c in kb.concepts}, key=lambda k: rank.get(k, (len(order), k)))
    counts = {k: sum(c.kind == k for c in kb.concepts) for k in kinds}
    levels = views.sort_levels(lv for c in kb.concepts for lv in c.all_levels)
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    search = c1.text_input(
        "Search by name",
        key="fw_search",
        placeholder="e.g. OKR, balanced scorecard, joint optimization",
        on_change=reset_pick,
    )
    kind = c2.selectbox(
        "Kind",
        [ANY, *kinds],
        key="fw_kind",
        format_func=lambda k: "All kinds" if k == ANY else f"{views.kind_label(k)} ({counts[k]})",
        on_change=reset_pick,
    )
    level = c3.selectbox(
        "Level",
        [ANY, *levels],
        key="fw_level",
        format_func=lambda v: "Any level" if v == ANY else v,
        on_change=reset_pick,
    )
    doc = c4.selectbox(
        "Document",
        [ANY, *titles],
        key="fw_doc",
        format_func=lambda d: "All documents" if d == ANY else titles[d],
        on_change=reset_pick,
    )
    found = catalog.filter_concepts(
        kb,
        kind=None if kind == ANY else kind,
        level=None if level == ANY else level,
        doc=None if doc == ANY else doc,
        search=search or None,
    )
    st.session_state.fw_ids = [c.id for c in found]
    left, right = st.columns([3, 2], gap="large")
    with left:
        concept_list(kb, found, titles, search)
    with right:
        chosen = kb.concept(st.session_state.get("fw_pick") or "") or (found[0] if found else None)
        if chosen is not None:
            with st.container(border=True, key="concept-detail"):
                concept_detail(kb, chosen, titles)
    st.divider()
    comparison(kb, titles)


def concept_list(kb, found: list[Concept], titles: dict[str, str], search: str) -> None:
    if not found:
        st.info("Nothing in the catalog matches these filters.", icon=":material/search_off:")
        if search:
            try:
                near = catalog.find_concept(kb, search)
            except KBError:
                return
            st.button(
                f"Closest name: {views.md_escape(near.title)}",
                on_click=pick,
                args=(near.id,),
                type="tertiary",
                icon=":material/arrow_forward:",
            )
        return
    frame = pd.DataFrame(
        {
            "Title": [c.title for c in found],
            "Kind": [views.kind_label(c.kind) for c in found],
            "Level": [", ".join(views.sort_levels(c.all_levels)) for c in found],
            "Document": [titles.get(c.doc, c.doc) for c in found],
        }
    )
    st.caption(f"{len(found)} of {len(kb.concepts)} · select a row to see its details")
    st.dataframe(
        frame,
        key="fw_table",
        hide_index=True,
        on_select=pick_row,
        selection_mode="single-row",
        height=min(38 + 35 * len(found), 460),
        column_config={
            "Kind": st.column_config.TextColumn(width="small"),
        },
    )
    st.download_button(
        "Download this list (CSV)",
        views.concepts_csv(found, titles),
        file_name="concepts.csv",
        mime="text/csv",
        icon=":material/download:",
        key="fw_csv",
    )


def concept_detail(kb, concept: Concept, titles: dict[str, str]) -> None:
    d = catalog.detail(kb, concept)
    sources = [(titles.get(s.doc, s.doc), s.level, s.section) for s in concept.sources]
    st.html(
        views.concept_html(
            concept.title,
            concept.kind,
            views.sort_levels(concept.all_levels),
            concept.definition,
            concept.fields,
            sources,
            concept.references,
        )
    )
    for role, linked in (
        ("Part of", [d.parent] if d.parent else []),
        ("Contains", d.children),
        ("Related", d.related),
    ):
        if not linked:
            continue
        st.html(f'<div class="detail"><h4>{role}</h4></div>')
        with st.container(horizontal=True, gap="small"):
            for other in linked:
                st.button(
                    views.md_escape(other.title),
                    key=f"rel-{role}-{concept.id}-{other.id}",
                    on_click=pick,
                    args=(other.id,),
                    type="secondary",
                    width="content",
                )
    if d.passages:
        st.html('<div class="detail"><h4>In the documents</h4></div>')
        for n, chunk in enumerate(d.passages, start=1):
            title = titles.get(chunk.doc, chunk.doc)
            with st.expander(views.passage_label(n, title, chunk.level, chunk.section)):
                st.html(views.passage_html(chunk.text, []))


def comparison(kb, titles: dict[str, str]) -> None:
    st.subheader("Framework comparison")
    table = catalog.framework_table(kb)
    if table.empty:
        st.caption("The documents hold no framework comparison table.")
        return
    st.caption("The frameworks side by side, from the comparison tables in the documents.")
    # st.table renders Markdown in its cells: every cell is escaped to stay text.
    shown = table.assign(Document=table["Document"].map(lambda d: titles.get(d, d)))
    shown = shown.astype(str).map(views.md_escape).set_index("Framework")
    shown.columns = [views.md_escape(c) for c in shown.columns]
    st.table(shown)
    st.download_button(
        "Download the comparison (CSV)",
        table.to_csv(index=False),
        file_name="framework-comparison.csv",
        mime="text/csv",
        icon=":material/download:",
        key="fw_compare_csv",
    )


# --------------------------------------------------------------------------- Documents


def documents_view(rec: Recommender | None) -> None:
    if rec is None:
        st.info(f"No knowledge base in {views.code(kb_dir())} yet: re-ingest below to build it.")
    else:
        library(rec)
    st.divider()
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader("Add or update documents")
        upload_and_ingest(rec)
    with right:
        report = st.session_state.get("ingest_report")
        if report:
            st.subheader("Last re-ingest")
            ingest_report(report)
        if rec is not None:
            votes_summary()


def library(rec: Recommender) -> None:
    kb, m = rec.kb, rec.kb.manifest
    st.subheader("Documents in the library")
    cols = st.columns(5)
    cols[0].metric("Version", kb.version)
    cols[1].metric("Documents", len(kb.documents))
    cols[2].metric("Chunks", len(kb.chunks))
    cols[3].metric("Concepts", len(kb.concepts))
    cols[4].metric("Glossary terms", len(kb.glossary))
    built = str(m.get("built_at", "?")).replace("T", " ").replace("Z", " UTC")
    st.caption(
        f"Built {built} with {views.code(m.get('model'))} ({m.get('dimensions')} dimensions) · "
        f"KB folder {views.code(kb.root)}"
    )
    chunks: dict[str, int] = {}
    concepts: dict[str, int] = {}
    for chunk in kb.chunks:
        chunks[chunk.doc] = chunks.get(chunk.doc, 0) + 1
    for concept in kb.concepts:
        concepts[concept.doc] = concepts.get(concept.doc, 0) + 1
    frame = pd.DataFrame(
        [
            {
                "Title": d.title,
                "Levels": " · ".join(views.sort_levels(d.levels)) or "—",
                "Chunks": chunks.get(d.doc, 0),
                "Concepts": concepts.get(d.doc, 0),
                "Format": d.format,
                "File": d.path,
            }
            for d in kb.documents
        ]
    )
    st.dataframe(frame, hide_index=True, key="doc_table")


def upload_and_ingest(rec: Recommender | None) -> None:
    folder = docs_dir()
    nonce = st.session_state.setdefault("upload_nonce", 0)
    files = st.file_uploader(
        "Upload new or updated documents",
        type=[s.lstrip(".") for s in SUPPORTED],
        accept_multiple_files=True,
        key=f"upload-{nonce}",
        help=f"Saved into {views.code(folder)}; a file with the same name is replaced.",
    )
    existing = {p.name for p in folder.glob("*")} if folder.is_dir() else set()
    for f in files or []:
        name = safe_name(f.name)
        if name is None:
            st.warning(f"{views.md_escape(f.name)}: not a usable file name; it will be skipped.")
        elif too_large(f):
            st.error(
                f"{views.md_escape(f.name)} is {f.size / 1e6:.1f} MB; uploads are limited to "
                f"{MAX_UPLOAD_MB:g} MB, so it will be skipped. Split it into smaller documents."
            )
        elif name in existing:
            st.caption(f"{views.md_escape(name)} replaces the file of that name.")
    rebuild = st.toggle(
        "Rebuild from nothing",
        key="rebuild",
        help="Re-parse and re-embed every document instead of only the changed ones.",
    )
    if rec is not None:
        sources = sorted({str(Path(d.path).parent) for d in rec.kb.documents})
        if sources and str(folder) not in sources:
            st.warning(
                "The library's documents were ingested from "
                f"{', '.join(map(views.code, sources))}, but re-ingest reads "
                f"{views.code(folder)} (set DOCS_DIR to change it): documents that are not "
                "there will be removed from the library.",
                icon=":material/warning:",
            )
    label = f"Save {len(files)} file(s) and re-ingest" if files else "Re-ingest documents"
    st.caption(f"Re-ingest reads every document in {views.code(folder)}.")
    if st.button(label, type="primary", icon=":material/sync:", key="reingest"):
        run_ingest(folder, files or [], rebuild, rec)


def too_large(upload) -> bool:
    return upload.size > MAX_UPLOAD_MB * 1e6


def safe_name(name: str) -> str | None:
    """A file name that stays inside the documents folder, or None."""
    base = Path(name.replace("\\", "/")).name.strip()
    if not base or base.startswith(".") or Path(base).suffix.lower() not in SUPPORTED:
        return None
    return base


def run_ingest(folder: Path, files: list, rebuild: bool, rec: Recommender | None) -> None:
    saved = []
    with st.status("Re-ingesting the documents…", expanded=True) as status:
        if files:
            folder.mkdir(parents=True, exist_ok=True)
            for f in files:
                name = safe_name(f.name)
                if name and not too_large(f):
                    (folder / name).write_bytes(f.getvalue())
                    saved.append(name)
            st.write(f"Saved {len(saved)} file(s) into {views.code(folder)}.")
        st.write("Reading, cleaning, structuring and embedding the documents…")
        model = rec.kb.manifest.get("model") if rec and not rebuild else BUNDLED
        try:
            report = ingest(
                [folder],
                kb_dir(),
                rebuild=rebuild,
                embedder=load_embedder(model),
                progress=st.write,
            )
        except KBError as exc:
            status.update(label="Re-ingest failed", state="error", expanded=True)
            st.error(views.md_escape(str(exc)))
            return
        status.update(label=f"Published {report.version}", state="complete", expanded=False)
    st.session_state.ingest_report = {**asdict(report), "saved": saved}
    st.session_state.upload_nonce += 1  # empty the uploader: those files are saved now
    load_recommender.clear()
    st.rerun()


def ingest_report(report: dict) -> None:
    with st.container(border=True, key="ingest-report"):
        changed = report["added"] or report["changed"] or report["removed"]
        if changed:
            st.success(
                f"Published {report['version']}: {report['documents']} documents, "
                f"{report['chunks']} chunks, {report['concepts']} concepts. Embedded "
                f"{report['embedded']} new chunk(s) in {report['seconds']:.1f} s.",
                icon=":material/check_circle:",
            )
        else:
            st.info(
                f"Nothing changed: version {report['version']} stands "
                f"({report['documents']} documents).",
                icon=":material/info:",
            )
        for label in ("added", "changed", "removed"):
            if report[label]:
                names = ", ".join(views.code(p) for p in report[label])
                st.markdown(f"**{label.capitalize()}** ({len(report[label])}): {names}")
        if report["unchanged"]:
            st.caption(f"Unchanged: {len(report['unchanged'])} document(s).")
        for r in report["rejected"]:
            st.warning(
                f"Rejected {views.code(r['path'])}: {views.md_escape(r['reason'])}. The file "
                "stays in the documents folder until it is fixed or removed.",
                icon=":material/block:",
            )


def votes_summary() -> None:
    stored = feedback.votes(kb_dir())
    if not stored:
        return
    up = sum(v.vote == feedback.UP for v in stored)
    with st.expander(f"Feedback from the Ask page: {up} helpful, {len(stored) - up} not"):
        st.dataframe(pd.DataFrame([asdict(v) for v in stored]), hide_index=True)


# --------------------------------------------------------------------------- page


def main() -> None:
    st.set_page_config(
        page_title="SMB strategy guidance",
        page_icon=":material/explore:",
        layout="wide",
        initial_sidebar_state="collapsed",
    )
    st.html(views.CSS)
    view = header()
    try:
        rec = current_recommender()
    except KBError as exc:
        st.error(f"The knowledge base cannot be loaded: {views.md_escape(str(exc))}")
        rec = None
    if view == "documents":
        documents_view(rec)
    elif rec is None:
        no_kb()
    elif view == "frameworks":
        frameworks_view(rec)
    else:
        ask_view(rec)


main()
