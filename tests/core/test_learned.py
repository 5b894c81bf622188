"""The training record (`kb.learned`) without a model: it is saved and read back whole, and a
`training.json` written before the record was typed still loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb import store
from kb.learned import (
    EMPTY,
    IN_DOMAIN,
    LIKE_IN,
    LIKE_OUT,
    OFF_TOPIC,
    Examples,
    HeldOutQuery,
    Item,
    Measuring,
    TrainingRecord,
)

RECORD = TrainingRecord(
    folder="data/training",
    queries={
        IN_DOMAIN: ("our staff resist the new till",),
        OFF_TOPIC: ("how do I file quarterly taxes",),
        LIKE_OUT: ("a recipe for sourdough",),
    },
    examples=Examples(
        ("waiters keep a paper pad", "Phased Rollout"), (("Change Management", "Training"), ())
    ),
    measuring=Measuring(
        Examples(("waiters keep a paper pad",), (("Training",),)),
        (Item("waiters keep a paper pad", ("Training",), ("Pricing",)),),
        ("Change Management",),
    ),
    held_titles=("Change Management",),
    heldout_items=(
        HeldOutQuery("heldout-item-0", "situation", "sales dip", {"Pricing": 2, "Promotion": 1}),
        HeldOutQuery("heldout-item-1", "ood", "file my taxes", {}),
    ),
    heldout_concepts=(HeldOutQuery("heldout-concept-0", "situation", "staff resist", {}),),
    refused=("a.jsonl:3: not a concept of this KB: Nothing",),
)

# As the untyped writer wrote it for a corpus: the texts of every set, the examples' labels
# by texts[LIKE_IN], and the held-out sets in the form of `../shared/eval/dev.jsonl`.
OLD = {
    "folder": "data/training",
    "texts": {
        IN_DOMAIN: ["our staff resist the new till"],
        OFF_TOPIC: ["how do I file quarterly taxes"],
        LIKE_IN: ["waiters keep a paper pad", "Phased Rollout"],
        LIKE_OUT: ["a recipe for sourdough"],
    },
    "example_concepts": [["Change Management", "Training"], []],
    "measuring": {
        "texts": {LIKE_IN: ["waiters keep a paper pad"]},
        "example_concepts": [["Training"]],
        "items": [{"text": "waiters keep a paper pad", "concepts": ["Training"], "avoid": []}],
        "hidden": ["Change Management"],
    },
    "held_titles": ["Change Management"],
    "heldout_items": [
        {"id": "heldout-item-0", "kind": "situation", "query": "sales dip", "relevant": {"P": 2}}
    ],
    "heldout_concepts": [],
    "refused": [],
}


def write(root: Path, record: TrainingRecord) -> str:
    """A version with no documents and this record, through the store."""
    none = np.zeros((0, 4), dtype=np.float32)
    manifest = {"model": "stand-in", "dimensions": 4}
    return store.write_version(root, [], [], none, [], none, manifest, {}, record)


def test_a_record_written_is_read_back_equal(tmp_path: Path) -> None:
    write(tmp_path, RECORD)
    assert store.open_kb(tmp_path).training == RECORD


def test_a_version_without_training_reads_as_empty(tmp_path: Path) -> None:
    write(tmp_path, EMPTY)
    assert store.open_kb(tmp_path).training == EMPTY
    assert TrainingRecord.from_json({}) == EMPTY


def test_an_old_training_json_loads_and_is_written_back_the_same() -> None:
    record = TrainingRecord.from_json(OLD)
    assert record.examples.texts == ("waiters keep a paper pad", "Phased Rollout")
    assert record.examples.labels == (("Change Management", "Training"), ())
    assert record.texts()[LIKE_IN] == record.examples.texts
    assert record.measuring.items == (Item("waiters keep a paper pad", ("Training",)),)
    assert record.heldout_items[0].to_json() == OLD["heldout_items"][0]
    assert record.to_json() == OLD


def test_labels_left_without_their_texts_label_nothing() -> None:
    """A version built without a corpus once stored the titles' labels but not the titles."""
    old = {"texts": {IN_DOMAIN: ["a"], OFF_TOPIC: ["b"]}, "example_concepts": [[], []]}
    record = TrainingRecord.from_json(old)
    assert record.examples == Examples()
    assert LIKE_IN not in record.texts()


def test_examples_whose_labels_do_not_line_up_are_refused() -> None:
    with pytest.raises(ValueError):
        Examples(("one", "two"), (("Pricing",),))
    with pytest.raises(ValueError):  # `kb.store.open_kb` says KBCorrupt
        TrainingRecord.from_json({**OLD, "example_concepts": [["Pricing"]]})
