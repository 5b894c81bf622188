"""Ingest safety (issue 28): what a hostile or unlucky file cannot do to an ingest.

Each test builds the file that broke an earlier version (a text of many pop-ups, a decoy
folder of same-named files, a link out of the folder, a file name with a newline) and checks
what the maintainer sees: the KB unchanged or the file rejected with a reason.
"""

from __future__ import annotations

import time

from ingest.clean import clean

CEILING_SECONDS = 30  # generous: the point is minutes or hours before, not a benchmark


def test_a_megabyte_of_popup_heads_cleans_in_linear_time() -> None:
    text = "Meaning ● word " * (1_000_000 // 15)  # took hours: each head re-read the rest
    started = time.perf_counter()
    lines = clean(text)
    assert time.perf_counter() - started < CEILING_SECONDS
    assert lines[0].terms == [] and lines[0].text.startswith("Meaning — word")


def test_a_megabyte_of_popups_each_ending_its_sentence_is_lifted_whole() -> None:
    text = "the metric Meaning ● A number. " * (1_000_000 // 31)
    started = time.perf_counter()
    (line,) = clean(text)
    assert time.perf_counter() - started < CEILING_SECONDS
    assert len(line.terms) == 1_000_000 // 31
    assert line.terms[0] == ("metric", "A number.")
    assert "Meaning" not in line.text
