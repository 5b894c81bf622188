"""The `kb` command's errors that need no KB, as CONTRACT.md describes them: exit codes and
one-line errors, through `ui.cli.main` in this process (tests/core/conftest.py `kb_run`).

The commands on a real KB are in tests/model/test_cli.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kb.model import KINDS
from tests.samples import one_error_line
from ui.cli import (
    field_table,
    kind_choice,
    no_match_sentence,
    render_answer,
    stats_lines,
    whole_sentences,
)

# --------------------------------------------------------------------------- kb ingest


def test_nothing_ingestible_exits_1_with_one_line(tmp_path, kb_run) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    done = kb_run("ingest", str(docs), "--kb-dir", str(tmp_path / "kb"), "--json")
    assert done.returncode == 1
    assert "no document could be ingested" in one_error_line(done.stderr)
    assert done.stdout == ""


def test_unknown_option_is_a_usage_error(kb_run) -> None:
    done = kb_run("ingest", "--no-such-option")
    assert done.returncode == 2
    assert "--no-such-option" in one_error_line(done.stderr)


# --------------------------------------------------------------------------- kb stats


def test_missing_kb_is_one_line_error(tmp_path, kb_run) -> None:
    done = kb_run("stats", "--kb-dir", str(tmp_path / "nothing"), "--json")
    assert done.returncode == 1
    assert "kb ingest" in one_error_line(done.stderr)
    assert done.stdout == ""


def test_debug_shows_the_traceback(tmp_path, kb_run) -> None:
    done = kb_run("--debug", "stats", "--kb-dir", str(tmp_path / "nothing"))
    assert done.returncode == 1
    assert "Traceback" in done.stderr


# --------------------------------------------------------------------------- kb (no command)


def test_bare_kb_prints_its_help_and_exits_0(kb_run) -> None:
    done = kb_run()
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: kb")
    assert "recommend" in done.stdout and "error:" not in done.stdout
    assert done.stderr == ""


# --------------------------------------------------------------------------- kb concepts


def test_an_unknown_kind_is_a_usage_error_listing_the_kinds(tmp_path, kb_run) -> None:
    done = kb_run("concepts", "--kind", "strategy", "--kb-dir", str(tmp_path / "nothing"))
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert "'strategy'" in line
    for kind in KINDS:
        assert kind in line
    assert done.stdout == ""


@pytest.mark.parametrize("kind", ["frameworks", "Framework", "PRACTICES", "risks"])
def test_a_kind_in_any_case_or_plural_is_accepted(kind) -> None:
    assert kind_choice(kind) in KINDS


# --------------------------------------------------------------------------- rendering


def test_an_abstention_is_one_sentence_said_once() -> None:
    reason = "nothing in the documents is close enough to this (best match 0.26)"
    said = no_match_sentence(reason)
    assert said == "Nothing in the documents is close enough to this (best match 0.26)."
    assert said.lower().count("nothing in the documents") == 1
    assert no_match_sentence(None) == "Nothing in the documents fits this."
    assert no_match_sentence("the query is off topic.") == (
        "Nothing in the documents fits this: the query is off topic."
    )


def test_a_passage_is_shortened_to_whole_sentences() -> None:
    first = "Automation pays when it serves a goal. " * 3
    text = first + "This last sentence is long enough to go over the limit of the passage shown."
    short = whole_sentences(text, 150)
    assert short.endswith("goal. …")
    assert len(short) <= 152
    assert whole_sentences("One short sentence.", 150) == "One short sentence."
    one_long = "word " * 100
    assert whole_sentences(one_long, 50).endswith("…") and len(whole_sentences(one_long, 50)) <= 50


def test_a_recommendation_shows_the_document_title_passage_why_and_summary(capsys) -> None:
    from recommender.service import Answer, Passage, Recommendation

    where = {"doc": "pricing-guide", "section": "Reviews", "level": "Fundamentals"}
    passage = Passage(
        **where, text="Review prices often. " * 30, score=0.8, chunk="c1", start=0, end=9
    )
    rec = Recommendation(
        rank=1, title="Price Reviews", kind="practice", score=0.8, **where,
        guidance="Review your prices every quarter.", passages=[passage],
        concept="price-reviews", definition="", why="matches: prices",
    )  # fmt: skip
    answer = Answer(id=None, query="how often", abstained=False, reason=None, recommendations=[rec])
    answer.summary = SimpleNamespace(
        strength="strong", sentences=[SimpleNamespace(text="Review prices quarterly.", rank=1)]
    )
    render_answer(answer, {"pricing-guide": "The Pricing Guide"})
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Start here (strong):"
    assert lines[1].strip() == "Review prices quarterly. [1]"
    assert "1. Price Reviews  [practice, Fundamentals]" in out
    assert "From: The Pricing Guide › Reviews" in out
    assert "pricing-guide" not in out
    assert "Review your prices every quarter." in out
    assert "Why: matches: prices" in out
    quoted = out[out.index("“") : out.index("”")]
    assert 100 < len(" ".join(quoted.split())) <= 310


def test_stats_read_as_lines_not_a_dict() -> None:
    info = {
        "version": "v000002",
        "built_at": "2026-12-06T02:32:03Z",
        "model": "m",
        "dimensions": 384,
        "documents": 3,
        "chunks": 278,
        "concepts": 214,
        "glossary": 42,
        "index": {"type": "flat", "metric": "inner_product", "vectors": 278},
        "kb_dir": "data/kb",
        "extra_figure": 7,
    }
    lines = stats_lines(info)
    assert lines[0] == "KB data/kb, version v000002, built 2026-12-06 02:32:03 UTC"
    assert "Index: flat, inner_product, 278 vectors" in lines
    assert "Model: m (384 dimensions)" in lines
    assert "Extra figure: 7" in lines
    assert not any("{" in line for line in lines)


def test_fields_print_as_an_aligned_table() -> None:
    lines = field_table({"Core Focus": "Goals", "SMB Applicability": "High " * 30})
    assert lines[0] == "  Core Focus         Goals"
    assert lines[1].startswith("  SMB Applicability  High")
    assert len(lines) > 2 and all(line.startswith(" " * 21) for line in lines[2:])
