"""What an ingest may remove: a typo or a subset must never empty the KB (CONTRACT.md).

A path that does not exist is a usage error; a file or another folder is added or updated
and removes nothing; a file deleted from a folder the KB was built from leaves it; dropping
more than half of the documents needs `confirm` (`--yes`). Fake embedder: only the catalog
of documents matters here, not what their vectors mean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import recorded_folders
from kb.errors import UsageError
from kb.store import current_version, open_kb
from ui.build import ingest

SOCIO = "socio-technical-systems.txt"
OVER = "over-alignment-and-smb-innovation.txt"
ALIGN = "strategic-alignment-before-automation.txt"


def docs_of(kb_dir: Path) -> set[str]:
    return {Path(d.path).name for d in open_kb(kb_dir).documents}


@pytest.fixture
def built(docs_copy, tmp_path, fake_embedder) -> Path:
    kb_dir = tmp_path / "kb"
    ingest([docs_copy], kb_dir, embedder=fake_embedder)
    return kb_dir


def test_a_folder_that_does_not_exist_is_a_usage_error_and_changes_nothing(
    built, tmp_path, kb_run
) -> None:
    before = current_version(built)
    result = kb_run("ingest", str(tmp_path / "dosc"), "--kb-dir", str(built))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: no such file or folder: {tmp_path / 'dosc'}"
    ]
    assert current_version(built) == before
    assert docs_of(built) == {SOCIO, OVER, ALIGN}


def test_ingesting_one_file_updates_it_and_keeps_the_others(
    built, docs_copy, fake_embedder
) -> None:
    socio = docs_copy / SOCIO
    socio.write_text(socio.read_text(encoding="utf-8") + "\n\nOne more closing paragraph.\n")
    report = ingest([socio], built, embedder=fake_embedder)
    assert report.changed == [str(socio)]
    assert report.removed == []
    assert report.documents == 3
    assert docs_of(built) == {SOCIO, OVER, ALIGN}


def test_another_folder_is_added_beside_the_first(
    built, docs_copy, tmp_path, fake_embedder
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "notes.md").write_text("# Pricing Reviews\n\nReview your prices every quarter.\n")
    report = ingest([extra], built, embedder=fake_embedder)
    assert report.added == [str(extra / "notes.md")]
    assert report.removed == []
    assert docs_of(built) == {SOCIO, OVER, ALIGN, "notes.md"}
    assert recorded_folders(built) == [Path(str(docs_copy.resolve())), extra.resolve()]


def test_a_file_deleted_from_a_recorded_folder_leaves_on_a_plain_ingest(
    built, docs_copy, fake_embedder, kb_run
) -> None:
    (docs_copy / SOCIO).unlink()
    report = ingest(recorded_folders(built), built, embedder=fake_embedder)
    assert report.removed == [str(docs_copy / SOCIO)]
    assert docs_of(built) == {OVER, ALIGN}


def test_prune_removes_what_is_outside_the_paths_once_confirmed(
    built, docs_copy, fake_embedder
) -> None:
    before = current_version(built)
    with pytest.raises(UsageError, match=r"would remove 2 of the 3 documents .*--yes"):
        ingest([docs_copy / OVER], built, embedder=fake_embedder, prune=True)
    assert current_version(built) == before

    report = ingest([docs_copy / OVER], built, embedder=fake_embedder, prune=True, confirm=True)
    assert report.removed == sorted(str(docs_copy / n) for n in (SOCIO, ALIGN))
    assert docs_of(built) == {OVER}


def test_a_rebuild_of_a_subset_needs_yes(built, docs_copy, fake_embedder) -> None:
    with pytest.raises(UsageError, match="would remove 2 of the 3"):
        ingest([docs_copy / OVER], built, rebuild=True, embedder=fake_embedder)
    assert docs_of(built) == {SOCIO, OVER, ALIGN}


def test_no_paths_keeps_every_document(built, fake_embedder) -> None:
    report = ingest([], built, embedder=fake_embedder)
    assert report.removed == report.added == []
    assert docs_of(built) == {SOCIO, OVER, ALIGN}
