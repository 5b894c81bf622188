"""The `kb` command's errors that need no KB, as CONTRACT.md describes them: exit codes and
one-line errors, through `ui.cli.main` in this process (tests/core/conftest.py `kb_run`).

The commands on a real KB are in tests/model/test_cli.py.
"""

from __future__ import annotations

from tests.samples import one_error_line

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
