"""The query path without torch: the ONNX export reads text as sentence-transformers does,
is made once per model identity, and the commands that answer never import torch."""

from __future__ import annotations

import json
import shutil

from kb import encoder
from kb.embed import BUNDLED, Embedder
from tests.conftest import REPO, TRAINING

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
