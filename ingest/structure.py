"""Structure: cleaned lines become a document tree (levels, sections, blocks).

`parse` runs the jobs in order: classify each line (`ingest.classify`), take the site's
closing summary off the body (here), gather tables (`ingest.tables`) and build the tree
(`ingest.tree`, which splits list-item titles with `ingest.items` and links citations with
`ingest.citations`); a document with no title is then named (here). The site's own sections
(levels, `References`, `Reflection`, `Explore`, the closing summary) are layout, not content.
"""

from __future__ import annotations

from ingest.classify import CLOSING, EXPLORE, LEVELS, REFERENCES, Line, classify
from ingest.clean import CleanLine
from ingest.subject import find_subject
from ingest.tables import group_tables
from ingest.tree import TreeBuilder
from kb.model import GlossaryEntry, ParsedDocument, Section

__all__ = ["CLOSING", "EXPLORE", "LEVELS", "REFERENCES", "infer_title", "parse", "split_closing"]

SUMMARY_CHARS = 200


def parse(
    doc: str, path: str, title: str | None, fmt: str, sha256: str, lines: list[CleanLine]
) -> ParsedDocument:
    """Build the document tree from cleaned lines.

    Args:
        doc: the document id; path, fmt, sha256: carried into the result.
        title: a known title (catalog or file metadata), else one is inferred.
        lines: the output of `ingest.clean.clean`.

    Returns:
        A `ParsedDocument` whose block offsets point into its cleaned `text`.
    """
    summary, keywords, classified = split_closing(classify(lines))
    builder = TreeBuilder(doc)
    for line in group_tables(classified):
        builder.add(line)
    sections = builder.finish()
    return ParsedDocument(
        doc=doc,
        path=path,
        title=title or infer_title(sections, summary, doc, path, builder.glossary),
        format=fmt,
        sha256=sha256,
        text=builder.text(),
        sections=sections,
        glossary=builder.glossary,
        references=builder.references,
        summary=summary,
        explore=builder.explore,
        keywords=keywords,
    )


def split_closing(lines: list[Line]) -> tuple[str | None, list[str], list[Line]]:
    """Take the site's closing summary (and a keyword line before it) off the body.

    Only pages laid out in levels have them: there the last short paragraph before
    `Explore` (or the end) sums the page up.
    """
    if not any(line.kind == "level" for line in lines):
        return None, [], lines
    closing = {ln.text.lower() for ln in lines if ln.kind == "heading"} & (EXPLORE | CLOSING)
    end = next(
        (i for i, ln in enumerate(lines) if ln.kind == "heading" and ln.text.lower() in EXPLORE),
        len(lines),
    )
    body = [i for i in range(end) if lines[i].kind != "blank"]
    if not body:
        return None, [], lines
    last = lines[body[-1]]
    if last.kind not in ("text", "heading") or len(last.text) > SUMMARY_CHARS:
        return None, [], lines
    drop = {body[-1]}
    keywords: list[str] = []
    if len(body) > 1 and _is_keyword_line(lines[body[-2]]):
        keywords = [k.strip() for k in lines[body[-2]].text.split(",") if k.strip()]
        drop.add(body[-2])
    if not (closing or keywords):  # a plain last paragraph is content, not a summary
        return None, [], lines
    if not any(lines[i].kind in ("text", "item", "row") for i in body if i not in drop):
        return None, [], lines  # the page's only paragraph is its content
    return last.text, keywords, [ln for i, ln in enumerate(lines) if i not in drop]


def _is_keyword_line(line: Line) -> bool:
    """A comma-separated list of keywords ("a, b, c"), not a sentence."""
    return line.kind in ("text", "heading") and line.text.count(",") >= 2 and "." not in line.text


def infer_title(
    sections: list[Section],
    summary: str | None,
    doc: str,
    path: str = "",
    glossary: list[GlossaryEntry] = (),
) -> str:
    """A document with no title is named by its subject (`ingest.subject`), its summary's
    lead, its first heading or its file."""
    if subject := find_subject(path or doc, sections, glossary):
        return subject.title
    if summary and " — " in summary:
        return summary.split(" — ")[0].strip()
    for section in sections:
        if section.level is None or section.heading != section.level:
            return section.heading
    return doc.replace("-", " ").replace("_", " ").strip().title()
