"""Bytes of a text format (.txt, Markdown, HTML) as str: charset and binary detection.

`decode_text` reads UTF-8 first, then a charset guess it can trust, and refuses binary
content and garbage with a reason a person can act on.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from ingest.unreadable import Unreadable

_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\n\r\f\v\x1b") + b"\x7f"
_MAX_CONTROL_SHARE = 0.05  # share of control bytes above which a file is binary, not text
_MAX_CHAOS = 0.2  # charset-normalizer's "mess" ratio above which a guess is not trusted
_UNDECODABLE = "cannot decode text (not UTF-8 and no reliable encoding found)"


def decode_text(data: bytes) -> str:
    """Bytes of a text format as str: UTF-8 first, then a guess we can trust, else reject.

    Order matters. UTF-8 is what almost every file is. A file that is UTF-8 except for a
    few damaged bytes is still read as UTF-8 (damage shown as U+FFFD) instead of being
    guessed into mojibake. Otherwise charset-normalizer guesses; among equally good
    guesses we prefer Windows-1252, the web's reading of "Latin-1", because
    charset-normalizer ranks Central-European cp1250 first for French text ("très" would
    come out as "trčs"). Garbage gets no guess or a messy one and is rejected.
    """
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, codec)
    if b"\x00" in data or _control_share(data) > _MAX_CONTROL_SHARE:
        raise Unreadable("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = _mostly_utf8(data)
    return text if text is not None else _guess(data)


def text_only(data: bytes) -> str:
    """Decoded text that has something besides whitespace in it."""
    text = decode_text(data)
    if not text.strip():
        raise Unreadable("no text (whitespace only)")
    return text


def _strict(data: bytes, codec: str) -> str:
    """`data` in `codec`, or a rejection: a wrong codec must not produce text silently."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise Unreadable(_UNDECODABLE) from None


def _control_share(data: bytes) -> float:
    """Share of control bytes in the first megabyte: enough to tell binary from text."""
    sample = data[: 1024 * 1024]
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few damaged bytes: real multi-byte characters outnumber the damage."""
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    real = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if damaged <= max(1, len(text) // 100) and real > damaged:
        return text
    return None


def _guess(data: bytes) -> str:
    """charset-normalizer's reading; it drops every candidate messier than `_MAX_CHAOS`."""
    matches = from_bytes(data, threshold=_MAX_CHAOS)
    best = matches.best()
    if best is None:
        raise Unreadable(_UNDECODABLE)
    for match in matches:
        if match.chaos <= best.chaos + 0.01 and "cp1252" in match.could_be_from_charset:
            return _strict(data, "cp1252")
    return str(best)
