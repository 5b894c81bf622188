"""The `kb` command on the session KB built with the bundled model (tests/conftest.py `real_kb`,
untrained): JSON shapes and exit codes of commands that read or grow a real KB.

Exit codes and stderr are checked on the installed `.venv/bin/kb` in a subprocess (the error
mapping lives in `ui.cli.main`); output rendering is checked in-process with click's CliRunner.
Copies of the KB folder carry the embedding cache, so re-ingesting the same texts there loads
no model. The error paths that need no KB are in tests/core/test_cli.py.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.samples import one_error_line
from ui.cli import cli, main

REPO = Path(__file__).resolve().parents[2]


DOCS = REPO / "data" / "docs"


INGEST_KEYS = {
    "documents",
    "chunks",
    "concepts",
    "added",
    "changed",
    "removed",
    "unchanged",
    "rejected",
    "embedded",
    "seconds",
}


STATS_KEYS = {"documents", "chunks", "glossary", "model", "version", "built_at"}


NAMES = sorted(p.name for p in DOCS.glob("*.txt"))


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_first_ingest_reports_three_added_documents(real_kb) -> None:
    report = real_kb.report
    assert real_kb.returncode == 0, real_kb.stderr
    assert set(report) >= INGEST_KEYS
    assert report["documents"] == 3
    assert report["added"] == [str(real_kb.docs / n) for n in NAMES]
    assert report["changed"] == report["removed"] == report["unchanged"] == []
    assert report["rejected"] == []
    assert 0 < report["embedded"] <= report["chunks"]
    assert report["concepts"] > 100
    assert isinstance(report["seconds"], float | int) and report["seconds"] > 0
    assert "Traceback" not in real_kb.stderr


def test_second_ingest_reports_unchanged_and_embeds_nothing(real_kb, tmp_path, kb_run) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    args = (
        "ingest",
        str(real_kb.docs),
        "--kb-dir",
        str(kb_dir),
        "--training",
        str(real_kb.training),
    )
    done = kb_run(*args, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["unchanged"] == [str(real_kb.docs / n) for n in NAMES]
    assert report["added"] == report["changed"] == report["removed"] == []
    assert report["embedded"] == 0
    assert report["documents"] == 3
    assert sorted(p.name for p in (kb_dir / "versions").iterdir()) == [report["version"]]


def test_a_rejected_file_exits_3_with_the_rest_ingested(real_kb, tmp_path, kb_run) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    (docs / "empty.txt").write_bytes(b"")
    done = kb_run("ingest", str(docs), "--kb-dir", str(kb_dir), "--json")
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)  # stdout holds the JSON object and nothing else
    assert set(report) >= INGEST_KEYS
    assert report["rejected"] == [{"path": str(docs / "empty.txt"), "reason": "empty file"}]
    assert report["added"] == [str(docs / n) for n in NAMES]
    assert report["documents"] == 3
    assert report["embedded"] == 0  # the same texts: all from the cache
    assert done.stderr.strip().splitlines() == [f"rejected: {docs / 'empty.txt'}: empty file"]


def test_stats_json(real_kb, kb_run) -> None:
    done = kb_run("stats", "--kb-dir", str(real_kb.kb_dir), "--json")
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert set(stats) >= STATS_KEYS
    assert stats["documents"] == 3
    assert stats["chunks"] == real_kb.report["chunks"]
    assert stats["version"] == real_kb.report["version"]
    assert stats["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert stats["dimensions"] == 384
    popups = sum(p.read_text(encoding="utf-8").count("Meaning ●") for p in DOCS.glob("*.txt"))
    assert stats["glossary"] == popups


def test_kb_dir_comes_from_the_environment(real_kb, kb_run) -> None:
    done = kb_run("stats", "--json", env={"KB_DIR": str(real_kb.kb_dir)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kb_dir"] == str(real_kb.kb_dir)


def test_damaged_kb_is_one_line_error(real_kb, tmp_path, kb_run) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    version = (kb_dir / "CURRENT").read_text().strip()
    index = kb_dir / "versions" / version / "vectors.faiss"
    index.write_bytes(index.read_bytes()[:100])
    done = kb_run("stats", "--kb-dir", str(kb_dir))
    assert done.returncode == 1
    assert "--rebuild" in one_error_line(done.stderr)


def test_concepts_kind_filter(real_kb) -> None:
    result = invoke("concepts", "--kind", "framework", "--kb-dir", str(real_kb.kb_dir), "--json")
    concepts = json.loads(result.stdout)
    assert concepts and all(c["kind"] == "framework" for c in concepts)
    titles = {c["title"] for c in concepts}
    assert {
        "Balanced Scorecard (BSC)",
        "Objectives and Key Results (OKRs)",
        "Lean Management Principles",
        "Agile Methodology",
    } <= titles


def test_concepts_plain_listing(real_kb) -> None:
    result = invoke("concepts", "--level", "Advanced", "--kb-dir", str(real_kb.kb_dir))
    lines = result.stdout.splitlines()
    assert len(lines) > 30
    assert any(line.endswith("Balanced Scorecard (BSC)") for line in lines)
    assert not any(line.endswith("Joint Optimization") for line in lines)  # Intermediate only


def test_show_balanced_scorecard(real_kb) -> None:
    out = invoke("show", "balanced scorecard", "--kb-dir", str(real_kb.kb_dir)).stdout
    assert out.splitlines()[0].startswith("Balanced Scorecard (BSC)")
    assert "The Balanced Scorecard (Kaplan & Norton, 1996) provides a holistic framework" in out
    table = out[out.index("In the documents' comparison:") : out.index("Sources:")].splitlines()
    labels = ["Core Focus", "Key Benefits for Automation Alignment", "SMB Applicability"]
    rows = [line for line in table[1:] if not line.startswith("   ")]  # a field's first line
    assert [next(lb for lb in labels if row.startswith(f"  {lb}  ")) for row in rows] == labels
    column = 2 + max(map(len, labels)) + 2  # the values start in one column
    assert rows[0] == "  Core Focus".ljust(column) + "Holistic strategic performance management"
    assert all(line[column - 1] == " " and line[column] != " " for line in table[1:])
    assert (
        "Kaplan, R. S., & Norton, D. P. (1996). The Balanced Scorecard — Translating Strategy "
        "into Action. Harvard Business School Press."
    ) in out
    assert "Part of: Strategic Frameworks for Advanced SMB Automation Alignment" in out


def test_show_okr_json(real_kb) -> None:
    result = invoke("show", "okr", "--kb-dir", str(real_kb.kb_dir), "--json")
    shown = json.loads(result.stdout)
    assert shown["title"] == "Objectives and Key Results (OKRs)"
    assert shown["kind"] == "framework"
    assert shown["references"] == ["Doerr, J. (2018). Measure What Matters. Penguin Books."]
    assert shown["passages"] and all(p["text"] for p in shown["passages"])
    assert any("goal-setting framework" in p["text"] for p in shown["passages"])
    assert shown["parent"]["title"] == "Strategic Frameworks for Advanced SMB Automation Alignment"


def test_show_fields_only_for_a_table_row(real_kb) -> None:
    out = invoke("show", "joint optimization", "--kb-dir", str(real_kb.kb_dir)).stdout
    assert out.splitlines()[0].startswith("Joint Optimization")
    assert "In the documents' comparison:" not in out


def run_main(monkeypatch, capsys, *args: str):
    """`kb ARGS` through `ui.cli.main` in this process: (exit status, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["kb", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def test_show_without_an_exact_name_offers_the_closest(real_kb, real_store, monkeypatch, capsys):
    assert not any("swot" in c.title.lower() for c in real_store.concepts)
    code, out, err = run_main(
        monkeypatch, capsys, "show", "swot analysis", "--kb-dir", str(real_kb.kb_dir)
    )
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert "no concept is named 'swot analysis'" in line
    offered = re.findall(r'"([^"]+)"', line.split("closest:", 1)[1])
    titles = {c.title for c in real_store.concepts}
    assert len(offered) == 3 and set(offered) <= titles
    # a part of a name is not guessed at either: the names holding it are offered first
    code, out, err = run_main(
        monkeypatch, capsys, "show", "balanced", "--kb-dir", str(real_kb.kb_dir)
    )
    assert code == 1 and out == ""
    assert '; the closest: "Balanced Scorecard (BSC)"' in one_error_line(err)


def test_concepts_doc_by_title_or_id_in_any_case(real_kb, real_store) -> None:
    doc = real_store.documents[0]
    by_id = invoke("concepts", "--doc", doc.doc.upper(), "--kb-dir", str(real_kb.kb_dir), "--json")
    by_title = invoke(
        "concepts", "--doc", doc.title.lower(), "--kb-dir", str(real_kb.kb_dir), "--json"
    )
    listed = json.loads(by_id.stdout)
    assert listed == json.loads(by_title.stdout)
    assert listed and all(doc.doc in {s["doc"] for s in c["sources"]} for c in listed)
    assert len(listed) < len(real_store.concepts)


def test_an_unknown_doc_is_a_usage_error_listing_the_documents(real_kb, real_store, kb_run):
    done = kb_run("concepts", "--doc", "no such document", "--kb-dir", str(real_kb.kb_dir))
    assert done.returncode == 2 and done.stdout == ""
    line = one_error_line(done.stderr)
    assert "'no such document'" in line
    for d in real_store.documents:
        assert d.doc in line and d.title in line


def test_recommend_doc_by_title_and_an_unknown_one_is_a_usage_error(real_kb, real_store, kb_run):
    doc = real_store.documents[-1]
    kb_dir = str(real_kb.kb_dir)
    by_title = invoke(
        "recommend",
        "staff resist new tools",
        "--doc",
        doc.title.upper(),
        "--kb-dir",
        kb_dir,
        "--json",
    )
    recs = json.loads(by_title.stdout)["recommendations"]
    assert recs and {r["doc"] for r in recs} == {doc.doc}
    done = kb_run("recommend", "staff resist new tools", "--doc", "nosuch", "--kb-dir", kb_dir)
    assert done.returncode == 2 and done.stdout == ""
    assert doc.doc in one_error_line(done.stderr)


def test_recommend_reads_as_cards_with_document_titles(real_kb, real_store) -> None:
    situation = "our staff keep working around the new scheduling software"
    kb_dir = str(real_kb.kb_dir)
    answer = json.loads(
        invoke("recommend", situation, "-k", "3", "--kb-dir", kb_dir, "--json").stdout
    )
    assert not answer["abstained"]
    out = invoke("recommend", situation, "-k", "3", "--kb-dir", kb_dir).stdout
    titles = {d.doc: d.title for d in real_store.documents}
    cards = out.split("\n\n")[-3:]  # after the short answer, when there is one
    for rec, card in zip(answer["recommendations"], cards, strict=True):
        text = " ".join(card.split())
        assert card.startswith(f"{rec['rank']}. {rec['title']}  [{rec['kind']}")
        assert f"From: {titles[rec['doc']]}" in text
        assert f"Why: {rec['why']}" in text
        shown = text[text.index("“") + 1 : text.index("”")]
        best = " ".join(rec["passages"][0]["text"].split())
        assert best.startswith(shown.removesuffix(" …")) and len(shown) <= 310
        assert shown == best or shown.endswith("…")
    assert "source:" not in out and not any(f"From: {doc}" in out for doc in titles)


def test_recommend_says_once_that_nothing_fits(real_kb) -> None:
    off_topic = "which football team won the league"
    kb_dir = str(real_kb.kb_dir)
    answer = json.loads(invoke("recommend", off_topic, "--kb-dir", kb_dir, "--json").stdout)
    assert answer["abstained"], answer
    out = invoke("recommend", off_topic, "--kb-dir", kb_dir).stdout
    assert len(out.strip().splitlines()) == 1
    assert out.lower().count("nothing in the documents") == 1
    assert out.strip().endswith(".") and not out.strip().endswith("..")


def test_stats_reads_as_lines(real_kb) -> None:
    out = invoke("stats", "--kb-dir", str(real_kb.kb_dir)).stdout
    assert out.startswith(f"KB {real_kb.kb_dir}, version {real_kb.report['version']}, built ")
    assert re.search(r"^  Documents: +3$", out, re.M)
    assert re.search(rf"^  Chunks: +{real_kb.report['chunks']}$", out, re.M)
    assert "Model: sentence-transformers/all-MiniLM-L6-v2 (384 dimensions)" in out
    assert "{" not in out


def test_show_unknown_name_exits_1_with_one_line(real_kb, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["kb", "show", "xqzv wplk", "--kb-dir", str(real_kb.kb_dir)])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "kb concepts" in one_error_line(captured.err)
    assert captured.out == ""


FLYWHEEL = Path(__file__).parents[1] / "data" / "growth-loops.md"  # names no seed framework


def test_a_new_markdown_framework_is_found_after_kb_ingest(real_kb, tmp_path, kb_run) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    docs = tmp_path / "docs"
    shutil.copytree(real_kb.docs, docs)
    shutil.copy(FLYWHEEL, docs / "growth-loops.md")
    done = kb_run("ingest", str(docs), "--kb-dir", str(kb_dir), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert str(docs / "growth-loops.md") in report["added"]
    assert report["documents"] == 4

    listed = kb_run("concepts", "--kind", "framework", "--kb-dir", str(kb_dir), "--json")
    frameworks = {c["title"]: c for c in json.loads(listed.stdout)}
    canvas = frameworks["The Flywheel Canvas"]
    assert canvas["doc"] == "growth-loops"
    assert canvas["definition"].startswith("The Flywheel Canvas is a planning framework")

    shown = kb_run("show", "flywheel canvas", "--kb-dir", str(kb_dir), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["title"] == "The Flywheel Canvas"


def test_eval_says_when_a_kb_has_no_held_out_sets(tmp_path, kb_run) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pricing.md").write_text(
        "# Pricing\n\n## Fundamentals\n\n- Price Reviews: Review your prices every quarter.\n"
    )
    kb_dir = str(tmp_path / "kb")
    assert kb_run("ingest", str(docs), "--kb-dir", kb_dir).returncode == 0  # no corpus
    labelled = tmp_path / "one.jsonl"
    labelled.write_text(
        '{"id": "q1", "kind": "situation", "query": "how often should I review my prices", '
        '"relevant": {"Price Reviews": 2}}\n'
    )
    done = kb_run("eval", str(labelled), "--heldout", "--kb-dir", kb_dir)
    assert done.returncode == 0, done.stderr
    sections = done.stdout.split("\n\n")
    assert sections[1].splitlines() == ["corpus held out: items (k=10)", "  no queries in this set"]
    assert sections[2].splitlines() == [
        "corpus held out: concepts (k=10)",
        "  no queries in this set",
    ]
