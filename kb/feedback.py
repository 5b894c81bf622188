"""Users' thumbs up / down on recommendations, for later evaluation.

Kept in `<kb_dir>/feedback.sqlite`, beside the versions and across them: each vote records the
KB version it was given on, so an evaluation can tell old answers from new ones. The table is
created on first use; a vote is one row (a changed mind is a newer row, the latest one counts).
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError, UsageError
from kb.store import resolve_kb_dir
from kb.text import MAX_QUERY_CHARS

FILE = "feedback.sqlite"
# 2: no index on (query, concept): nothing looked votes up by it, and it held every question
# a second time (half of a 168 MB file at 20,000 long questions)
SCHEMA_VERSION = 2
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
"""
UP, DOWN = 1, -1
MAX_VOTES = 20_000  # the newest votes kept, at most
# The votes file's pages in use, at most. Rows alone did not bound it: 20,000 votes on
# 2,000-character questions took 168 MB. 8 MB holds about 20,000 votes on questions of 300
# characters, or about 1,800 on the longest (`MAX_QUERY_CHARS` two-byte characters); past
# it the oldest votes go first, as past `MAX_VOTES` (measured: tests/core/test_storage_safety.py).
MAX_VOTES_BYTES = 8 << 20
TRIM_TO = 0.75  # a trim keeps the newest votes up to this share of the cap, not one vote a time
ROW_BYTES = 64  # a vote's bytes besides its texts (id, time, vote, version), about


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


def connect(kb_dir: str | Path | None = None, write: bool = False) -> sqlite3.Connection:
    """Open (and on first use create) the feedback database of a KB folder; a writer also
    brings a file of an older schema up to date (a reader leaves it as it is, so a
    read-only KB still shows its votes)."""
    root = resolve_kb_dir(kb_dir)
    root.mkdir(parents=True, exist_ok=True)
    # A page with several sessions may vote at once: wait for the writer rather than fail.
    db = sqlite3.connect(root / FILE, timeout=10)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        with db:
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    elif version < SCHEMA_VERSION and write:
        upgrade(db)
    return db


def upgrade(db: sqlite3.Connection) -> None:
    """A file of schema 1: its index dropped, its votes trimmed to the byte cap, and the
    space given back to the disk (once)."""
    with db:
        db.execute("DROP INDEX IF EXISTS feedback_query")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        trim(db)
    # the space given back needs room for a copy: on a full disk it waits, the vote does not
    with suppress(sqlite3.OperationalError):
        db.execute("VACUUM")


def used_bytes(db: sqlite3.Connection) -> int:
    """The bytes of the file's pages that hold something (freed pages are reused first)."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    return (pages - free) * db.execute("PRAGMA page_size").fetchone()[0]


def trim(db: sqlite3.Connection) -> None:
    """Past `MAX_VOTES_BYTES` in use, drop the oldest votes, keeping the newest ones whose
    bytes come to `TRIM_TO` of it (rows' texts weighed by what the pages in use hold)."""
    used = used_bytes(db)
    if used <= MAX_VOTES_BYTES:
        return
    weight = (
        "length(CAST(query AS BLOB)) + length(CAST(title AS BLOB)) + "
        f"length(CAST(concept AS BLOB)) + {ROW_BYTES}"
    )
    total = db.execute(f"SELECT SUM({weight}) FROM feedback").fetchone()[0] or 0
    keep = total * (MAX_VOTES_BYTES * TRIM_TO) / used
    oldest_kept = db.execute(
        f"SELECT MIN(id) FROM (SELECT id, SUM({weight}) OVER (ORDER BY id DESC) AS newer "
        "FROM feedback) WHERE newer <= ?",
        (keep,),
    ).fetchone()[0]
    if oldest_kept is None:  # the newest vote alone is over: it is kept all the same
        oldest_kept = db.execute("SELECT MAX(id) FROM feedback").fetchone()[0]
    db.execute("DELETE FROM feedback WHERE id < ?", (oldest_kept,))


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
        with closing(connect(kb_dir, write=True)) as db, db:
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
            trim(db)  # and the oldest go once the file's bytes reach theirs
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
