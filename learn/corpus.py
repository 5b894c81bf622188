"""The training corpus: owners' situations labelled with the concepts that answer them.

A corpus is a folder of JSON-lines files (default `data/training/`), one item a line:

    {"text": "waiters keep a paper pad beside the new tablets", "concepts": ["Title", ...]}

`concepts` names the concept titles that answer the situation, best first; an empty list marks
a question the documents do not answer (it teaches abstention). An item may also carry
`"avoid": [titles]`, concepts that look close but do not answer it (hard negatives). Page
feedback joins as items too: a thumbs-up is a label, a thumbs-down an `avoid`.

Items are split by a hash of their text (and of their titles), so the split never depends on
file order and an item keeps its part as the corpus grows:
- concepts held out: about 1 in 10 labelled titles. The items whose best answer is one of
  them are held out; a second encoder, which never sees those titles (they are taken out of
  the other items' labels too), is measured on them: they stand for a new document, on
  which it must do no worse than the untouched model (the product's own encoder does learn
  from them);
- items held out: about 1 in 7 of the rest, for evaluation only;
- calibration: another 1 in 7 (and part of the off-topic items), for the abstention fit, on
  which the model has not trained;
- training: the rest, and every feedback item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.feedback import UP, Vote
from kb.learned import Item
from kb.text import normalise, sha256_text

CONCEPT_HOLDOUT = 10  # one in this many labelled titles is held out of training
ITEM_HOLDOUT = 7  # one in this many items is held out, another one is for calibration
OFF_TOPIC_PARTS = 5  # off-topic: 1 part for evaluation, 2 calibration, 2 reference


@dataclass
class TrainingCorpus:
    """The corpus, checked against a KB's concept titles and split into its parts."""

    train: list[Item] = field(default_factory=list)
    calibration: list[Item] = field(default_factory=list)  # in-domain and off-topic
    reference: list[Item] = field(default_factory=list)  # off-topic examples to compare with
    heldout_items: list[Item] = field(default_factory=list)  # in-domain and off-topic
    heldout_concepts: list[Item] = field(default_factory=list)
    held_titles: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)  # items refused, with the reason

    @property
    def empty(self) -> bool:
        return not self.train

    @property
    def unseen(self) -> list[Item]:
        """What the measuring encoder trains on: the training part, with the held-out titles
        taken out of its labels, so that those concepts are as new to it as a new
        document's would be."""
        return [
            replace(i, concepts=tuple(t for t in i.concepts if t not in self.held_titles))
            for i in self.train
        ]

    @property
    def learned(self) -> list[Item]:
        """What the product's encoder trains on: the training part and the items of the
        held-out concepts, which only the encoder that measures them never sees."""
        return self.train + self.heldout_concepts

    def digest(self) -> str:
        """The product's training items, hashed (see `digest`)."""
        return digest(self.learned)


def digest(items: list[Item]) -> str:
    """What training reads, hashed: a changed item or vote means a new model."""
    rows = sorted(json.dumps([i.text, i.concepts, i.avoid]) for i in items)
    return sha256_text("\n".join(rows))


def bucket(key: str, parts: int) -> int:
    """A stable part number for a text: the same text always lands in the same part."""
    return int(sha256_text(key)[:12], 16) % parts


def read_items(folder: Path) -> tuple[list[Item], list[str]]:
    """Every item of every `*.jsonl` file in `folder` (none if it does not exist).

    Returns:
        The items, and one line per refused item saying where it is and why.
    """
    items: list[Item] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        try:
            # undecodable bytes kept as lone surrogates, so one bad byte costs its line only
            text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        except OSError as exc:
            problems.append(f"{path.name}: cannot be read ({exc.strerror or exc})")
            continue
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{n}"
            bad = not_utf8(line)
            if bad:
                problems.append(f"{where}: {bad}")
                continue
            try:
                items.append(parse_item(json.loads(line), where))
            except (ValueError, TypeError) as exc:
                problems.append(f"{where}: {exc}")
    return items, problems


def not_utf8(line: str) -> str | None:
    """What is wrong with a line decoded with `surrogateescape`, if it held bytes that are
    not UTF-8 (a Latin-1 'é' saved by another editor); None for a good line."""
    for column, char in enumerate(line, start=1):
        if "\udc80" <= char <= "\udcff":
            byte = ord(char) - 0xDC00
            return f"not valid UTF-8 (byte 0x{byte:02x} at column {column}); save the file as UTF-8"
    return None


def parse_item(row: object, where: str) -> Item:
    """One JSON object as an Item; ValueError says what is wrong with it."""
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object with a text")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("no text")
    concepts, avoid = row.get("concepts", []), row.get("avoid", [])
    for name, titles in (("concepts", concepts), ("avoid", avoid)):
        if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
            raise ValueError(f"{name} must be a list of concept titles")
    return Item(" ".join(text.split()), tuple(concepts), tuple(avoid), where)


def feedback_items(votes: Iterable[Vote]) -> list[Item]:
    """Votes as items: the latest vote on each (query, concept) counts, ups are labels."""
    latest: dict[tuple[str, str], Vote] = {}
    for vote in votes:
        latest[(vote.query, vote.title)] = vote
    by_query: dict[str, tuple[list[str], list[str]]] = {}
    for (query, title), vote in latest.items():
        ups, downs = by_query.setdefault(query, ([], []))
        (ups if vote.vote == UP else downs).append(title)
    # A query with only thumbs-down says what is wrong, not what is right: nothing to learn
    # a positive from, so it waits until someone marks an answer as helpful.
    return [
        Item(query, tuple(ups), tuple(downs), "feedback")
        for query, (ups, downs) in by_query.items()
        if ups
    ]


def checked(item: Item, titles: dict[str, str]) -> tuple[Item | None, str | None]:
    """The item with its titles spelled as the KB spells them, or the reason it is refused."""
    unknown = [t for t in item.concepts + item.avoid if normalise(t) not in titles]
    if unknown:
        return None, f"{item.source}: not a concept of this KB: {', '.join(unknown)}"
    return (
        Item(
            item.text,
            tuple(titles[normalise(t)] for t in item.concepts),
            tuple(titles[normalise(t)] for t in item.avoid),
            item.source,
        ),
        None,
    )


def build(folder: Path, titles: Iterable[str], votes: Iterable[Vote] = ()) -> TrainingCorpus:
    """Read, check against the KB's titles and split the corpus (and the page's feedback)."""
    known = {normalise(t): t for t in titles}
    items, problems = read_items(folder)
    corpus = TrainingCorpus(problems=problems)
    labelled = {normalise(t) for item in items for t in item.concepts} & set(known)
    corpus.held_titles = {
        known[t] for t in labelled if bucket("concept:" + t, CONCEPT_HOLDOUT) == 0
    }
    seen: set[str] = set()
    for raw in items + feedback_items(votes):
        item, problem = checked(raw, known)
        if problem:
            corpus.problems.append(problem)
        elif item.text not in seen:
            seen.add(item.text)
            part_of(corpus, item).append(item)
    return corpus


def part_of(corpus: TrainingCorpus, item: Item) -> list[Item]:
    """Which part of the corpus an item belongs to (see the module's docstring)."""
    if item.source == "feedback":
        return corpus.train
    if item.off_topic:
        part = bucket("item:" + item.text, OFF_TOPIC_PARTS)
        if part == 0:
            return corpus.heldout_items
        return corpus.calibration if part <= 2 else corpus.reference
    if item.concepts[0] in corpus.held_titles:
        return corpus.heldout_concepts
    part = bucket("item:" + item.text, ITEM_HOLDOUT)
    if part == 0:
        return corpus.heldout_items
    return corpus.calibration if part == 1 else corpus.train
