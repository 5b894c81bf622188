"""The Frameworks view: a consultant's library of the catalog's concepts.

Filters and a name search over the catalog, the list (selectable, downloadable as CSV), one
concept's detail with what it is part of, contains and relates to, and the documents'
framework comparison table. `kb.catalog` filters and describes; this module only presents.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kb import catalog
from kb.errors import KBError
from kb.model import Concept
from kb.store import KnowledgeBase
from recommender import Recommender
from ui.page import html
from ui.page.load import doc_titles
from ui.page.nav import ANY, any_label, chosen

# The CSV download's columns: the contract's concept shape, lists joined by "; ".
CSV_COLUMNS = [
    "title", "kind", "level", "levels", "doc", "document", "section", "definition",
    "references", "sources", "id",
]  # fmt: skip


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


def frameworks_view(rec: Recommender) -> None:
    """Filters, then the list beside the chosen concept, then the comparison table."""
    kb = rec.kb
    titles = doc_titles(kb)
    found, search = catalog_filters(kb, titles)
    st.session_state.fw_ids = [c.id for c in found]
    left, right = st.columns([3, 2], gap="large")
    with left:
        concept_list(kb, found, titles, search)
    with right:
        shown = kb.concept(st.session_state.get("fw_pick") or "") or (found[0] if found else None)
        if shown is not None:
            with st.container(border=True, key="concept-detail"):
                concept_detail(kb, shown, titles)
    st.divider()
    comparison(kb, titles)


def catalog_filters(kb: KnowledgeBase, titles: dict[str, str]) -> tuple[list[Concept], str]:
    """Search, kind, level and document in one row; returns the concepts found and the search."""
    kinds = html.sort_kinds(c.kind for c in kb.concepts)
    counts = {k: sum(c.kind == k for c in kb.concepts) for k in kinds}
    levels = html.sort_levels(lv for c in kb.concepts for lv in c.all_levels)
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
    found = catalog.filter_concepts(
        kb, kind=chosen(kind), level=chosen(level), doc=chosen(doc), search=search or None
    )
    return found, search


def concept_list(
    kb: KnowledgeBase, found: list[Concept], titles: dict[str, str], search: str
) -> None:
    """The concepts found as a selectable table with its CSV download, or what to try instead."""
    if not found:
        st.info("Nothing in the catalog matches these filters.", icon=":material/search_off:")
        if search:
            closest_name(kb, search)
        return
    frame = pd.DataFrame(
        {
            "Title": [c.title for c in found],
            "Kind": [html.kind_label(c.kind) for c in found],
            "Level": [", ".join(html.sort_levels(c.all_levels)) for c in found],
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
        concepts_csv(found, titles),
        file_name="concepts.csv",
        mime="text/csv",
        icon=":material/download:",
        key="fw_csv",
    )


def closest_name(kb: KnowledgeBase, search: str) -> None:
    """A search that matched nothing offers the concept whose name is closest, if any is."""
    try:
        near = catalog.find_concept(kb, search)
    except KBError:
        return
    st.button(
        f"Closest name: {html.md_escape(near.title)}",
        on_click=pick,
        args=(near.id,),
        type="tertiary",
        icon=":material/arrow_forward:",
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
    linked_concepts(d)
    if d.passages:
        st.html('<div class="detail"><h4>In the documents</h4></div>')
        for n, chunk in enumerate(d.passages, start=1):
            title = titles.get(chunk.doc, chunk.doc)
            with st.expander(html.passage_label(n, title, chunk.level, chunk.section)):
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
    table = catalog.framework_table(kb)
    if table.empty:
        st.caption("The documents hold no framework comparison table.")
        return
    st.caption("The frameworks side by side, from the comparison tables in the documents.")
    # st.table renders Markdown in its cells: every cell is escaped to stay text.
    shown = table.assign(Document=table["Document"].map(lambda d: titles.get(d, d)))
    shown = shown.astype(str).map(html.md_escape).set_index("Framework")
    shown.columns = [html.md_escape(c) for c in shown.columns]
    st.table(shown)
    st.download_button(
        "Download the comparison (CSV)",
        safe_csv(table),
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
    return safe_csv(pd.DataFrame(rows, columns=CSV_COLUMNS))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def safe_csv(frame: pd.DataFrame) -> str:
    """The table as CSV, with every cell a spreadsheet would evaluate (`=HYPERLINK(...)` from
    a document) turned into text by a leading quote, as OWASP's CSV-injection advice says."""

    def inert(value):
        return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value

    return frame.map(inert).to_csv(index=False)
