"""What a KB version learned from its training corpus, as `learn/` hands it to storage and the
recommender reads it back.

Typed here, once, because three packages meet on it: `learn.version` writes it,
`kb.store` saves it (`training.json`, beside the query vectors in `calibration.npz`) and
`recommender` ranks, abstains and evaluates with it. The file keeps the form it has always
had, so versions written before this module load unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# The query sets a version stores (texts here, vectors in calibration.npz): situations the
# documents answer and questions they do not, to fit the abstention rule on; and the training
# corpus's examples of either side, which a new question is compared with.
IN_DOMAIN, OFF_TOPIC = "in_domain", "out_of_domain"
LIKE_IN, LIKE_OUT = "reference_in", "reference_out"


@dataclass(frozen=True)
class Item:
    """One situation (or off-topic question) and what answers it."""

    text: str
    concepts: tuple[str, ...] = ()  # best first; () = the documents do not answer it
    avoid: tuple[str, ...] = ()
    source: str = ""  # "file.jsonl:12" or "feedback"

    @property
    def off_topic(self) -> bool:
        return not self.concepts


@dataclass(frozen=True)
class Examples:
    """Example situations and the concept titles each is labelled with, side by side: the
    ranking reads row i of the examples' vectors as speaking for labels[i]."""

    texts: tuple[str, ...] = ()
    labels: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} example texts but {len(self.labels)} labels")


@dataclass(frozen=True)
class HeldOutQuery:
    """A corpus item kept out of training, as a labelled query of `../shared/eval/dev.jsonl`."""

    id: str
    kind: str  # "situation" or "ood"
    query: str
    relevant: dict[str, int]  # title -> grade (2 best, 1 also relevant)

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "query": self.query, "relevant": self.relevant}


@dataclass(frozen=True)
class Measuring:
    """What the encoder that measures the held-out concepts learns from and compares with:
    recorded so that `kb eval --heldout` can train it later exactly as the build named it."""

    examples: Examples = Examples()  # never naming a held-out concept
    # its training items, the held-out titles taken out of their labels (without `source`:
    # where an item was read is not part of what it teaches)
    items: tuple[Item, ...] = ()
    hidden: tuple[str, ...] = ()  # the held-out titles, kept out of training altogether


@dataclass(frozen=True)
class TrainingRecord:
    """A version's `training.json`: the texts of its query sets and its held-out parts."""

    folder: str | None = None  # the corpus folder it learned from
    queries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # IN_DOMAIN, OFF_TOPIC, ...
    examples: Examples = Examples()  # the LIKE_IN set, with its labels
    measuring: Measuring = Measuring()
    held_titles: tuple[str, ...] = ()
    heldout_items: tuple[HeldOutQuery, ...] = ()
    heldout_concepts: tuple[HeldOutQuery, ...] = ()
    refused: tuple[str, ...] = ()  # corpus items refused, with the reason

    def texts(self) -> dict[str, tuple[str, ...]]:
        """Every query set's texts by set name, the examples as LIKE_IN: what is embedded."""
        if not self.examples.texts:
            return self.queries
        return {**self.queries, LIKE_IN: self.examples.texts}

    def to_json(self) -> dict:
        measuring = self.measuring
        return {
            "folder": self.folder,
            "texts": {name: list(texts) for name, texts in self.texts().items()},
            "example_concepts": [list(labels) for labels in self.examples.labels],
            "measuring": {
                "texts": {LIKE_IN: list(measuring.examples.texts)},
                "example_concepts": [list(labels) for labels in measuring.examples.labels],
                "items": [
                    {"text": i.text, "concepts": list(i.concepts), "avoid": list(i.avoid)}
                    for i in measuring.items
                ],
                "hidden": list(measuring.hidden),
            },
            "held_titles": list(self.held_titles),
            "heldout_items": [q.to_json() for q in self.heldout_items],
            "heldout_concepts": [q.to_json() for q in self.heldout_concepts],
            "refused": list(self.refused),
        }

    @classmethod
    def from_json(cls, data: dict) -> TrainingRecord:
        """The record of a `training.json`; {} (a version from before training) is EMPTY."""
        texts = {name: tuple(t) for name, t in data.get("texts", {}).items()}
        measuring = data.get("measuring", {})
        return cls(
            folder=data.get("folder"),
            queries={name: t for name, t in texts.items() if name != LIKE_IN},
            examples=read_examples(texts.get(LIKE_IN, ()), data.get("example_concepts", [])),
            measuring=Measuring(
                read_examples(
                    measuring.get("texts", {}).get(LIKE_IN, ()),
                    measuring.get("example_concepts", []),
                ),
                tuple(
                    Item(i["text"], tuple(i["concepts"]), tuple(i["avoid"]))
                    for i in measuring.get("items", [])
                ),
                tuple(measuring.get("hidden", [])),
            ),
            held_titles=tuple(data.get("held_titles", [])),
            heldout_items=tuple(HeldOutQuery(**q) for q in data.get("heldout_items", [])),
            heldout_concepts=tuple(HeldOutQuery(**q) for q in data.get("heldout_concepts", [])),
            refused=tuple(data.get("refused", [])),
        )


EMPTY = TrainingRecord()


def read_examples(texts: tuple[str, ...], labels: list[list[str]]) -> Examples:
    """Examples read from a file. A version built without a corpus has no example texts,
    though one written before this module still lists labels for them: they label nothing."""
    return Examples(tuple(texts), tuple(tuple(t) for t in labels)) if texts else Examples()


@dataclass(frozen=True)
class Learned:
    """What learning hands to a new version: the query encoder, the query sets' vectors (by
    set name, row for row with `record.texts()`), the record, and its summary."""

    query_model: str | None  # None: the documents' model reads questions too
    calibration: dict[str, np.ndarray]
    record: TrainingRecord = EMPTY
    summary: dict = field(default_factory=dict)  # for the manifest and the ingest report
