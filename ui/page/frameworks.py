"""The Frameworks view: a consultant's library of the catalog's concepts.

Filters and a search by name or purpose over the catalog (`kb.catalog.lookup`: names first,
then meaning, read by the recommender's own question model), the list (selectable,
downloadable as CSV), one concept's detail with what it is part of, contains and relates to,
and the documents' framework comparison table. `kb.catalog` filters and describes; this
module only presents.

A concept's detail has its own link, `/?view=frameworks&concept=<id>`, which opens it; the
URL follows the concept picked, so the address bar can be shared too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd
import streamlit as st

from kb import catalog
from kb.embed import read_questions
from kb.model import Concept
from kb.store import KnowledgeBase
from recommender import Recommender
from ui.page import cells, html
from ui.page.load import doc_titles
from ui.page.nav import ANY, any_label, chosen

# The CSV download's columns: the contract's concept shape, lists joined by "; ".
CSV_COLUMNS = [
    "title", "kind", "level", "levels", "doc", "document", "section", "definition",
    "references", "sources", "id",
]  # fmt: skip


CLOSEST = 3  # concepts offered when a search finds nothing
HOW_LABELS = {
    "title": "Name",
    "abbreviation": "Abbreviation",
    "id": "Name",
    "name": "Name",
    "spelling": "Name",
    "definition": "Definition",
    "meaning": "Meaning",
}


def reset_pick() -> None:
    """A filter's callback: new filters show their own first concept, not the last pick."""
    st.session_state.fw_pick = None


def pick_row() -> None:
    """The list's callback: the selected row's concept becomes the one shown in detail."""
    rows = st.session_state.fw_table.selection.rows
    ids = st.session_state.get("fw_ids", [])
    if rows and rows[0] < len(ids):
        st.session_state.fw_pick = ids[rows[0]]


def pick(concept_id: str) -> None:
    """A linked concept's callback: show it in detail."""
    st.session_state.fw_pick = concept_id


def concept_path(concept_id: str) -> str:
    """The link that opens one concept's detail in this view."""
    return "/?" + urlencode({"view": "frameworks", "concept": concept_id}, quote_via=quote)


def ask_path(text: str) -> str:
    """The link that asks a text as a question on the Ask view."""
    return "/?" + urlencode({"q": " ".join(text.split())}, quote_via=quote)


def follow_url() -> None:
    """A concept named in the URL (a deep link, or the address bar edited) is the one shown.

    The URL is written back by `keep_in_url` on every run, so it differs from the concept last
    written only when it came from outside."""
    wanted = st.query_params.get("concept")
    if wanted and wanted != st.session_state.get("fw_url_concept"):
        st.session_state.fw_pick = wanted
        st.session_state.fw_url_concept = wanted


def keep_in_url(concept_id: str | None) -> None:
    """The URL names the concept picked (none when the first of the list is shown); it is
    written only when it changes, so the browser's history gets one step per pick."""
    if concept_id:
        if st.query_params.get("concept") != concept_id:
            st.query_params["concept"] = concept_id
    elif "concept" in st.query_params:
        del st.query_params["concept"]
    st.session_state.fw_url_concept = concept_id


def frameworks_view(rec: Recommender) -> None:
    """Filters, then the list beside the chosen concept, then the comparison table."""
    kb = rec.kb
    titles = doc_titles(kb)
    follow_url()
    read = reader(rec)
    found, search = catalog_filters(kb, titles, read)
    st.session_state.fw_ids = [m.concept.id for m in found]
    picked = st.session_state.get("fw_pick") or ""
    left, right = st.columns([3, 2], gap="large")
    with left:
        concept_list(kb, found, titles, search, read)
    with right:
        shown = kb.concept(picked) or (found[0].concept if found else None)
        if picked and kb.concept(picked) is None:
            st.warning(
                f"No concept has the id {html.code(picked)}: it may have been renamed "
                "since the link was made.",
                icon=":material/link_off:",
            )
        if shown is not None:
            with st.container(border=True, key="concept-detail"):
                concept_detail(kb, shown, titles)
    keep_in_url(picked if kb.concept(picked) else None)
    st.divider()
    comparison(kb, titles)


def reader(rec: Recommender) -> Callable[[str], np.ndarray]:
    """A search's vector as the recommender reads a question, computed once per run (a search
    that finds nothing needs it twice: for the look-up, then for the closest)."""

    @functools.lru_cache(maxsize=4)
    def read(text: str) -> np.ndarray:
        return read_questions(rec.embedder, [text])[0]

    return read


def catalog_filters(
    kb: KnowledgeBase, titles: dict[str, str], read: Callable[[str], np.ndarray]
) -> tuple[list[catalog.Match], str]:
    """Search, kind, level and document in one row; returns the concepts found and the search.

    Without a search the filtered catalog is listed in its order; with one, what
    `catalog.lookup` finds among the filtered concepts, names first, then meaning."""
    kinds = html.sort_kinds(c.kind for c in kb.concepts)
    counts = {k: sum(c.kind == k for c in kb.concepts) for k in kinds}
    levels = html.sort_levels(lv for c in kb.concepts for lv in c.all_levels)
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    search = c1.text_input(
        "Search by name or purpose",
        key="fw_search",
        placeholder="e.g. OKR, balanced scorecard, a way to set goals",
        on_change=reset_pick,
    )
    kind = c2.selectbox(
        "Kind",
        [ANY, *kinds],
        key="fw_kind",
        format_func=any_label("All kinds", lambda k: f"{html.kind_label(k)} ({counts[k]})"),
        on_change=reset_pick,
    )
    level = c3.selectbox(
        "Level",
        [ANY, *levels],
        key="fw_level",
        format_func=any_label("Any level"),
        on_change=reset_pick,
    )
    doc = c4.selectbox(
        "Document",
        [ANY, *titles],
        key="fw_doc",
        format_func=any_label("All documents", titles.__getitem__),
        on_change=reset_pick,
    )
    filtered = catalog.filter_concepts(kb, kind=chosen(kind), level=chosen(level), doc=chosen(doc))
    if not search.strip():
        return [catalog.Match(c, "") for c in filtered], search
    among = [c.id for c in filtered]
    return catalog.lookup(kb, search, read, among=among), search


def concept_list(
    kb: KnowledgeBase,
    matches: list[catalog.Match],
    titles: dict[str, str],
    search: str,
    read: Callable[[str], np.ndarray],
) -> None:
    """The concepts found as a selectable table with its CSV download, or what to try instead."""
    if not matches:
        if search.strip():
            no_match(kb, search, read)
        else:
            st.info("Nothing in the catalog matches these filters.", icon=":material/search_off:")
        return
    found = [m.concept for m in matches]
    columns = {"Title": [c.title for c in found]}
    if search.strip():  # beside the title, so it shows without scrolling
        columns["Found by"] = [HOW_LABELS.get(m.how, m.how) for m in matches]
    columns |= {
        "Kind": [html.kind_label(c.kind) for c in found],
        "Level": [", ".join(html.sort_levels(c.all_levels)) for c in found],
        "Document": [titles.get(c.doc, c.doc) for c in found],
    }
    frame = pd.DataFrame(columns)
    st.caption(f"{len(found)} of {len(kb.concepts)} · select a row to see its details")
    st.dataframe(
        cells.shown(frame),  # its toolbar's CSV export carries no live formula
        key="fw_table",
        hide_index=True,
        on_select=pick_row,
        selection_mode="single-row",
        height=min(38 + 35 * len(found), 460),
        column_config={
            "Kind": st.column_config.TextColumn(width="small"),
            "Found by": st.column_config.TextColumn(width="small"),
        },
    )
    st.download_button(
        "Download this list (CSV)",
        concepts_csv(found, titles),
        file_name="concepts.csv",
        mime="text/csv",
        icon=":material/download:",
        key="fw_csv",
    )


def no_match(kb: KnowledgeBase, search: str, read: Callable[[str], np.ndarray]) -> None:
    """A search that found nothing, by name or meaning: the closest few concepts of the whole
    catalog, and the search asked as a question instead."""
    with st.container(key="fw-no-match"):
        st.info(
            f"No match for “{html.md_escape(search.strip())}” in the catalog, by name or "
            "by meaning.",
            icon=":material/search_off:",
        )
        near = catalog.closest(kb, search, read, n=CLOSEST)
        if near:
            st.caption("Closest in the catalog:")
            with st.container(horizontal=True, gap="small"):
                for m in near:
                    st.button(
                        html.md_escape(m.concept.title),
                        key=f"fw-near-{m.concept.id}",
                        on_click=pick,
                        args=(m.concept.id,),
                        type="secondary",
                        width="content",
                    )
        st.markdown(
            f":material/forum: [Ask “{html.md_escape(search.strip())}” as a question]"
            f"({ask_path(search)})"
        )


def concept_detail(kb: KnowledgeBase, concept: Concept, titles: dict[str, str]) -> None:
    """One concept: its card, the concepts linked to it, and its passages in the documents."""
    d = catalog.detail(kb, concept)
    sources = [(titles.get(s.doc, s.doc), s.level, s.section) for s in concept.sources]
    st.html(
        html.concept_html(
            concept.title,
            concept.kind,
            html.sort_levels(concept.all_levels),
            concept.definition,
            concept.fields,
            sources,
            concept.references,
        )
    )
    st.markdown(
        f":material/link: [Link to this {html.kind_label(concept.kind).lower()}]"
        f"({concept_path(concept.id)})",
    )
    st.code(concept_path(concept.id), language=None, wrap_lines=True)
    linked_concepts(d)
    if d.passages:
        st.html('<div class="detail"><h4>In the documents</h4></div>')
        for n, chunk in enumerate(d.passages, start=1):
            with st.expander(html.passage_label(n, chunk.section, chunk.text)):
                st.html(html.passage_html(chunk.text, []))


def linked_concepts(d: catalog.ConceptDetail) -> None:
    """Parent, children and related concepts as buttons, so a consultant can walk the catalog."""
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
                    html.md_escape(other.title),
                    key=f"rel-{role}-{d.concept.id}-{other.id}",
                    on_click=pick,
                    args=(other.id,),
                    type="secondary",
                    width="content",
                )


def comparison(kb: KnowledgeBase, titles: dict[str, str]) -> None:
    """The documents' framework comparison tables as one table, with its CSV download."""
    st.subheader("Framework comparison")
    # Tables with different columns leave gaps (NaN, which stays a float through astype(str)):
    # a gap is an empty cell.
    table = catalog.framework_table(kb).fillna("")
    if table.empty:
        st.caption("The documents hold no framework comparison table.")
        return
    st.caption("The frameworks side by side, from the comparison tables in the documents.")
    # st.table renders Markdown in its cells: every cell is escaped to stay text.
    table = table.assign(Document=table["Document"].map(lambda d: titles.get(d, d)))
    table = table.map(lambda v: "" if v is None else str(v))
    grid = table.map(html.md_escape).set_index("Framework")
    grid.columns = [html.md_escape(c) for c in grid.columns]
    st.table(grid)
    st.download_button(
        "Download the comparison (CSV)",
        cells.safe_csv(table),
        file_name="framework-comparison.csv",
        mime="text/csv",
        icon=":material/download:",
        key="fw_compare_csv",
    )


def concepts_csv(concepts: list[Concept], doc_titles: dict[str, str]) -> str:
    """A list of concepts as CSV, in the contract's concept shape with lists joined by "; "."""
    rows = []
    for c in concepts:
        row = catalog.concept_row(c)
        rows.append(
            {
                "title": row["title"],
                "kind": row["kind"],
                "level": row["level"],
                "levels": "; ".join(row["levels"]),
                "doc": row["doc"],
                "document": doc_titles.get(row["doc"], row["doc"]),
                "section": row["section"],
                "definition": row["definition"],
                "references": "; ".join(row["references"]),
                "sources": "; ".join(
                    " / ".join(p for p in (s["doc"], s["level"], s["section"]) if p)
                    for s in row["sources"]
                ),
                "id": row["id"],
            }
        )
    return cells.safe_csv(pd.DataFrame(rows, columns=CSV_COLUMNS))
