"""What an ingest may remove, through the installed `kb ingest` on a copy of the real session KB:
an emptied folder never empties the KB without `--yes` (CONTRACT.md). The rest, with the fake
embedder, is in tests/core/test_ingest_scope.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kb.store import current_version, open_kb

SOCIO = "socio-technical-systems.txt"


OVER = "over-alignment-and-smb-innovation.txt"


ALIGN = "strategic-alignment-before-automation.txt"


def docs_of(kb_dir: Path) -> set[str]:
    return {Path(d.path).name for d in open_kb(kb_dir).documents}


def test_an_emptied_folder_needs_yes_before_it_empties_the_kb(real_kb, tmp_path, kb_run) -> None:
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    docs = tmp_path / "docs"
    shutil.copytree(real_kb.docs, docs)
    kb_run("ingest", str(docs), "--kb-dir", str(kb_dir))  # now built from this folder
    before = current_version(kb_dir)
    for name in (SOCIO, OVER, ALIGN):
        shutil.move(docs / name, tmp_path / name)
    result = kb_run("ingest", str(docs), "--kb-dir", str(kb_dir))
    assert result.returncode == 2
    assert "would remove 3 of the 3 documents" in result.stderr
    assert "--yes" in result.stderr
    assert current_version(kb_dir) == before
    assert docs_of(kb_dir) == {SOCIO, OVER, ALIGN}
