"""A full disk and a `kill -9` while the real model is written (issue 28, item 3): the ONNX
export and the trained encoder's save say a full disk in one line, leave no temporary folder
(each failed export used to leave 20 MB in models/onnx/.tmp-*), and what a killed save left
goes at the next publish. tests/core/test_storage_safety.py covers the KB files."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb import encoder
from kb.embed import BUNDLED, Embedder
from kb.errors import DiskFull
from tests.conftest import REPO
from tests.core.test_storage_safety import (
    MORE,
    assert_one_disk_full_line,
    leftovers,
    no_space_for,
)
from ui.build import ingest


def test_an_export_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch) -> None:
    import torch

    root = tmp_path / "kb"
    exports = root / encoder.EXPORTS
    real_export = torch.onnx.export

    def full_disk_export(_module, _args, path, *rest, **kwargs) -> None:
        Path(path).write_bytes(bytes(4 << 20))  # a part of the graph, then no space
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch.onnx, "export", full_disk_export)
    for _ in range(3):  # every try used to leave its temporary folder
        with pytest.raises(DiskFull) as caught:
            Embedder(BUNDLED, root=root).export()
        assert_one_disk_full_line(caught.value, exports)
        assert "the ONNX export of " in str(caught.value)
        assert leftovers(root) == [] and list(exports.iterdir()) == []
    monkeypatch.setattr(torch.onnx, "export", real_export)
    reader = Embedder(BUNDLED, root=root)
    reader.export()  # with space again, the export is made
    assert reader.onnx is not None and leftovers(root) == []


def test_the_trained_encoder_saved_on_a_full_disk_is_one_line(tmp_path, monkeypatch) -> None:
    from learn.finetune import save_model

    model = Embedder(BUNDLED).model
    models = tmp_path / "kb" / "models"
    models.mkdir(parents=True)
    refused = no_space_for(monkeypatch, lambda p: p.name == "modules.json")
    with pytest.raises(DiskFull) as caught:
        save_model(model, models, "query-0123456789abcdef")
    assert refused
    assert_one_disk_full_line(caught.value, models)
    assert list(models.iterdir()) == []


def test_shipping_layers_on_a_full_disk_is_one_line_and_leaves_no_temp_file(
    tmp_path, monkeypatch
) -> None:
    import safetensors.torch

    from learn.finetune import DEFAULT, LAYERS, Layers

    def full_disk_save(_state, path, *args, **kwargs) -> None:
        Path(path).write_bytes(bytes(1 << 20))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", full_disk_save)
    target = tmp_path / "training" / "encoders"
    target.mkdir(parents=True)
    layers = Layers(Embedder(BUNDLED).model, DEFAULT.trained_layers)
    with pytest.raises(DiskFull) as caught:
        layers.save(target / f"query-0123456789abcdef{LAYERS}")
    assert_one_disk_full_line(caught.value, target)
    assert list(target.iterdir()) == []


KILLED_SAVE = """
import builtins, os, signal, sys
from pathlib import Path
from kb.embed import BUNDLED, Embedder
from learn.finetune import save_model

model = Embedder(BUNDLED).model
real_open = builtins.open

def open_(file, mode="r", *args, **kwargs):
    if "w" in mode and Path(str(file)).name == "modules.json":  # halfway through the save
        os.kill(os.getpid(), signal.SIGKILL)
    return real_open(file, mode, *args, **kwargs)

builtins.open = open_
save_model(model, Path(sys.argv[1]), "query-0123456789abcdef")
"""


def test_a_real_save_killed_midway_is_swept_by_the_next_publish(
    docs, tmp_path, fake_embedder
) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs], kb_dir, embedder=fake_embedder)
    (kb_dir / "models").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", KILLED_SAVE, str(kb_dir / "models")],
        cwd=REPO,
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == -9, done.stderr
    (left,) = (kb_dir / "models").iterdir()
    assert left.name.startswith(".tmp-query-0123456789abcdef-") and any(left.iterdir())
    (docs / "more.md").write_text(MORE)  # a new document: a new version to publish
    ingest([docs], kb_dir, embedder=fake_embedder)
    assert list((kb_dir / "models").iterdir()) == [] and leftovers(kb_dir) == []


def test_a_batch_with_nan_and_infinite_ids_prints_strict_json_on_every_line(
    real_kb, tmp_path
) -> None:
    """Issue 28, item 18: `{"id": NaN}` used to print `{"id": NaN, ...}`, which no JSON
    reader takes; now every stdout line is strict JSON, the bad ones error lines."""
    from tests.conftest import run_kb

    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"id": NaN, "query": "staff ignore the new ordering tablets"}\n'
        '{"id": "ok", "query": "staff ignore the new ordering tablets"}\n'
        '{"id": Infinity, "query": "prices feel stale"}\n'
        '{"id": -Infinity, "query": "prices feel stale"}\n'
        '{"id": 1e999, "query": "prices feel stale"}\n'
    )
    done = run_kb("recommend", "--batch", str(batch), "--json", "--kb-dir", str(real_kb.kb_dir))
    assert done.returncode == 3, done.stderr

    def refuse(constant: str):
        raise AssertionError(f"{constant} printed: not JSON")

    rows = [json.loads(line, parse_constant=refuse) for line in done.stdout.splitlines()]
    assert [(r["id"], r.get("line")) for r in rows] == [
        (None, 1),
        ("ok", None),
        (None, 3),
        (None, 4),
        (None, 5),
    ]
    assert rows[1]["recommendations"] and all("error" in rows[n] for n in (0, 2, 3, 4))
    assert "4 line(s) of the batch could not be answered" in done.stderr
