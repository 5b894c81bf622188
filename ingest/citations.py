"""References and citations: reference-list entries parsed, in-text citations linked to them.

Both sides meet on one key, the first author's surname and the year ("kaplan-1996"), so
"(Kaplan & Norton, 1996)" in the text finds "Kaplan, R. S., & Norton, D. P. (1996). ...".
"""

from __future__ import annotations

import re

from kb.model import Reference

# A parenthesis holding one or more "Author[, Author][ & Author], 1996" separated by ";".
CITATION_GROUP = re.compile(r"\(([^()]*?\b\d{4}[a-z]?)\)")
ONE_CITATION = re.compile(
    r"^\s*([A-Z][\w’'\-]+)"  # the first author's surname
    r"(?:,?\s+et al\.|(?:,?\s*(?:&|and)?\s*[A-Z][\w’'\-]+)*),?\s+(\d{4})[a-z]?\s*$"
)
REFERENCE = re.compile(
    r"^(?P<authors>.+?)\s*\((?P<year>\d{4})[a-z]?\)\.?\s*(?P<title>.+?[.?!])\s+(?P<source>.*)$"
)


def parse_reference(text: str) -> Reference | None:
    """ "Kaplan, R. S., & Norton, D. P. (1996). Title. Source." as a Reference."""
    entry = text.lstrip("-• ").strip()
    m = REFERENCE.match(entry)
    if not m:
        return None
    authors = m.group("authors").strip().rstrip(",.")
    surname = authors.split(",")[0].split()[0] if authors else ""
    year = m.group("year")
    return Reference(
        key=citation_key(surname, year),
        authors=authors,
        year=year,
        title=m.group("title").strip().rstrip("."),
        source=m.group("source").strip(),
        text=entry,
    )


def citation_key(surname: str, year: str) -> str:
    """The key a reference and its citations share: "kaplan-1996"."""
    return f"{surname.lower().replace('’', '').replace(chr(39), '')}-{year}"


def find_citations(text: str) -> list[str]:
    """Keys of the in-text citations: "(Kaplan & Norton, 1996)" -> ["kaplan-1996"],
    "(Teece, Pisano, & Shuen, 1997)" -> ["teece-1997"]."""
    keys = []
    for group in CITATION_GROUP.finditer(text):
        for part in group.group(1).split(";"):
            if m := ONE_CITATION.match(part):
                keys.append(citation_key(m.group(1), m.group(2)))
    return keys
