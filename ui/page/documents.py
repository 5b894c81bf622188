"""The Documents view: what the library holds, and, on the maintainer's page, its upkeep.

What the KB holds (the same figures as `kb stats`, from `kb.stats`) is shown to everyone.
Only on the maintainer's page (`ui.page.maintainer`: `make maintain`, 127.0.0.1 only): uploads
saved into the documents folder (checked by `ui.page.upload`), a re-ingest through
`ui.build.ingest` with its report, and the votes given on the Ask view, whose questions are
the visitors' own and private.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ingest.load import SUPPORTED
from kb import feedback
from kb.embed import BUNDLED
from kb.errors import KBError, UsageError
from kb.model import ParsedDocument
from kb.stats import per_document, stats
from kb.store import KnowledgeBase, resolve_kb_dir
from recommender import Recommender
from ui.build import ingest
from ui.page import cells, html, maintainer, upload
from ui.page.load import docs_dir, load_embedder, load_recommender, training_dir
from ui.page.nav import ANY, any_label, chosen

# The library's figures: metric label -> key of `kb.stats.stats`.
METRICS = {
    "Version": "version",
    "Documents": "documents",
    "Chunks": "chunks",
    "Concepts": "concepts",
    "Glossary terms": "glossary",
}


def documents_view(rec: Recommender | None) -> None:
    """The library's contents above; uploads and re-ingest, its report and the votes below."""
    if rec is None:
        st.info(
            f"No knowledge base in {html.code(resolve_kb_dir())} yet: re-ingest (on the "
            "maintainer's page, below) or `kb ingest` builds it."
        )
    else:
        library(rec.kb)
    st.divider()
    if not maintainer.unlocked():
        return
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


def library(kb: KnowledgeBase) -> None:
    """The KB's figures, how it was built, and a row per document with what it contributed."""
    figures = stats(kb)
    st.subheader("Documents in the library")
    for col, (label, key) in zip(st.columns(len(METRICS)), METRICS.items()):
        col.metric(label, figures[key])
    built = str(figures["built_at"] or "?").replace("T", " ").replace("Z", " UTC")
    st.caption(
        f"Built {built} with {html.code(figures['model'])} ({figures['dimensions']} dimensions)"
        f" · KB folder {html.code(figures['kb_dir'])}"
    )
    counts = per_document(kb)
    level = level_filter(kb)
    shown = listed(kb.documents, level)
    frame = pd.DataFrame(
        [
            {
                "Title": d.title,
                "Levels": " · ".join(html.sort_levels(d.levels)) or NO_LEVELS,
                "Chunks": counts[d.doc]["chunks"],
                "Concepts": counts[d.doc]["concepts"],
                "Format": d.format,
                "File": d.path,
            }
            for d in shown
        ],
        columns=["Title", "Levels", "Chunks", "Concepts", "Format", "File"],
    )
    st.dataframe(cells.shown(frame), hide_index=True, key="doc_table")
    if level:
        unlevelled = sum(not d.levels for d in shown)
        st.caption(
            f"{len(shown)} of {len(kb.documents)} documents: those with "
            f"{html.md_escape(level)} passages"
            + (f", and {unlevelled} without levels, listed always." if unlevelled else ".")
        )


NO_LEVELS = "no levels"  # a document with no level headings (notes, an uploaded file)


def level_filter(kb: KnowledgeBase) -> str | None:
    """The table's level filter (when the documents name levels); None for any level."""
    levels = html.sort_levels(lv for d in kb.documents for lv in d.levels)
    if not levels:
        return None
    level = st.pills(
        "Level",
        [ANY, *levels],
        key="docs_level",
        default=ANY,
        required=True,
        format_func=any_label("Any level", html.md_escape),
        help="Documents without levels are always listed: their passages have no level "
        "to filter by.",
    )
    return chosen(level)


def listed(documents: list[ParsedDocument], level: str | None) -> list[ParsedDocument]:
    """The documents the table lists for a level: those at that level, and every document
    that names no level at all (a level filter cannot say anything about them)."""
    if level is None:
        return list(documents)
    return [d for d in documents if level in d.levels or not d.levels]


def upload_and_ingest(rec: Recommender | None) -> None:
    """The uploader with its notes, the rebuild switch and the re-ingest button (the
    maintainer's page only: `documents_view` checks `maintainer.unlocked` first)."""
    folder = docs_dir()
    nonce = st.session_state.setdefault("upload_nonce", 0)
    files = st.file_uploader(
        "Upload new or updated documents",
        type=[s.lstrip(".") for s in SUPPORTED],
        accept_multiple_files=True,
        key=f"upload-{nonce}",
        help=f"Saved into {html.code(folder)}; a file with the same name is replaced.",
    )
    upload_notes(files or [], folder)
    rebuild = st.toggle(
        "Rebuild from nothing",
        key="rebuild",
        help="Re-parse and re-embed every document instead of only the changed ones.",
    )
    confirm = st.toggle(
        "Allow replacing most of the library",
        key="confirm",
        help="An ingest that would remove more than half of the documents, or replace most "
        "of the library's text, changes nothing unless this is on (the CLI's --yes).",
    )
    label = f"Save {len(files)} file(s) and re-ingest" if files else "Re-ingest documents"
    st.caption(
        f"Re-ingest reads every document in {html.code(folder)}: a file deleted from it "
        "leaves the library; documents ingested from elsewhere stay."
    )
    if st.button(label, type="primary", icon=":material/sync:", key="reingest"):
        run_ingest(folder, files or [], rebuild, confirm, rec)


def upload_notes(files: list[UploadedFile], folder: Path) -> None:
    """Before saving, say which uploads will be skipped and which replace a file."""
    existing = {p.name for p in folder.glob("*")} if folder.is_dir() else set()
    for f in files:
        name = upload.safe_name(f.name)
        if name is None:
            st.warning(f"{html.md_escape(f.name)}: not a usable file name; it will be skipped.")
        elif upload.too_large(f):
            st.error(
                f"{html.md_escape(f.name)} is {f.size / 1e6:.1f} MB; uploads are limited to "
                f"{upload.max_upload_mb():g} MB, so it will be skipped. "
                "Split it into smaller documents."
            )
        elif name in existing:
            st.caption(f"{html.md_escape(name)} replaces the file of that name.")


def run_ingest(
    folder: Path,
    files: list[UploadedFile],
    rebuild: bool,
    confirm: bool,
    rec: Recommender | None,
) -> None:
    """Save the uploads, re-ingest the folder and serve the new version at once."""
    saved = []
    with st.status("Re-ingesting the documents…", expanded=True) as status:
        if files:
            saved = upload.save(folder, files)
            st.write(f"Saved {len(saved)} file(s) into {html.code(folder)}.")
        st.write("Reading, cleaning, structuring and embedding the documents…")
        model = rec.kb.manifest.get("model") if rec and not rebuild else BUNDLED
        try:
            report = ingest(
                [folder],
                resolve_kb_dir(),
                rebuild=rebuild,
                embedder=load_embedder(model, str(resolve_kb_dir())),
                progress=st.text,  # plain text: a file name must not render as markdown
                training=training_dir(),
                confirm=confirm,
            )
        except KBError as exc:
            status.update(label="Re-ingest failed", state="error", expanded=True)
            st.error(html.md_escape(str(exc)))
            if isinstance(exc, UsageError) and not confirm:  # the page's --yes is the toggle
                st.caption("To go ahead, turn on “Allow replacing most of the library”.")
            return
        status.update(label=f"Published {report.version}", state="complete", expanded=False)
    st.session_state.ingest_report = {**asdict(report), "saved": saved}
    st.session_state.upload_nonce += 1  # empty the uploader: those files are saved now
    load_recommender.clear()
    st.rerun()


def ingest_report(report: dict) -> None:
    """What the last re-ingest published, changed and rejected (and why)."""
    with st.container(border=True, key="ingest-report"):
        changed = report["added"] or report["changed"] or report["removed"] or report["reparsed"]
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
        for label in ("added", "changed", "reparsed", "removed"):
            if report[label]:
                names = ", ".join(html.code(p) for p in report[label])
                st.markdown(f"**{label.capitalize()}** ({len(report[label])}): {names}")
        if report["unchanged"]:
            st.caption(f"Unchanged: {len(report['unchanged'])} document(s).")
        for r in report["rejected"]:
            st.warning(
                f"Rejected {html.code(r['path'])}: {html.md_escape(r['reason'])}. The file "
                "stays in the documents folder until it is fixed or removed.",
                icon=":material/block:",
            )


VOTES_SHOWN = 200  # the newest votes listed; the counts cover them all


def votes_summary() -> None:
    """The Ask view's votes, so a maintainer sees which answers did not help (the maintainer's
    page only: the questions are the visitors' own). Every cell is inert in a spreadsheet:
    the table's own "Download as CSV" exports it."""
    try:
        up, down = feedback.counts(resolve_kb_dir())
        latest = feedback.votes(resolve_kb_dir(), latest=VOTES_SHOWN) if up + down else []
    except feedback.FeedbackUnavailable as exc:
        st.warning(html.md_escape(str(exc)), icon=":material/warning:")
        return
    if not latest:
        return
    with st.expander(f"Feedback from the Ask page: {up} helpful, {down} not"):
        if up + down > len(latest):
            st.caption(f"The latest {len(latest)} votes:")
        st.dataframe(
            cells.shown(pd.DataFrame([asdict(v) for v in reversed(latest)])),
            hide_index=True,
            key="votes_table",
        )
