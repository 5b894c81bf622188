"""Table cells that stay text in a spreadsheet: what the page's tables show, what Streamlit's
own "Download as CSV" of those tables exports, and the page's CSV downloads.

A cell a spreadsheet would evaluate (`=HYPERLINK(...)` in a vote's question, `+1+1` in a
document's title), also behind leading spaces or control characters (`\\r=2+2`), is turned into
text by a leading quote, as OWASP's CSV-injection advice says. Cells shown in a table are also
put on one line, so that no CR or newline can start a row of their export; the page's own CSV
files quote every field. No Streamlit here: plain functions, tested directly.
"""

from __future__ import annotations

import csv
import re
import unicodedata

import pandas as pd

FORMULA_START = frozenset("=+-@＝＋－＠")  # what a spreadsheet may run as a formula
# What may hide a formula's first character: spaces, control and invisible format characters.
LEADING = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]*")


def live(value: str) -> bool:
    """Whether a spreadsheet could read this text as a formula: after any leading spaces and
    control characters it starts with = + - @, or it starts with a tab or CR at all."""
    lead = LEADING.match(value).group(0)
    rest = value[len(lead) :]
    return bool(rest) and rest[0] in FORMULA_START or "\t" in lead or "\r" in lead


def inert(value):
    """A cell as text: a string that could be a formula gets a leading quote; other values
    are kept."""
    return f"'{value}" if isinstance(value, str) and live(value) else value


def one_line(text: str) -> str:
    """Text on one line: every control or invisible format character a space, spaces tidied."""
    cleaned = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
    )
    return " ".join(cleaned.split())


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the page shows it (st.dataframe, whose toolbar exports it as CSV): every
    text cell on one line and inert; missing cells empty; column names alike."""
    frame = frame.copy()
    frame.columns = [inert(one_line(str(c))) for c in frame.columns]
    return frame.map(lambda v: inert(one_line(v)) if isinstance(v, str) else v)


def safe_csv(frame: pd.DataFrame) -> str:
    """The table as CSV with every field quoted (a CR in a cell cannot end a row) and every
    cell a spreadsheet would evaluate made inert."""
    frame = frame.copy()
    frame.columns = [inert(str(c)) for c in frame.columns]
    return frame.map(inert).to_csv(index=False, quoting=csv.QUOTE_ALL)
