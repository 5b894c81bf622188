"""Reading text without torch: a model exported once to ONNX and run by onnxruntime.

Importing sentence-transformers takes about ten seconds here; embedding one question takes
milliseconds. So each model a KB reads text with is exported when the KB is built (with
torch, which building needs anyway), and every later process embeds questions and new
chunks with onnxruntime and the `tokenizers` library alone.

The export is the whole sentence-transformers pipeline (transformer, pooling, normalising)
as one graph, so it holds whatever pooling the model was saved with. It lives under
`<kb_dir>/models/onnx/<identity>/`, where the identity hashes the model folder's files
(names, sizes, modification times): a changed or retrained model never finds a stale export.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import numpy as np

from kb import disk
from kb.text import sha256_text

EXPORTS = Path("models") / "onnx"  # inside a KB folder
GRAPH = "model.onnx"
SETTINGS = "encoder.json"  # what tokenizing needs: the input names and the token limit
OPSET = 17


def identity(location: str) -> str | None:
    """A name for a model folder's exact files, or None when it is not a folder on disk."""
    folder = Path(location)
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stamp = [f"{p.relative_to(folder)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return sha256_text("\n".join(stamp))[:20]


def export_folder(root: Path, location: str) -> Path | None:
    """Where the export of the model at `location` lives for the KB at `root`."""
    key = identity(location)
    return Path(root) / EXPORTS / key if key else None


class OnnxEncoder:
    """An exported model: unit-length vectors, the same as sentence-transformers gives."""

    def __init__(self, folder: Path, threads: int = 0):
        """`threads` 0 is onnxruntime's choice, one per core: on two cores that embeds a
        question in 4 ms against 6 ms on one, and a batch twice as fast."""
        import onnxruntime
        from tokenizers import Tokenizer

        settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        self.inputs: list[str] = settings["inputs"]
        self.max_tokens: int = settings["max_tokens"]
        self.dimensions: int = settings["dimensions"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(folder / GRAPH), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        parts = [self.run(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)] or [
            np.zeros((0, self.dimensions), np.float32)
        ]
        return np.vstack(parts)

    def run(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        columns = {
            "input_ids": [e.ids for e in encoded],
            "attention_mask": [e.attention_mask for e in encoded],
            "token_type_ids": [e.type_ids for e in encoded],
        }
        feed = {name: np.asarray(columns[name], dtype=np.int64) for name in self.inputs}
        return self.session.run(None, feed)[0].astype(np.float32)


def load(root: Path | None, location: str) -> OnnxEncoder | None:
    """The export of a model for this KB, or None if there is none (then torch reads)."""
    folder = export_folder(root, location) if root is not None else None
    if folder is None or not (folder / GRAPH).is_file():
        return None
    return OnnxEncoder(folder)


def export(model, root: Path, location: str) -> Path | None:
    """Export a loaded SentenceTransformer (from `location`) for the KB at `root`, once.

    Written to a temporary folder and renamed into place, so a crash leaves no half export
    under the model's identity."""
    folder = export_folder(root, location)
    if folder is None or (folder / GRAPH).is_file():
        return folder
    import torch

    features = model.preprocess(["an example sentence"])
    inputs = [
        name for name in ("input_ids", "attention_mask", "token_type_ids") if name in features
    ]

    class Pipeline(torch.nn.Module):
        """The model's modules end to end, with plain tensors in and the embedding out."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            return self.model(dict(zip(inputs, tensors)))["sentence_embedding"]

    tmp = folder.with_name(f".tmp-{folder.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    # a failed export (a full disk: one line) leaves no 20 MB temporary folder behind
    with disk.writing(folder.parent, f"the ONNX export of {location}", leftover=tmp):
        tmp.mkdir(parents=True)
        write_export(model, Pipeline(), features, inputs, tmp, location)
        os.replace(tmp, folder)
    return folder


def write_export(model, pipeline, features, inputs: list[str], tmp: Path, location: str) -> None:
    """The graph, the tokenizer and the settings of an export, into the folder `tmp`."""
    import torch

    axes = {name: {0: "batch", 1: "tokens"} for name in inputs} | {"embedding": {0: "batch"}}
    model.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on the model's code, not ours
        torch.onnx.export(
            pipeline,
            tuple(features[name] for name in inputs),
            str(tmp / GRAPH),
            input_names=inputs,
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    shutil.copy(Path(location) / "tokenizer.json", tmp / "tokenizer.json")
    settings = {
        "inputs": inputs,
        "max_tokens": int(model.max_seq_length),
        "dimensions": embedding_width(model),
    }
    (tmp / SETTINGS).write_text(json.dumps(settings, indent=2), encoding="utf-8")


def embedding_width(model) -> int:
    """The embedding's width (the method was renamed in sentence-transformers 6)."""
    named = getattr(model, "get_embedding_dimension", None)
    return named() if named else model.get_sentence_embedding_dimension()


def prune(root: Path, keep: set[str]) -> None:
    """Remove the exports of models no kept version reads with (`keep`: their locations).
    Temporary folders are left to `kb.disk.sweep`, which knows whether their writer runs."""
    wanted = {identity(location) for location in keep}
    exports = Path(root) / EXPORTS
    for folder in exports.iterdir() if exports.is_dir() else []:
        if folder.name not in wanted and not folder.name.startswith("."):
            shutil.rmtree(folder, ignore_errors=True)
