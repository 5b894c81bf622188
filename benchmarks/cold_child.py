"""Run in a fresh process by bench_cold.py: where a cold `kb recommend` spends its time.

    python benchmarks/cold_child.py KB_DIR QUERY   ->   one JSON object on stdout

The steps are those the CLI takes, made explicit and timed one by one: the imports (which
the CLI pays lazily inside its first query), loading the KB, building the in-memory
recommender, loading the query encoder (its ONNX export; sentence-transformers only for a KB
without one), the first query and a second, warm one. It ends by listing which of torch and
sentence-transformers the process imported: none, when the KB has its export.
"""

import time

STARTED = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

IMPORTS = (
    ("import numpy", ["numpy"]),
    ("import onnxruntime and tokenizers", ["onnxruntime", "tokenizers"]),
    ("import faiss", ["faiss"]),
    ("import bm25s", ["bm25s"]),
    ("import the project (ui.cli, recommender)", ["ui.cli", "recommender.service"]),
)
HEAVY = {"torch", "sentence_transformers", "transformers"}


def step(marks: dict, label: str, fn):
    start = time.perf_counter()
    out = fn()
    marks[label] = round(time.perf_counter() - start, 4)
    return out


def kb_load_parts(kb_dir: str) -> dict:
    """open_kb's own parts, timed again one by one (files now in the page cache)."""
    from kb import store, versions
    from kb import vectors as vector_index

    marks: dict = {}
    try:
        root = store.resolve_kb_dir(kb_dir)
        folder = versions.version_dir(root, versions.current_version(root))
        manifest = step(marks, "read manifest", lambda: versions.read_manifest(folder))
        step(
            marks,
            "check files (sha256 of every file)",
            lambda: versions.check_files(folder, manifest),
        )
        step(
            marks,
            "read SQLite (documents, chunks, concepts)",
            lambda: store.read_sqlite(folder / "kb.sqlite"),
        )
        step(marks, "read FAISS index", lambda: vector_index.load(folder / "vectors.faiss"))
    except (AttributeError, TypeError, OSError) as exc:  # the store's internals moved on
        marks["error"] = f"{type(exc).__name__}: {exc}"
    return marks


def main() -> None:
    kb_dir, query = sys.argv[1], sys.argv[2]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # as kb.embed does, before any HF import
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    marks: dict = {}
    for label, modules in IMPORTS:
        step(marks, label, lambda modules=modules: [importlib.import_module(m) for m in modules])
    from kb.store import open_kb
    from recommender.service import Recommender

    kb = step(marks, "KB load (open_kb)", lambda: open_kb(kb_dir))
    rec = step(
        marks, "recommender init (BM25, concept map, abstention rule)", lambda: Recommender(kb)
    )
    step(marks, "query encoder load (ONNX export)", lambda: rec.embedder.onnx or rec.embedder.model)
    step(marks, "first query", lambda: rec.recommend(query))
    step(marks, "second query (warm)", lambda: rec.recommend(query))
    total = time.perf_counter() - STARTED
    print(
        json.dumps(
            {
                "stages": marks,
                "in_process_seconds": round(total, 4),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "kb_load_parts": kb_load_parts(kb_dir),
                "torch_imported": sorted(HEAVY & set(sys.modules)),
            }
        )
    )


if __name__ == "__main__":
    main()
