"""How well image descriptions (captions) are recognised on pages the classifier never saw.

    .venv/bin/python benchmarks/captions.py FOLDER LABELS.jsonl

LABELS holds one JSON object a line: "file" (a path whose file name is looked up in FOLDER)
and "captions" (the first 8 words of each caption paragraph of that page). Each page is read
as an ingest cleans it, before captions are dropped; then the learned classifier
(`ingest.captions`, with the bundled model) says which lines it would drop. Printed:
captions found / labelled, and paragraphs wrongly dropped
(a dropped line that is no labelled caption), with the first words of each miss and mistake.
The pages stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.captions import candidates, caption_lines, cleaned_lines
from ingest.clean import CleanLine
from kb.embed import BUNDLED, Embedder

LABEL_WORDS = 8  # the labels hold a caption's first 8 words
Detector = Callable[[list[CleanLine]], list[int]]


def words(text: str) -> list[str]:
    """Lower-case words, punctuation and dashes aside, so `●` and `—` compare equal."""
    return re.findall(r"[a-z0-9]+", text.lower())


def is_labelled(text: str, labels: list[list[str]]) -> int | None:
    """The index of the label whose words the line starts with, or None."""
    head = words(text)
    for i, label in enumerate(labels):
        if label and head[: len(label)] == label:
            return i
    return None


@dataclass
class Tally:
    """What one detector did over the pages."""

    name: str
    found: int = 0
    labelled: int = 0
    wrong: int = 0
    paragraphs: int = 0  # candidate paragraphs that are no caption, for scale
    seconds: float = 0.0
    missed_heads: list[str] = field(default_factory=list)
    wrong_heads: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [
            f"{self.name}: captions found {self.found}/{self.labelled}, paragraphs wrongly "
            f"dropped {self.wrong} (of {self.paragraphs} other paragraphs), {self.seconds:.1f} s"
        ]
        lines += [f"    missed: {h}" for h in self.missed_heads]
        lines += [f"    wrongly dropped: {h}" for h in self.wrong_heads]
        return "\n".join(lines)


def score(tally: Tally, name: str, lines: list[CleanLine], labels: list[str], found: list[int]):
    """Add one page's result to the tally."""
    label_words = [words(label)[:LABEL_WORDS] for label in labels]
    hit = set()
    for i in found:
        which = is_labelled(lines[i].text, label_words)
        if which is None:
            tally.wrong += 1
            tally.wrong_heads.append(f"{name}: {' '.join(lines[i].text.split()[:10])}")
        else:
            hit.add(which)
    tally.found += len(hit)
    tally.labelled += len(labels)
    tally.missed_heads += [f"{name}: {labels[i]}" for i in range(len(labels)) if i not in hit]
    tally.paragraphs += sum(
        is_labelled(lines[i].text, label_words) is None for i in candidates(lines)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the pages (.txt or any readable format)")
    parser.add_argument("labels", type=Path, help="JSON lines: file, captions (first 8 words)")
    args = parser.parse_args(argv)

    embedder = Embedder(BUNDLED)
    detectors: dict[str, Detector] = {
        "learned classifier": lambda lines: caption_lines(lines, embedder)
    }
    tallies = {name: Tally(name) for name in detectors}
    pages = 0
    for raw in args.labels.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        path = args.folder / Path(record["file"]).name
        if not path.exists():
            continue
        pages += 1
        lines = cleaned_lines(path)
        for name, detect in detectors.items():
            start = time.perf_counter()
            found = detect(lines)
            tallies[name].seconds += time.perf_counter() - start
            score(tallies[name], path.name, lines, record.get("captions", []), found)
    print(f"{pages} labelled page(s) found in {args.folder}")
    for tally in tallies.values():
        print(tally.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
