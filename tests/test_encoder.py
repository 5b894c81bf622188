"""The query path without torch: the ONNX export reads text as sentence-transformers does,
is made once per model identity, and the commands that answer never import torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from kb import encoder
from kb.embed import BUNDLED, Embedder

from .conftest import REPO, TRAINING

HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn")


def corpus_texts(limit: int) -> list[str]:
    """Real texts of every length: training situations (short) and the documents' lines."""
    texts = []
    for path in sorted((REPO / "data" / "docs").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts += [text[i : i + 3000] for i in range(0, len(text), 20000)]  # beyond 256 tokens
    for path in sorted(TRAINING.glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text().splitlines()[:40]]
    return texts[:limit]


@pytest.mark.slow
def test_export_embeds_as_sentence_transformers_does(tmp_path):
    torch_reader = Embedder(BUNDLED)
    exported = Embedder(BUNDLED, root=tmp_path)
    exported.export()
    assert exported.onnx is not None
    texts = corpus_texts(300)
    assert len(texts) >= 250 and max(map(len, texts)) > 2000
    cosine = (torch_reader.embed(texts) * exported.embed(texts)).sum(axis=1)
    assert cosine.min() >= 0.9999
    assert exported.dimensions == 384 and exported.max_tokens == 256


@pytest.mark.slow
def test_export_is_made_once_and_follows_the_model_files(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(Embedder(BUNDLED).location, model)
    root = tmp_path / "kb"
    Embedder(str(model), root=root).export()
    first = encoder.export_folder(root, str(model))
    made = (first / encoder.GRAPH).stat().st_mtime_ns
    Embedder(str(model), root=root).export()  # the same files: nothing is exported again
    assert (first / encoder.GRAPH).stat().st_mtime_ns == made
    config = model / "sentence_bert_config.json"
    config.write_text(config.read_text().replace("256", "128"))  # the model changed
    second = encoder.export_folder(root, str(model))
    assert second != first
    assert Embedder(str(model), root=root).onnx is None  # never the stale export
    Embedder(str(model), root=root).export()
    assert Embedder(str(model), root=root).max_tokens == 128


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
        timeout=120,
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
def test_commands_that_answer_never_import_torch(real_kb, args):
    imported = modules_after(args, real_kb.kb_dir)
    assert "kb" in imported  # the script ran
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    if args[0] == "recommend":
        assert "onnxruntime" in imported


def test_a_reingest_after_a_one_paragraph_edit_needs_no_torch(real_kb, tmp_path):
    """The edited chunk is embedded by the export, and the query encoder, keyed by the
    catalog's titles rather than its text, is reused: no model load, no training."""
    docs = tmp_path / "docs"
    shutil.copytree(real_kb.docs, docs)
    path = sorted(docs.glob("*.txt"))[0]
    paragraphs = path.read_text(encoding="utf-8").split("\n\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[longest] += " Owners who look at this every month see trouble sooner."
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    before = json.loads((kb_dir / "versions" / current(kb_dir) / "manifest.json").read_text())
    args = ["ingest", str(docs), "--kb-dir", str(kb_dir), "--training", str(TRAINING)]
    imported = modules_after([*args, "--prune", "--yes"], kb_dir)
    assert "kb" in imported
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    after = json.loads((kb_dir / "versions" / current(kb_dir) / "manifest.json").read_text())
    assert current(kb_dir) != real_kb.report["version"]  # the edit was published
    assert after["query_model"] == before["query_model"]


def current(kb_dir) -> str:
    return (kb_dir / "CURRENT").read_text().strip()
