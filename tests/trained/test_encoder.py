"""The query path of a KB with a trained encoder needs no torch: the commands that answer never
import it, and a one-paragraph edit is re-embedded by the export and reuses the trained
encoder. The export itself is tested in tests/model/test_encoder.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn")


def modules_after(args: list[str], kb_dir) -> set[str]:
    """The top-level modules a fresh `kb` process imported to run these arguments."""
    script = (
        "import sys\n"
        "from ui.cli import main\n"
        f"sys.argv = ['kb', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "KB_DIR": str(kb_dir)},
        timeout=1800,  # a stop for a hung process, not a pace
    )
    return set(done.stderr.split())


@pytest.mark.parametrize(
    "args",
    [
        ["recommend", "my staff keep working around the new scheduling tool", "--json"],
        ["show", "Phased Rollout"],
        ["concepts"],
        ["stats"],
        ["--help"],
    ],
)
def test_commands_that_answer_never_import_torch(trained_kb, args):
    imported = modules_after(args, trained_kb.kb_dir)
    assert "kb" in imported  # the script ran
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    if args[0] == "recommend":
        assert "onnxruntime" in imported


def test_a_reingest_after_a_one_paragraph_edit_needs_no_torch(trained_kb, tmp_path):
    """The edited chunk is embedded by the export, and the query encoder, keyed by the
    catalog's titles rather than its text, is reused: no model load, no training."""
    docs = tmp_path / "docs"
    shutil.copytree(trained_kb.docs, docs)
    path = sorted(docs.glob("*.txt"))[0]
    paragraphs = path.read_text(encoding="utf-8").split("\n\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[longest] += " Owners who look at this every month see trouble sooner."
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    kb_dir = trained_kb.copy_to(tmp_path / "kb")
    before = json.loads((kb_dir / "versions" / current(kb_dir) / "manifest.json").read_text())
    args = ["ingest", str(docs), "--kb-dir", str(kb_dir), "--training", str(trained_kb.training)]
    imported = modules_after([*args, "--prune", "--yes"], kb_dir)
    assert "kb" in imported
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    after = json.loads((kb_dir / "versions" / current(kb_dir) / "manifest.json").read_text())
    assert current(kb_dir) != trained_kb.report["version"]  # the edit was published
    assert after["query_model"] == before["query_model"]


def current(kb_dir) -> str:
    return (kb_dir / "CURRENT").read_text().strip()
