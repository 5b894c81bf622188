"""Which files an ingest reads, and reading one: discovery, file checks and the size cap.

`find_documents` expands the paths a user named into the document files to load;
`read_bytes` reads one of them whole after checking it is a regular file of sensible size;
`catalog_title` reads the title a maintainer gave a file in its folder's `catalog.json`.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

from ingest.formats import SUPPORTED, unsupported
from ingest.unreadable import Unreadable
from kb.model import Rejected

MAX_BYTES = 64 * 1024 * 1024
# Markup is parsed into a tree many times its size (a 50 MB one-line HTML page took 3.7 GB
# and 82 s); a web page or a Markdown note is well under 2 MB. Checked before reading.
MAX_MARKUP_BYTES = {".html": 8 * 1024 * 1024, ".htm": 8 * 1024 * 1024}
MAX_MARKUP_BYTES |= {".md": 8 * 1024 * 1024, ".markdown": 8 * 1024 * 1024}
CATALOG = "catalog.json"  # titles for the documents of its folder; not a document itself
IGNORED_NAMES = frozenset({CATALOG})
# A link in a documents folder that leads out of it (`passwd.txt -> /etc/passwd`) would put
# a file nobody chose into the KB and onto the page: it is refused, not followed.
LINK_OUTSIDE = "a symbolic link to outside the folder; not read (copy the file in instead)"


def find_documents(paths: list[Path]) -> tuple[list[Path], list[Rejected]]:
    """Expand the named paths into the document files to load.

    Folders are searched recursively, in sorted order; inside them only files with a
    supported suffix are kept, and hidden files, hidden folders and `catalog.json` are
    skipped silently. A link inside a folder that leads outside it is refused
    (`LINK_OUTSIDE`); a link within it is followed (a file named on its own may be a link).
    A named file with an unsupported suffix, a path that does not exist, a symlink loop or
    a folder that cannot be listed is returned as `Rejected` instead.
    Each file is listed once, even when several named paths reach it.
    """
    found: list[Path] = []
    rejected: list[Rejected] = []
    for path in map(Path, paths):
        if path.is_dir():
            files, problems = _walk_folder(path)
            found.extend(files)
            rejected.extend(problems)
        else:
            problem = _check_named_file(path)
            if problem:
                rejected.append(Rejected(str(path), problem))
            else:
                found.append(path)
    return _unique(found), rejected


def read_bytes(path: Path) -> bytes:
    """The whole file, after checking it is a regular file of a sensible size (for
    markup, the smaller `MAX_MARKUP_BYTES`)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("not a regular file")
        if info.st_size > MAX_BYTES:
            raise Unreadable(f"file too large: {_mb(info.st_size)} MB > {_mb(MAX_BYTES)} MB")
        markup = MAX_MARKUP_BYTES.get(path.suffix.lower())
        if markup is not None and info.st_size > markup:
            raise Unreadable(
                f"{path.suffix.lower().lstrip('.').upper()} file too large to parse: "
                f"{_mb(info.st_size)} MB > {_mb(markup)} MB; split the document"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if not data:
        raise Unreadable("empty file")
    return data


def catalog_title(path: Path) -> str | None:
    """The title a maintainer gave the file in its folder's catalog.json, if any."""
    try:
        catalog = json.loads((path.parent / CATALOG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = catalog.get(path.name) if isinstance(catalog, dict) else None
    return entry.get("title") if isinstance(entry, dict) else None


def _mb(size: int) -> int:
    """Megabytes rounded up, so 64 MB + 1 byte says 65 and the two numbers differ."""
    return -(-size // (1024 * 1024))


def _check_named_file(path: Path) -> str | None:
    """Why a path the user named cannot be loaded, or None when it can."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno != errno.ELOOP and os.path.islink(path):
            return "broken symlink"
        return _os_reason(exc)
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if path.suffix.lower() not in SUPPORTED:
        return unsupported(path.suffix.lower())
    return None


def _os_reason(exc: OSError) -> str:
    """The operating system's words for a failure, with a loop named as one."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return exc.strerror or str(exc)


def _walk_folder(root: Path) -> tuple[list[Path], list[Rejected]]:
    """Supported files under `root`, sorted as a tree; symlinked folders are followed once."""
    files: list[Path] = []
    rejected: list[Rejected] = []
    root_real = os.path.realpath(root)

    def visit(folder: Path, ancestors: frozenset[str]) -> None:
        """List one folder; `ancestors` are the real paths above it, to stop at a loop."""
        real = os.path.realpath(folder)
        if real in ancestors:
            rejected.append(Rejected(str(folder), "symlink loop"))
            return
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            rejected.append(Rejected(str(folder), f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name in IGNORED_NAMES:
                continue
            path = folder / entry.name
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError as exc:
                rejected.append(Rejected(str(path), _os_reason(exc)))
                continue
            if entry.is_symlink() and (is_dir or is_file) and not _inside(path, root_real):
                if is_dir or path.suffix.lower() in SUPPORTED:
                    rejected.append(Rejected(str(path), LINK_OUTSIDE))
                continue
            if is_dir:
                visit(path, ancestors | {real})
            elif is_file:
                if path.suffix.lower() in SUPPORTED:
                    files.append(path)
            elif entry.is_symlink():  # dangling or looping: say so if it could be a document
                problem = _check_named_file(path) or "broken symlink"
                if problem == "symlink loop" or path.suffix.lower() in SUPPORTED:
                    rejected.append(Rejected(str(path), problem))

    visit(root, frozenset())
    return files, rejected


def _inside(path: Path, folder_real: str) -> bool:
    """Whether `path`, links resolved, is the folder whose real path is given or inside it."""
    real = os.path.realpath(path)
    return real == folder_real or real.startswith(folder_real.rstrip(os.sep) + os.sep)


def _unique(paths: list[Path]) -> list[Path]:
    """First occurrence of each file, comparing real paths."""
    seen: set[str] = set()
    kept = []
    for path in paths:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept
