"""Ingest safety (issue 28): what a hostile or unlucky file cannot do to an ingest.

Each test builds the file that broke an earlier version (a text of many pop-ups, a decoy
folder of same-named files, a link out of the folder, a file name with a newline) and checks
what the maintainer sees: the KB unchanged or the file rejected with a reason.
"""

from __future__ import annotations

import io
import os
import shutil
import time
import zipfile
from pathlib import Path

import docx
import pytest

from ingest import gather
from ingest.clean import clean
from ingest.files import LINK_OUTSIDE, find_documents
from ingest.formats.docx import MAX_DOCX_PARAGRAPHS
from ingest.load import load
from kb.errors import RejectedFile, UsageError
from kb.model import Rejected
from kb.store import current_version, open_kb
from kb.text import strip_control
from tests.samples import GOOD
from ui.build import ingest

CEILING_SECONDS = 30  # generous: the point is minutes or hours before, not a benchmark


def rejection(report, path: Path) -> str:
    return next(r.reason for r in report.rejected if r.path == str(path))


def test_many_popup_heads_clean_in_linear_time() -> None:
    text = "Meaning ● word " * (200_000 // 15)  # took minutes: each head re-read the rest
    started = time.perf_counter()
    lines = clean(text)
    assert time.perf_counter() - started < CEILING_SECONDS
    assert lines[0].terms == [] and lines[0].text.startswith("Meaning — word")


def test_many_popups_each_ending_its_sentence_are_lifted_whole() -> None:
    text = "the metric Meaning ● A number. " * (200_000 // 31)
    started = time.perf_counter()
    (line,) = clean(text)
    assert time.perf_counter() - started < CEILING_SECONDS
    assert len(line.terms) == 200_000 // 31
    assert line.terms[0] == ("metric", "A number.")
    assert "Meaning" not in line.text


# --------------------------------------------------------------- same names, other folders


def texts_of(kb_dir: Path) -> dict[str, list[str]]:
    """Each document's passages, by file path."""
    kb = open_kb(kb_dir)
    paths = {d.doc: d.path for d in kb.documents}
    out: dict[str, list[str]] = {}
    for chunk in kb.chunks:
        out.setdefault(paths[chunk.doc], []).append(chunk.text)
    return out


def test_a_folder_of_same_named_files_adds_documents_and_replaces_none(
    docs_copy, tmp_path, fake_embedder
) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs_copy], kb_dir, embedder=fake_embedder)
    before = texts_of(kb_dir)
    concepts = len(open_kb(kb_dir).concepts)
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    for path in docs_copy.glob("*.txt"):
        (decoy / path.name).write_text("Owners should review prices every quarter.\n")
    report = ingest([decoy], kb_dir, embedder=fake_embedder)
    assert report.removed == [] and report.changed == []
    assert sorted(report.added) == sorted(str(decoy / p.name) for p in docs_copy.glob("*.txt"))
    kb = open_kb(kb_dir)
    after = texts_of(kb_dir)
    assert {p: after[p] for p in before} == before  # every passage of every document stays
    assert len(kb.concepts) >= concepts
    ids = {Path(d.path).parent.name: set() for d in kb.documents}
    for d in kb.documents:
        ids[Path(d.path).parent.name].add(d.doc)
    assert ids["decoy"] == {f"{p.stem}-2" for p in docs_copy.glob("*.txt")}
    assert ids["docs"] == {p.stem for p in docs_copy.glob("*.txt")}  # ids as before
    again = ingest([docs_copy, decoy], kb_dir, embedder=fake_embedder)  # and they stay apart
    assert again.added == again.changed == again.removed == []


def test_a_moved_folder_takes_its_documents_over_without_duplicates(
    docs, tmp_path, fake_embedder
) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs], kb_dir, embedder=fake_embedder)
    moved = docs.rename(tmp_path / "moved")
    report = ingest([moved], kb_dir, embedder=fake_embedder)
    assert report.removed == [str(docs / "good.md")]
    assert [(d.doc, d.path) for d in open_kb(kb_dir).documents] == [
        ("good", str(moved / "good.md"))
    ]


def test_a_copied_folder_takes_its_documents_over_without_duplicates(
    docs, tmp_path, fake_embedder
) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs], kb_dir, embedder=fake_embedder)
    copy = tmp_path / "copy"
    shutil.copytree(docs, copy)
    (copy / "extra.md").write_text(GOOD.replace("Pricing", "Stock"))
    report = ingest([copy], kb_dir, embedder=fake_embedder)
    assert report.removed == [str(docs / "good.md")]
    assert sorted((d.doc, d.path) for d in open_kb(kb_dir).documents) == [
        ("extra", str(copy / "extra.md")),
        ("good", str(copy / "good.md")),
    ]


def test_rewriting_most_of_the_kbs_text_needs_yes(docs_copy, tmp_path, fake_embedder) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs_copy], kb_dir, embedder=fake_embedder)
    version = current_version(kb_dir)
    for path in docs_copy.glob("*.txt"):
        path.write_text("Owners should review prices every quarter.\n")
    with pytest.raises(UsageError, match=r"replace or remove 100% of the KB's text .*--yes"):
        ingest([docs_copy], kb_dir, embedder=fake_embedder)
    assert current_version(kb_dir) == version
    report = ingest([docs_copy], kb_dir, embedder=fake_embedder, confirm=True)
    assert len(report.changed) == 3


def test_an_edit_in_one_place_needs_no_yes(docs, tmp_path, fake_embedder) -> None:
    kb_dir = tmp_path / "kb"
    ingest([docs], kb_dir, embedder=fake_embedder)
    (docs / "good.md").write_text(GOOD + "\nAsk them what they would pay for.\n")
    assert ingest([docs], kb_dir, embedder=fake_embedder).changed == [str(docs / "good.md")]


# ------------------------------------------------------------- rewritten while it is read


def test_a_same_size_rewrite_with_its_mtime_put_back_is_still_read_again(
    docs, tmp_path, fake_embedder, monkeypatch
) -> None:
    page = docs / "good.md"
    first, second = GOOD + "\nFirst draft of this line.\n", GOOD + "\nFinal words of this line.\n"
    assert len(first) == len(second)
    page.write_text(first)
    stamp = page.stat()
    real_parse = gather.parse
    calls = []

    def parse(doc, source, *args):
        if not calls:  # an editor saves in place, same size, and puts the mtime back
            calls.append(source)
            page.write_text(second)
            os.utime(page, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        return real_parse(doc, source, *args)

    monkeypatch.setattr(gather, "parse", parse)
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert report.added == [str(page)]
    text = " ".join(c.text for c in open_kb(tmp_path / "kb").chunks)
    assert "Final words" in text and "First draft" not in text


# ---------------------------------------------------------------------------- links


def test_a_link_leading_out_of_the_folder_is_refused(docs, tmp_path, fake_embedder) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the secret password is swordfish\n")
    (docs / "passwd.txt").symlink_to(secret)
    (docs / "outside").symlink_to(tmp_path, target_is_directory=True)
    (docs / "sub").mkdir()
    (docs / "sub" / "again.md").symlink_to(docs / "good.md")  # inside: followed
    found, rejected = find_documents([docs])
    assert found == [docs / "good.md"]  # again.md is good.md itself: listed once
    assert rejected == [
        Rejected(str(docs / "outside"), LINK_OUTSIDE),
        Rejected(str(docs / "passwd.txt"), LINK_OUTSIDE),
    ]
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert [r.path for r in report.rejected] == [str(docs / "outside"), str(docs / "passwd.txt")]
    assert "swordfish" not in " ".join(c.text for c in open_kb(tmp_path / "kb").chunks)


# ----------------------------------------------------------------------- file names


def test_file_names_in_the_report_are_one_line_and_read_in_order(
    docs, tmp_path, fake_embedder
) -> None:
    fake = docs / "x.md\nrejected: good.md: deleted"  # a newline: a fake line of the report
    fake.with_name(fake.name + ".md").write_text(GOOD)
    (docs / "invoice\u202edm.exe.md").write_text(GOOD)  # shows as "invoiceexe.md" reversed
    (docs / "empty\n.md").write_text("")
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    shown = report.added + [r.path for r in report.rejected]
    assert all("\n" not in p and "\u202e" not in p for p in shown), shown
    assert str(docs / "x.md\\nrejected: good.md: deleted.md") in report.added
    assert str(docs / "invoice\\u202edm.exe.md") in report.added
    assert [r.path for r in report.rejected] == [str(docs / "empty\\n.md")]
    ids = {d.doc for d in open_kb(tmp_path / "kb").documents}
    assert "invoice\\u202edm.exe" in ids


def test_the_cli_prints_an_odd_file_name_on_one_line(tmp_path, kb_run) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a\nrejected: b.md").write_text("")
    done = kb_run("ingest", str(docs), "--kb-dir", str(tmp_path / "kb"))
    assert done.returncode == 1, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "a\\nrejected: b.md: empty file" in done.stderr


def test_bidirectional_overrides_are_control_characters() -> None:
    assert strip_control("file\u202eexe.txt\u2066x\u2069") == "file exe.txt x "


# ------------------------------------------------------------------ a budget for each file


def docx_of_paragraphs(path: Path, count: int) -> Path:
    """A real DOCX (python-docx's own template) whose body holds `count` short paragraphs."""
    document = docx.Document()
    document.add_paragraph("Owners review their prices.")
    template = io.BytesIO()
    document.save(template)
    body = "".join(f"<w:p><w:r><w:t>Point {i}.</w:t></w:r></w:p>" for i in range(count))
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                head, _, rest = data.decode().partition("<w:body>")
                data = f"{head}<w:body>{body}<w:sectPr/></w:body></w:document>".encode()
            target.writestr(item, data)
    return path


def test_a_docx_of_too_many_paragraphs_is_refused_before_parsing(docs, tmp_path) -> None:
    bomb = docx_of_paragraphs(docs / "many.docx", MAX_DOCX_PARAGRAPHS + 1)
    started = time.perf_counter()
    with pytest.raises(RejectedFile, match=r"DOCX has more than 60,000 paragraphs"):
        load(bomb)
    assert time.perf_counter() - started < CEILING_SECONDS


def test_a_50mb_html_page_is_refused_from_its_size(docs, tmp_path, fake_embedder) -> None:
    page = docs / "one-line.html"
    line = b"<p>Owners review <b>prices</b> every quarter.</p>" * 1024
    with page.open("wb") as f:  # one line: parsed, it took 82 s and 3.7 GB
        f.write(b"<html><body>")
        for _ in range(50 * 1024 * 1024 // len(line)):
            f.write(line)
    started = time.perf_counter()
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert time.perf_counter() - started < CEILING_SECONDS
    assert rejection(report, page) == (
        "HTML file too large to parse: 50 MB > 8 MB; split the document"
    )
    assert report.added == [str(docs / "good.md")]
