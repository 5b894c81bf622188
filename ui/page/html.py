"""HTML and labels for the page, built so that document text can only ever be text.

Every piece of text that comes from a document, the KB or the user goes through
`html.escape` here before any tag is added; the only tags in the output are this module's own
(`<div>`, `<span>`, `<mark>`, ...). Class names are derived through `slug`, never copied.
Widget labels are Markdown in Streamlit, so text put into a label goes through `md_escape`.
Nothing here imports Streamlit: these are plain functions, tested without a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from kb.model import LEVELS
from kb.text import is_table_row, truncate, words
from recommender.guidance import body
from recommender.service import Recommendation
from recommender.summary import STRONG, Cited, Summary

KIND_LABELS = {
    "framework": "Framework",
    "principle": "Principle",
    "practice": "Practice",
    "risk": "Risk",
    "case": "Case study",
    "term": "Term",
}
# Markdown (and Streamlit's label extensions: `:red[...]`, `$math$`) treat these as syntax;
# CommonMark lets a backslash make any ASCII punctuation literal.
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")
# Streamlit's Markdown (GFM) turns bare `https://...`, `www.` and e-mail addresses into links,
# in labels too, after backslash escapes are resolved; an invisible word joiner (U+2060) where
# each would start keeps them text.
WORD_JOINER = "\u2060"
AUTOLINK = re.compile(r"(?i)(?<![a-z])(https?|mailto|xmpp|ftp)(?=:)|(?<![a-z])(www)(?=\.)|(?=@)")
FIRST_WORDS = 8  # of a passage, in its label: enough to tell two passages of a section apart
WORD_CHARS = "A-Za-z'-"  # what counts as a word for the recommender's matched words
TITLE = (
    '<p class="app-title">Strategy guidance for small businesses</p>'
    '<p class="app-sub">Principles and frameworks from the library, '
    "matched to your situation, with the passages they come from.</p>"
)


def slug(text: str | None) -> str:
    """A CSS-safe class suffix: lower-case letters, digits and dashes only."""
    return "-".join(words(text or "")) or "none"


def md_escape(text: object) -> str:
    """Text for a Markdown label (expander, button, table cell): one line, every syntax
    character literal, no address that could become a link. Anything but text (a table's
    missing cell) is its `str`; None is empty."""
    text = "" if text is None else text if isinstance(text, str) else str(text)
    text = AUTOLINK.sub(lambda m: (m.group(0) or "") + WORD_JOINER, " ".join(text.split()))
    return MD_SPECIAL.sub(r"\\\1", text)


def code(text: object) -> str:
    """Text as a Markdown code span (paths, model names): one line, no backtick to break out."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def kind_label(kind: str | None) -> str:
    """What a kind is called on the page; a kind the page does not know yet keeps its name."""
    return KIND_LABELS.get(kind or "", (kind or "other").capitalize())


def badge(text: str, css: str = "") -> str:
    """One pill of text; `css` must come from `slug` or this module, never from a document."""
    return f'<span class="badge {css}">{escape(text)}</span>'


def badges(kind: str | None, levels: Iterable[str | None], doc_title: str | None = None) -> str:
    """Kind, level(s) and (optionally) document badges, in a wrapping row."""
    parts = [badge(kind_label(kind), f"kind-{slug(kind)}")]
    parts += [badge(level, f"level-{slug(level)}") for level in levels if level]
    if doc_title:
        parts.append(badge(doc_title, "doc"))
    return f'<div class="badges">{"".join(parts)}</div>'


def highlight(text: str, words: Iterable[str]) -> str:
    """`text` escaped for HTML, with each occurrence of `words` (whole words, any case) marked.

    The text is cut at the matches first and every piece escaped on its own, so a match can
    never fall inside an entity and no tag but `<mark>` can appear.
    """
    wanted = sorted({w for w in words if w and w.strip()}, key=len, reverse=True)
    if not wanted:
        return escape(text)
    pattern = re.compile(
        rf"(?<![{WORD_CHARS}])(?:{'|'.join(map(re.escape, wanted))})(?![{WORD_CHARS}])", re.I
    )
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def card_html(r: Recommendation, doc_title: str) -> str:
    """The head of a recommendation card: rank, title, badges, guidance, its worked example,
    a table row's fields and why it matched. `id="card-N"` is where a citation [N] jumps."""
    example = (
        f'<p class="example"><b>Example from the documents:</b> {escape(r.example)}</p>'
        if r.example
        else ""
    )
    return (
        f'<div class="rec" id="card-{int(r.rank)}">'
        f'<div class="rec-top"><span class="rec-rank">{int(r.rank)}</span>'
        f'<span class="rec-title">{escape(r.title)}</span></div>'
        f"{badges(r.kind, [r.level], doc_title)}"
        + (f'<p class="guidance">{escape(r.guidance)}</p>' if r.guidance else "")
        + example
        + fields_table(r.fields)
        + f'<p class="why"><b>Why this:</b> {escape(r.why)}</p>'
        "</div>"
    )


def fields_table(fields: dict[str, str]) -> str:
    """A table row's columns as a small label/value table (empty when there are none)."""
    if not fields:
        return ""
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in fields.items())
    return f'<table class="fields">{rows}</table>'


def start_here_html(summary: Summary, shown: set[tuple[int, int]]) -> str:
    """The short answer above the cards: its sentences, each citing its card, and the card's
    source passage where that passage is `shown` (one that repeats the guidance is not)."""

    def cite(s: Cited) -> str:
        rank = int(s.rank)
        target = source_anchor(rank, s.passage) if (rank, s.passage) in shown else f"card-{rank}"
        return f'<a class="cite" href="#{target}" title="Recommendation {rank}">[{rank}]</a>'

    sentences = " ".join(f"{escape(s.text)} {cite(s)}" for s in summary.sentences)
    strong = summary.strength == STRONG
    return (
        '<div class="start-here">'
        '<p class="start-title">Start here '
        f"{badge(summary.strength, 'match-strong' if strong else 'match-partial')}</p>"
        f'<p class="start-text">{sentences}</p>'
        "</div>"
    )


def source_anchor(rank: int, passage: int) -> str:
    """The id of a card's source passage, as a citation links to it."""
    return f"card-{int(rank)}-source-{int(passage)}"


def passage_label(number: int, section: str, text: str) -> str:
    """An expander label naming a passage by its own heading and first words (Markdown-escaped),
    so that two passages of one document never look the same."""
    opening = truncate(" ".join(body(text).split()[:FIRST_WORDS]), 60)
    return f"Source {number}: {md_escape(section)} — “{md_escape(opening)}”"


def passage_html(text: str, matched: Iterable[str], anchor: str | None = None) -> str:
    """A source passage with the query's words marked (its expander's label names its place)."""
    target = f' id="{escape(anchor)}"' if anchor else ""
    return f'<p class="passage"{target}>{highlight(text, matched)}</p>'


def summary_html(count: int, query: str, filters: list[str]) -> str:
    """The line above the cards: how many, for which question (cut short), under which filters."""
    noun = "recommendation" if count == 1 else "recommendations"
    extra = f" · {escape(', '.join(filters))}" if filters else ""
    query = truncate(query, 90)
    return f'<p class="summary">{count} {noun} for “{escape(query)}”, best first{extra}</p>'


def abstention_html(reason: str | None, doc_titles: list[str], filtered: bool) -> str:
    """The friendly "nothing here fits" message, with what the library does cover."""
    covers = "".join(f"<li>{escape(t)}</li>" for t in doc_titles)
    tips = [
        "Describe what is happening in your business in a sentence or two: "
        "what changed, who is involved, what is not working.",
        "Start from one of the example situations above.",
        "Look a framework up by name on the <b>Frameworks</b> page.",
    ]
    if filtered:
        tips.insert(
            0, "Set the level to <b>Any level</b> and the document to <b>All documents</b>."
        )
    tip_items = "".join(f"<li>{t}</li>" for t in tips)  # our own text: no document words
    detail = f'<p class="why">Details: {escape(reason)}.</p>' if reason else ""
    return (
        '<div class="notice">'
        '<p class="notice-title">Nothing in the library fits this situation yet</p>'
        "<p>Rather than guess, the guide only answers from its documents, and none of them "
        "is close enough to what you wrote. The library covers:</p>"
        f"<ul>{covers}</ul><p>You could try:</p><ul>{tip_items}</ul>{detail}"
        "</div>"
    )


def concept_html(title: str, kind: str, levels: list[str], definition: str,
                 fields: dict[str, str], sources: list[tuple[str, str | None, str]],
                 references: list[str]) -> str:  # fmt: skip
    """The detail view of one concept: definition, table fields, sources and references."""
    parts = [
        '<div class="detail">',
        f'<p class="detail-title">{escape(title)}</p>',
        badges(kind, levels),
    ]
    if not (fields and is_table_row(definition)):  # a table row's definition is its fields
        parts += ["<h4>Definition</h4>", f"<p>{escape(definition) or '—'}</p>"]
    if fields:
        rows = "".join(
            f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in fields.items()
        )
        parts += ["<h4>In the documents' comparison</h4>", f"<table>{rows}</table>"]
    parts.append("<h4>Sources</h4><ul>")
    parts += [
        "<li>" + " · ".join(escape(p) for p in (doc, level, section) if p) + "</li>"
        for doc, level, section in sources
    ]
    parts.append("</ul><h4>References</h4>")
    if references:
        parts.append("<ul>" + "".join(f"<li>{escape(r)}</li>" for r in references) + "</ul>")
    else:
        parts.append("<p>None cited.</p>")
    parts.append("</div>")
    return "".join(parts)


def sort_levels(levels: Iterable[str | None]) -> list[str]:
    """Levels in teaching order (unknown ones last, alphabetically)."""
    known = {lv: i for i, lv in enumerate(LEVELS)}
    return sorted({lv for lv in levels if lv}, key=lambda lv: (known.get(lv, 99), lv))


def sort_kinds(kinds: Iterable[str]) -> list[str]:
    """Kinds in the order the page lists them (unknown ones last, alphabetically)."""
    known = {kind: i for i, kind in enumerate(KIND_LABELS)}
    return sorted(set(kinds), key=lambda kind: (known.get(kind, len(known)), kind))
