"""What a format reader is: a name, the suffixes it reads and a function from bytes to lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Title = str | None  # from the file's own metadata; None when it has none


@dataclass(frozen=True)
class Format:
    """One supported format; `read` turns file bytes into (title, canonical text)."""

    name: str  # recorded as the document's format: "txt", "md", "html", "pdf", "docx"
    suffixes: tuple[str, ...]  # lower case, with the dot
    read: Callable[[bytes], tuple[Title, str]]
