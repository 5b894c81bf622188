"""Tests for ingest.load and the modules behind it (files, decode, formats): real files of every
format, written into tmp_path by the tests."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from ingest import files as files_module
from ingest.load import MAX_BYTES, SUPPORTED, decode_text, find_documents, load
from kb.errors import RejectedFile
from kb.model import LoadedDocument, Rejected

REPO = Path(__file__).resolve().parents[2]
SITE_DOC = REPO / "data" / "docs" / "socio-technical-systems.txt"


# --------------------------------------------------------------------------- helpers


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def rejected_reason(path: Path) -> str:
    with pytest.raises(RejectedFile) as caught:
        load(path)
    assert caught.value.path == str(path)
    return caught.value.reason


def random_bytes(seed: int, size: int, low: int = 0, high: int = 256) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(low, high) for _ in range(size))


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF with a Helvetica text object and a correct xref table."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({s}) Tj T*" for s in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if title:
        objects.append(f"<< /Title ({title}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    info = f" /Info {len(objects)} 0 R" if title else ""
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R{info} >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


MARKDOWN = """\
---
title: front matter is not text
---
# Strategy *Guide*

Intro paragraph
that wraps onto two lines.

## Balanced Scorecard

- Phased Rollout: start **small**
  - Pilot one team
    1. Pick a process
    2. Measure it
- Feedback Loops

  A second paragraph of the same item.
- Governance

3. Third step
4. Fourth step

| Framework | Core Focus |
|---|---|
| Balanced Scorecard | Four perspectives |
| OKR | Goals and results |

> A quoted lesson.

```
# a comment in code
```
"""

HTML = """\
<!doctype html>
<html><head><title>Strategy Page</title>
<style>.secret { color: red }</style><script>var tracking = "SCRIPT-TEXT";</script></head>
<body>
<nav><a href="/">NAV-TEXT</a></nav>
<header>HEADER-TEXT</header>
<!-- COMMENT-TEXT -->
<h1>Main Heading</h1>
<div>Loose <b>bo</b>ld text<br>after a break</div>
<p hidden>HIDDEN-ATTR</p>
<p style="display: none">HIDDEN-STYLE</p>
<span aria-hidden="true">HIDDEN-ARIA</span>
<noscript>NOSCRIPT-TEXT</noscript>
<h2>Balanced Scorecard</h2>
<p>A paragraph
spread over lines.</p>
<ul>
  <li>Phased Rollout <em>first</em>
    <ul><li>Pilot team<ol><li>Pick a process</li></ol></li></ul>
  </li>
  <li><p>Second item</p></li>
</ul>
<ol start="5"><li>Fifth</li><li>Sixth</li></ol>
<table>
  <thead><tr><th>Framework</th><th>Core Focus</th></tr></thead>
  <tbody><tr><td>OKR</td><td>Goals</td></tr></tbody>
</table>
<blockquote><p>Quoted words.</p></blockquote>
<pre>first code line
second code line</pre>
<script>alert("SCRIPT-BODY")</script>
<iframe src="x">IFRAME-TEXT</iframe>
<svg><text>SVG-TEXT</text></svg>
<template><p>TEMPLATE-TEXT</p></template>
<footer>FOOTER-TEXT</footer>
</body></html>
"""


def make_docx(path: Path, title: str | None = "Docx Title") -> Path:
    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.add_heading("Strategy Handbook", 0)  # the "Title" style
    document.add_heading("Balanced Scorecard", 2)
    document.add_paragraph("A plain paragraph.")
    document.add_paragraph("Phased Rollout", style="List Bullet")
    document.add_paragraph("Pilot team", style="List Bullet 2")
    document.add_paragraph("Pick a process", style="List Number")
    document.add_paragraph("Measure it", style="List Number")
    table = document.add_table(rows=4, cols=2)
    for r, row in enumerate([("Framework", "Core Focus"), ("OKR", "Goals"), ("BSC", "Balance")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(3, 0).merge(table.cell(3, 1)).text = "Merged note"
    document.add_paragraph("After the table.")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


# --------------------------------------------------------------------------- plain text


def test_txt_is_returned_unchanged_with_unix_line_ends(tmp_path: Path) -> None:
    raw = "Fundamentals\r\n\r\n  • Social System ● people\r\n  1. Observe\r\n"
    path = write(tmp_path / "plain-notes.txt", raw)
    loaded = load(path)
    assert loaded.text == raw.replace("\r\n", "\n")
    assert (loaded.doc, loaded.format, loaded.title, loaded.path) == (
        "plain-notes",
        "txt",
        None,
        str(path),
    )


def test_real_site_document_loads_verbatim() -> None:
    loaded = load(SITE_DOC)
    raw = SITE_DOC.read_bytes()
    assert loaded.text == raw.decode("utf-8").replace("\r\n", "\n")
    assert loaded.sha256 == hashlib.sha256(raw).hexdigest()
    assert loaded.doc == "socio-technical-systems"
    assert any(line.startswith("  • Social System ● ") for line in loaded.text.splitlines())


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfStrategy first")
    assert load(path).text == "Strategy first"


@pytest.mark.parametrize(
    "text",
    ["Le café est très naïf, dit Müller à Zürich.\nÇa coûte cher.\n", "One accent: crème"],
    ids=["french-german", "single-accent"],
)
def test_latin1_text_is_read_correctly(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "latin.txt", text.encode("latin-1"))
    assert load(path).text == text


def test_cp1252_markdown_is_read_correctly(tmp_path: Path) -> None:
    source = "# Größe – “Maßnahmen”\n\nDie Straße für Müller kostet 5 €.\n"
    path = write(tmp_path / "german.md", source.encode("cp1252"))
    loaded = load(path)
    assert loaded.title == "Größe – “Maßnahmen”"
    assert "Die Straße für Müller kostet 5 €." in loaded.text.splitlines()


def test_utf8_with_one_damaged_byte_stays_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "damaged.txt", "Café for the naïve owner ".encode() + b"\xff")
    assert load(path).text == "Café for the naïve owner \ufffd"


def test_broken_encoding_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.txt", random_bytes(2, 600, low=128))
    assert rejected_reason(path).startswith("cannot decode text")


def test_text_drowned_in_garbage_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.md", b"A short title. " + random_bytes(5, 400, low=128))
    assert rejected_reason(path).startswith("cannot decode text")


def test_messy_guess_is_not_trusted(tmp_path: Path) -> None:
    # charset-normalizer's best guess for this is mac_cyrillic, with chaos above 0.2
    garbage = bytes.fromhex("eb91bd97ec8f9fb98fe58cb88ba2caeba49eceae9ab0df98908fb4ffed")
    path = write(tmp_path / "messy.txt", b"team risk plan plan cost " + garbage)
    assert rejected_reason(path).startswith("cannot decode text")


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "windows.txt", "Notepad café".encode("utf-16"))
    assert load(path).text == "Notepad café"


def test_truncated_utf16_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "cut.txt", "Notepad".encode("utf-16") + b"!")
    assert rejected_reason(path).startswith("cannot decode text")


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1))
@settings(max_examples=200, deadline=None)
def test_any_utf8_text_decodes_to_itself(text: str) -> None:
    assert decode_text(text.encode("utf-8")) == text.removeprefix("\ufeff")  # a BOM goes


# --------------------------------------------------------------------------- Markdown


def test_markdown_canonical_lines(tmp_path: Path) -> None:
    loaded = load(write(tmp_path / "guide.md", MARKDOWN))
    lines = loaded.text.splitlines()
    assert loaded.format == "md"
    assert loaded.title == "Strategy Guide"
    assert lines[0] == "# Strategy Guide"
    assert "Intro paragraph that wraps onto two lines." in lines
    assert "## Balanced Scorecard" in lines
    items = [
        "• Phased Rollout: start small",
        "  • Pilot one team",
        "    1. Pick a process",
        "    2. Measure it",
        "• Feedback Loops A second paragraph of the same item.",
        "• Governance",
    ]
    start = lines.index(items[0])
    assert lines[start : start + len(items)] == items
    assert lines[lines.index("3. Third step") + 1] == "4. Fourth step"
    table = ["| Framework | Core Focus |", "| Balanced Scorecard | Four perspectives |"]
    start = lines.index(table[0])
    assert lines[start : start + 3] == [*table, "| OKR | Goals and results |"]
    assert "A quoted lesson." in lines
    assert "front matter" not in loaded.text
    assert not any(line.startswith("|-") or "---" in line for line in lines)


def test_markdown_lists_are_set_apart_from_each_other(tmp_path: Path) -> None:
    lines = load(write(tmp_path / "two.md", "- a\n- b\n\n1. one\n")).text.splitlines()
    assert lines == ["• a", "• b", "", "1. one"]


def test_markdown_code_is_not_a_heading_or_title(tmp_path: Path) -> None:
    loaded = load(write(tmp_path / "code.md", "Intro\n\n```\n# shell comment\n```\n\n## Real\n"))
    assert loaded.title is None
    assert "## Real" in loaded.text.splitlines()


def test_markdown_pipe_inside_cell_is_escaped(tmp_path: Path) -> None:
    source = "| Term | Meaning |\n|---|---|\n| A \\| B | either |\n"
    lines = load(write(tmp_path / "pipe.md", source)).text.splitlines()
    assert lines == ["| Term | Meaning |", "| A \\| B | either |"]


def test_markdown_suffix_variant(tmp_path: Path) -> None:
    loaded = load(write(tmp_path / "long.MARKDOWN", "# Heading\n\nBody.\n"))
    assert (loaded.format, loaded.doc, loaded.title) == ("md", "long", "Heading")


# --------------------------------------------------------------------------- HTML


def test_html_canonical_lines_and_chrome_dropped(tmp_path: Path) -> None:
    loaded = load(write(tmp_path / "page.html", HTML))
    lines = loaded.text.splitlines()
    assert loaded.format == "html"
    assert loaded.title == "Strategy Page"
    assert "# Main Heading" in lines
    assert "## Balanced Scorecard" in lines
    assert "Loose bold text after a break" in lines
    assert "A paragraph spread over lines." in lines
    start = lines.index("• Phased Rollout first")
    assert lines[start : start + 4] == [
        "• Phased Rollout first",
        "  • Pilot team",
        "    1. Pick a process",
        "• Second item",
    ]
    assert lines[lines.index("5. Fifth") + 1] == "6. Sixth"
    start = lines.index("| Framework | Core Focus |")
    assert lines[start + 1] == "| OKR | Goals |"
    assert "Quoted words." in lines
    assert "first code line" in lines and "second code line" in lines
    for marker in ("SCRIPT", "NAV-", "HEADER-", "FOOTER-", "HIDDEN-", "NOSCRIPT", "COMMENT"):
        assert marker not in loaded.text
    for marker in ("IFRAME", "SVG-", "TEMPLATE", "secret", "Strategy Page"):
        assert marker not in loaded.text


def test_html_title_falls_back_to_first_h1(tmp_path: Path) -> None:
    path = write(tmp_path / "h1.htm", "<body><h1>First <i>One</i></h1><h1>Second</h1></body>")
    loaded = load(path)
    assert (loaded.title, loaded.format) == ("First One", "html")


def test_html_without_title_has_none(tmp_path: Path) -> None:
    assert load(write(tmp_path / "bare.html", "<p>Just words.</p>")).title is None


def test_html_with_only_script_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "script.html", "<html><script>var a = 1;</script><nav>x</nav></html>")
    assert rejected_reason(path) == "no extractable text"


# --------------------------------------------------------------------------- DOCX


def test_docx_canonical_lines_in_body_order(tmp_path: Path) -> None:
    loaded = load(make_docx(tmp_path / "handbook.docx"))
    lines = [line for line in loaded.text.splitlines() if line]
    assert (loaded.format, loaded.title, loaded.doc) == ("docx", "Docx Title", "handbook")
    assert lines == [
        "# Strategy Handbook",
        "## Balanced Scorecard",
        "A plain paragraph.",
        "• Phased Rollout",
        "  • Pilot team",
        "1. Pick a process",
        "2. Measure it",
        "| Framework | Core Focus |",
        "| OKR | Goals |",
        "| BSC | Balance |",
        "| Merged note |",
        "After the table.",
    ]


def test_docx_without_title_property_has_none(tmp_path: Path) -> None:
    assert load(make_docx(tmp_path / "untitled.docx", title=None)).title is None


def test_docx_numbering_properties_make_items(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Intro.")
    paragraph = document.add_paragraph("Numbered by properties")  # style "Normal"
    bullet_num_id = document.styles["List Bullet"].element.pPr.numPr.numId.val
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 1
    num_pr.get_or_add_numId().val = bullet_num_id
    path = tmp_path / "numbered.docx"
    document.save(str(path))
    assert "  • Numbered by properties" in load(path).text.splitlines()


def test_docx_nested_numbering_restarts_under_each_item(tmp_path: Path) -> None:
    document = docx.Document()
    for text, style in [
        ("Plan", "List Number"),
        ("Draft", "List Number 2"),
        ("Review", "List Number 2"),
        ("Launch", "List Number"),
        ("Announce", "List Number 2"),
    ]:
        document.add_paragraph(text, style=style)
    path = tmp_path / "steps.docx"
    document.save(str(path))
    assert load(path).text.splitlines() == [
        "1. Plan",
        "  1. Draft",
        "  2. Review",
        "2. Launch",
        "  1. Announce",
    ]


def test_corrupt_docx_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "corrupt.docx", random_bytes(3, 2000))
    assert rejected_reason(path).startswith("corrupt or unreadable DOCX: ")


def test_docx_that_is_a_zip_but_not_word_is_rejected(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "notword.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    assert rejected_reason(path).startswith("corrupt or unreadable DOCX: ")


# --------------------------------------------------------------------------- PDF


def test_pdf_text_and_title(tmp_path: Path) -> None:
    path = write(
        tmp_path / "report.pdf", make_pdf(["Balanced Scorecard", "Maps link goals."], "PDF T")
    )
    loaded = load(path)
    assert (loaded.format, loaded.title, loaded.doc) == ("pdf", "PDF T", "report")
    assert loaded.text.splitlines()[:2] == ["Balanced Scorecard", "Maps link goals."]


def test_pdf_without_title_has_none(tmp_path: Path) -> None:
    assert load(write(tmp_path / "untitled.pdf", make_pdf(["Words"]))).title is None


def test_pdf_without_text_layer_is_rejected(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert rejected_reason(path) == "no extractable text (scanned PDF?)"


def encrypted_pdf(tmp_path: Path, user_password: str) -> Path:
    source = write(tmp_path / "plain.pdf", make_pdf(["Confidential plan"]))
    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def test_password_protected_pdf_is_rejected(tmp_path: Path) -> None:
    path = encrypted_pdf(tmp_path, user_password="secret")
    assert rejected_reason(path) == "encrypted PDF (password required)"


def test_pdf_encrypted_with_empty_password_is_read(tmp_path: Path) -> None:
    path = encrypted_pdf(tmp_path, user_password="")
    assert load(path).text.splitlines()[0] == "Confidential plan"


def test_corrupt_pdf_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "corrupt.pdf", b"%PDF-1.4\n" + random_bytes(4, 500))
    assert rejected_reason(path).startswith("corrupt or unreadable PDF: ")


# --------------------------------------------------------------------------- rejections


@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.html", "empty.docx", "e.pdf"])
def test_empty_file_is_rejected(tmp_path: Path, name: str) -> None:
    assert rejected_reason(write(tmp_path / name, b"")) == "empty file"


@pytest.mark.parametrize("name", ["blank.txt", "blank.md", "blank.html"])
def test_whitespace_only_is_rejected(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, " \n\t\r\n  \n")
    assert rejected_reason(path) == "no text (whitespace only)"


@pytest.mark.parametrize(
    "data",
    [b"Looks like text\x00but has a NUL", random_bytes(1, 4000), random_bytes(6, 4000, low=1)],
    ids=["nul-byte", "random-bytes", "random-bytes-without-nul"],
)
def test_binary_content_is_rejected(tmp_path: Path, data: bytes) -> None:
    assert rejected_reason(write(tmp_path / "binary.txt", data)) == "binary content, not text"


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    assert rejected_reason(tmp_path / "gone.md") == "cannot read: No such file or directory"


def test_folder_given_to_load_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "folder.md"
    folder.mkdir()
    assert rejected_reason(folder) == "not a regular file"


def test_unsupported_suffix_is_rejected_by_load(tmp_path: Path) -> None:
    assert rejected_reason(write(tmp_path / "sheet.xlsx", b"PK")) == "unsupported format .xlsx"


def test_too_large_file_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_BYTES == 64 * 1024 * 1024
    monkeypatch.setattr(files_module, "MAX_BYTES", 1024 * 1024)
    path = write(tmp_path / "big.txt", b"a" * (1024 * 1024 + 1))
    assert rejected_reason(path) == "file too large: 2 MB > 1 MB"
    assert load(write(tmp_path / "fits.txt", b"a" * (1024 * 1024))).text == "a" * 1024 * 1024


# --------------------------------------------------------------------------- identity


def test_path_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    path = write(tmp_path / "données clé" / "ré sumé.md", "# Résumé\n\nTexte accentué.\n")
    loaded = load(path)
    assert (loaded.doc, loaded.path, loaded.title) == ("ré sumé", str(path), "Résumé")
    assert loaded.text.splitlines() == ["# Résumé", "", "Texte accentué."]
    assert find_documents([tmp_path / "données clé"]) == ([path], [])


def test_sha256_is_stable_and_follows_content(tmp_path: Path) -> None:
    path = write(tmp_path / "hash.md", "# One\n")
    first, again = load(path), load(path)
    assert first.sha256 == again.sha256 == hashlib.sha256(b"# One\n").hexdigest()
    write(path, "# One!\n")
    assert load(path).sha256 != first.sha256


def test_same_text_in_other_format_keeps_its_own_identity(tmp_path: Path) -> None:
    md = load(write(tmp_path / "x.md", "Same words.\n"))
    txt = load(write(tmp_path / "x.txt", "Same words.\n"))
    assert isinstance(md, LoadedDocument)
    assert (md.format, txt.format) == ("md", "txt")
    assert md.sha256 == txt.sha256  # the hash is of the bytes, not of the format


# --------------------------------------------------------------------------- find_documents


def test_find_documents_in_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    expected = [
        write(root / "a.txt", "a"),
        write(root / "b.MD", "b"),
        write(root / "sub" / "c.html", "<p>c</p>"),
        write(root / "sub" / "deeper" / "d.pdf", b"%PDF"),
        write(root / "z.docx", b"PK"),
    ]
    write(root / "catalog.json", "{}")
    write(root / "notes.xyz", "ignored inside a folder")
    write(root / ".hidden.md", "hidden")
    write(root / ".git" / "e.md", "in a hidden folder")
    write(root / "sub" / "README", "no suffix")
    found, rejected = find_documents([root])
    assert found == expected
    assert rejected == []


def test_find_documents_rejects_named_problems(tmp_path: Path) -> None:
    good = write(tmp_path / "good.md", "# Good")
    odd = write(tmp_path / "odd.xyz", "data")
    found, rejected = find_documents([good, odd, tmp_path / "missing.md", good])
    assert found == [good]
    assert rejected == [
        Rejected(str(odd), "unsupported format .xyz"),
        Rejected(str(tmp_path / "missing.md"), "No such file or directory"),
    ]


def test_find_documents_lists_each_file_once(tmp_path: Path) -> None:
    doc = write(tmp_path / "docs" / "one.md", "# One")
    found, rejected = find_documents([tmp_path / "docs", doc])
    assert (found, rejected) == ([doc], [])


def test_find_documents_reports_symlink_loops_and_broken_links(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    doc = write(root / "sub" / "real.md", "# Real")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)
    (root / "self.md").symlink_to(root / "self.md")
    (root / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (root / "dangling.png").symlink_to(tmp_path / "nowhere.png")  # not a document: ignored
    found, rejected = find_documents([root])
    assert found == [doc]
    assert rejected == [
        Rejected(str(root / "dangling.md"), "broken symlink"),
        Rejected(str(root / "self.md"), "symlink loop"),
        Rejected(str(root / "sub" / "up"), "symlink loop"),
    ]


def test_find_documents_reports_unreadable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "docs" / "locked"
    write(locked / "secret.md", "# Secret")
    visible = write(tmp_path / "docs" / "open.md", "# Open")
    real_scandir = os.scandir

    def scandir(path):  # the tests run as root, so chmod cannot make a folder unreadable
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found, rejected = find_documents([tmp_path / "docs"])
    assert found == [visible]
    assert rejected == [Rejected(str(locked), "cannot read folder: Permission denied")]


def test_supported_suffixes() -> None:
    assert SUPPORTED == (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
