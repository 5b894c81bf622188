"""Versions of a KB folder: naming, durable writes, the CURRENT pointer, checks and pruning.

A version is published by writing it in full, making it durable, renaming it into place and
only then naming it in CURRENT (write a temp file, fsync, `os.replace`): a reader sees the
old version or the new one, never a mix, and a crash at any moment leaves the old one current.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

from kb import disk
from kb.errors import KBCorrupt
from kb.text import sha256_file, sha256_sample, sha256_text

FORMAT = 1
KEEP_VERSIONS = 3


VERSION_NAME = re.compile(r"v\d{6,}")


def current_version(root: Path) -> str | None:
    """The published version's name; None before the first ingest.

    Raises:
        KBCorrupt: CURRENT exists but does not name a version.
    """
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise KBCorrupt(f"{root}/CURRENT is damaged ({exc}); run `kb ingest --rebuild`") from exc
    if not VERSION_NAME.fullmatch(name):
        raise KBCorrupt(
            f"{root}/CURRENT names no version ({name[:40]!r}); run `kb ingest --rebuild`"
        )
    return name


def version_dir(root: Path, version: str) -> Path:
    return root / "versions" / version


def next_version(root: Path) -> str:
    """One past every version seen, on disk or named in CURRENT: names are never reused."""
    versions = root / "versions"
    numbers = [int(p.name[1:]) for p in versions.glob("v[0-9]*") if p.name[1:].isdigit()]
    with contextlib.suppress(KBCorrupt):
        numbers.append(int((current_version(root) or "v0")[1:]))
    return f"v{max(numbers, default=0) + 1:06d}"


def write_durably(path: Path, text: str) -> None:
    """Write a file so that it is either absent, old or complete: temp file, fsync, replace.

    Raises:
        DiskFull: no space left; the temp file is removed and `path` is as it was.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with disk.writing(path.parent, path.name, leftover=tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Files up to this size are hashed whole on every open; larger ones (the index of a big KB)
# by a sample (`sha256_sample`), since hashing 1.5 GB took 0.9 s of every start.
FULL_CHECK_BYTES = 64 << 20


def file_digest(path: Path) -> dict:
    """Size, sha256 and sampled sha256 for the manifest, once the file is safely on disk."""
    with open(path, "rb") as f:
        os.fsync(f.fileno())
    return {
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "sample": sha256_sample(path),
    }


PUBLISHED = "PUBLISHED"  # beside CURRENT: the names CURRENT has held, oldest first


def record_published(root: Path, version: str, before: str | None) -> None:
    """Note that CURRENT now names `version` (and named `before`, for a KB from before this
    record was kept): only published versions are worth keeping."""
    names = [v for v in published(root) or [before] if v and v != version] + [version]
    write_durably(root / PUBLISHED, "\n".join(names[-2 * KEEP_VERSIONS :]) + "\n")


def published(root: Path) -> list[str]:
    """The versions CURRENT has named, oldest first (a KB from before the record: none)."""
    try:
        lines = (root / PUBLISHED).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return []
    return [v for v in lines if VERSION_NAME.fullmatch(v)]


def prune(root: Path, keep: str) -> None:
    """Drop old versions and dead temp folders, keeping `keep` (the current version) and the
    last few published ones for readers still on them. A folder CURRENT never named (a crash
    between its rename and the CURRENT write) goes, however new its name: age is judged by
    what was published, never by folder names."""
    kept = {keep, *published(root)[-KEEP_VERSIONS:]}
    for old in (root / "versions").glob("v[0-9]*"):
        if old.is_dir() and old.name not in kept:
            shutil.rmtree(old, ignore_errors=True)
    sweep_temporary(root)


# Where a writer keeps its temporary folders (`.tmp-<name>-<pid>`) in a KB folder: versions
# being written, trained models being saved (`learn.finetune`), ONNX exports (`kb.encoder`).
TEMPORARY = ("versions", "models", "models/onnx")


def sweep_temporary(root: Path) -> list[Path]:
    """Remove what killed writers left: temporary folders in `TEMPORARY` and the temp files
    of `write_durably` (`.CURRENT.<pid>.tmp`), each only once its writer is gone (see
    `kb.disk.sweep`); a live ingest, training or export keeps its own."""
    gone = [path for sub in TEMPORARY for path in disk.sweep(root / sub)]
    return gone + disk.sweep(root, ".*.tmp")


def referenced_models(root: Path) -> set[str]:
    """The models (names) that the versions on disk read documents and questions with."""
    names = set()
    for folder in (root / "versions").glob("v[0-9]*"):
        with contextlib.suppress(KBCorrupt, OSError):
            manifest = read_manifest(folder)
            names.add(manifest.get("model"))
            names.add(manifest.get("query_model"))
            names.add(manifest.get("training", {}).get("measuring_model"))
    return names - {None}


MANIFEST_DIGEST = "manifest.sha256"  # beside manifest.json: the manifest is checked too
# What a reader relies on, by type; a manifest without one of them is damaged.
MANIFEST_FIELDS = {"model": str, "dimensions": int, "version": str, "files": dict, "index": dict}


def write_manifest(folder: Path, manifest: dict) -> None:
    """The manifest, then its own sha256: a changed byte in either is caught on load."""
    text = json.dumps(manifest, indent=2)
    write_durably(folder / "manifest.json", text)
    write_durably(folder / MANIFEST_DIGEST, sha256_text(text) + "\n")


def read_manifest(folder: Path) -> dict:
    """The version's manifest, checked against its digest (when it has one) and its schema."""
    try:
        raw = (folder / "manifest.json").read_text(encoding="utf-8")
        digest = folder / MANIFEST_DIGEST
        if digest.exists() and digest.read_text(encoding="utf-8").strip() != sha256_text(raw):
            raise KBCorrupt(
                f"{folder}/manifest.json is damaged (checksum mismatch); run `kb ingest --rebuild`"
            )
        manifest = json.loads(raw)
    except FileNotFoundError as exc:
        raise KBCorrupt(f"{folder} has no manifest; run `kb ingest --rebuild`") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise KBCorrupt(f"{folder}/manifest.json is damaged; run `kb ingest --rebuild`") from exc
    if manifest.get("format") != FORMAT:
        raise KBCorrupt(
            f"{folder} was written in KB format {manifest.get('format')}, this program reads "
            f"format {FORMAT}; run `kb ingest --rebuild`"
        )
    wrong = [k for k, kind in MANIFEST_FIELDS.items() if not isinstance(manifest.get(k), kind)]
    if wrong:
        raise KBCorrupt(
            f"{folder}/manifest.json lacks {', '.join(wrong)}; run `kb ingest --rebuild`"
        )
    return manifest


def check_files(folder: Path, manifest: dict) -> None:
    """Size and digest of every file against the manifest: truncation and damage show here."""
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise KBCorrupt(f"{path} is missing; run `kb ingest --rebuild`")
        if path.stat().st_size != expected["bytes"]:
            raise KBCorrupt(f"{path} is truncated or altered; run `kb ingest --rebuild`")
        if "sample" in expected and expected["bytes"] > FULL_CHECK_BYTES:
            same = sha256_sample(path) == expected["sample"]
        else:
            same = sha256_file(path) == expected["sha256"]
        if not same:
            raise KBCorrupt(f"{path} is damaged (checksum mismatch); run `kb ingest --rebuild`")
