"""Upload safety: which uploaded files the page may save into the documents folder, and saving them.

A name is cut to its last part, so an upload can never write outside the folder, and must
name a supported, visible document; a file over the size limit is never saved.
"""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.runtime.uploaded_file_manager import UploadedFile

from ingest.load import SUPPORTED


def max_upload_mb() -> float:
    """The upload limit in MB: KB_MAX_UPLOAD_MB, else 20.

    The loaders cap text far below it anyway, and a huge upload held in memory by every
    session would hurt everyone on the page. Read on every run, as the setting may change.
    """
    return float(os.environ.get("KB_MAX_UPLOAD_MB", "20"))


def too_large(upload: UploadedFile) -> bool:
    """Over the limit: such a file is refused with a message, never saved."""
    return upload.size > max_upload_mb() * 1e6


def safe_name(name: str) -> str | None:
    """A file name that stays inside the documents folder, or None."""
    base = Path(name.replace("\\", "/")).name.strip()
    if not base or base.startswith(".") or Path(base).suffix.lower() not in SUPPORTED:
        return None
    return base


def save(folder: Path, files: list[UploadedFile]) -> list[str]:
    """Write the uploads that have a safe name and size into `folder`; returns the names saved."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for f in files:
        name = safe_name(f.name)
        if name and not too_large(f):
            (folder / name).write_bytes(f.getvalue())
            saved.append(name)
    return saved
