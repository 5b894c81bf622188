"""Users' thumbs up / down on recommendations, for later evaluation.

Kept in `<kb_dir>/feedback.sqlite`, beside the versions and across them: each vote records the
KB version it was given on, so an evaluation can tell old answers from new ones. The table is
created on first use; a vote is one row (a changed mind is a newer row, the latest one counts).
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError, UsageError
from kb.store import resolve_kb_dir
from kb.text import MAX_QUERY_CHARS

FILE = "feedback.sqlite"
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    query TEXT NOT NULL,
    concept TEXT NOT NULL,
    title TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    kb_version TEXT
);
CREATE INDEX IF NOT EXISTS feedback_query ON feedback (query, concept);
"""
UP, DOWN = 1, -1
MAX_VOTES = 20_000  # the newest votes kept: the file stays a few MB, however busy the page


class FeedbackUnavailable(KBError):
    """The votes file cannot be read or written (a read-only folder, a damaged file)."""


@dataclass
class Vote:
    """One thumbs up (1) or down (-1) on one recommended concept for one query."""

    ts: str
    query: str
    concept: str
    title: str
    vote: int
    kb_version: str | None


def connect(kb_dir: str | Path | None = None) -> sqlite3.Connection:
    """Open (and on first use create) the feedback database of a KB folder."""
    root = resolve_kb_dir(kb_dir)
    root.mkdir(parents=True, exist_ok=True)
    # A page with several sessions may vote at once: wait for the writer rather than fail.
    db = sqlite3.connect(root / FILE, timeout=10)
    if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        with db:
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return db


def unavailable(root: Path, exc: Exception) -> FeedbackUnavailable:
    """One line that names the file and what is wrong with it."""
    return FeedbackUnavailable(f"the votes in {root / FILE} cannot be used ({exc})")


def record(
    kb_dir: str | Path | None,
    query: str,
    concept: str,
    title: str,
    vote: int,
    kb_version: str | None = None,
) -> Vote:
    """Store one vote.

    Args:
        kb_dir: the KB folder (see `kb.store.resolve_kb_dir`).
        query: the situation as the recommender read it.
        concept: the recommended concept's id.
        title: its title, kept so that a vote stays readable after the concept is gone.
        vote: 1 (helpful) or -1 (not helpful).
        kb_version: the KB version that gave the recommendation.

    Returns:
        The vote as stored.

    Raises:
        UsageError: the vote is not 1 or -1, or the query is empty.
        FeedbackUnavailable: the votes file cannot be written.
    """
    if vote not in (UP, DOWN):
        raise UsageError(f"a vote is 1 (up) or -1 (down), not {vote!r}")
    if not query.strip():
        raise UsageError("a vote needs the query it was given on")
    row = Vote(
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        query[:MAX_QUERY_CHARS],
        concept,
        title,
        vote,
        kb_version,
    )
    try:
        with closing(connect(kb_dir)) as db, db:
            db.execute(
                "INSERT INTO feedback (ts, query, concept, title, vote, kb_version) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (row.ts, row.query, row.concept, row.title, row.vote, row.kb_version),
            )
            # the oldest go first once the cap is reached (ids only grow: AUTOINCREMENT)
            db.execute(
                "DELETE FROM feedback WHERE id <= (SELECT MAX(id) FROM feedback) - ?",
                (MAX_VOTES,),
            )
    except (sqlite3.Error, OSError) as exc:
        raise unavailable(resolve_kb_dir(kb_dir), exc) from exc
    return row


def votes(kb_dir: str | Path | None = None, latest: int | None = None) -> list[Vote]:
    """The votes stored in a KB folder, oldest first: all, or the `latest` few ([] when
    nobody has voted yet)."""
    order = "ORDER BY id" if latest is None else f"ORDER BY id DESC LIMIT {int(latest)}"
    rows = query_votes(
        kb_dir, f"SELECT ts, query, concept, title, vote, kb_version FROM feedback {order}"
    )
    return [Vote(*row) for row in (rows if latest is None else reversed(rows))]


def counts(kb_dir: str | Path | None = None) -> tuple[int, int]:
    """(helpful, not helpful): counted by the database, fast however many votes there are."""
    rows = query_votes(
        kb_dir, "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback"
    )
    return tuple(rows[0]) if rows else (0, 0)


def query_votes(kb_dir: str | Path | None, sql: str) -> list[tuple]:
    root = resolve_kb_dir(kb_dir)
    if not (root / FILE).exists():
        return []
    try:
        with closing(connect(root)) as db:
            return db.execute(sql).fetchall()
    except (sqlite3.Error, OSError) as exc:
        raise unavailable(root, exc) from exc
