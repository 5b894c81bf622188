"""Reliability: bad documents, crashes, damaged KB files, concurrency, hostile text, limits.

These tests drive `ingest.pipeline.ingest` with the fast fake embedder, and the `kb` command
in process; the crash, concurrency and hostile-CLI tests that run the installed `kb` command
(the real model) on copies of the session KB are in tests/model/test_reliability.py. Upload
size limits belong to the Streamlit page and are tested with it, not here.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import threading
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from ingest import gather
from ingest.load import MAX_BYTES, MAX_TEXT_CHARS
from kb.errors import KBBusy, KBCorrupt, KBNotFound, UsageError
from kb.model import Rejected
from kb.store import current_version, open_kb
from recommender.service import MAX_QUERY_CHARS, Recommender, prepare
from tests.conftest import DOCS, FakeEmbedder, invoke_kb
from tests.samples import (
    ESC,
    GOOD_WORDS,
    HOSTILE_MD,
    HOSTILE_RUN,
    HOSTILE_TXT,
    assert_consistent,
    assert_one_error_line,
    assert_whole,
    kb_text,
    truncate,
    write_good,
)
from ui.build import ingest

# --------------------------------------------------------------------------- helpers


def assert_good_ingested(report, kb, good: list[Path]) -> None:
    ingested = set(report.added + report.changed + report.unchanged)
    for path in good:
        assert str(path) in ingested, f"{path} was not ingested: {report.rejected}"
    text = kb_text(kb)
    for words in GOOD_WORDS:
        assert words in text


def rejection(report, path: Path) -> Rejected:
    found = [r for r in report.rejected if r.path == str(path)]
    assert len(found) == 1, f"{path} should be rejected once, naming it: {report.rejected}"
    assert found[0].reason.strip()
    return found[0]


def write_big_text(path: Path, size: int = 50 * 1024 * 1024) -> Path:
    line = b"Owners review the weekly numbers before they change any price in the shop.\n"
    with open(path, "wb") as f:
        f.write(line * (size // len(line) + 1))
    return path


def blank_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    with open(path, "wb") as f:
        writer.write(f)
    return path


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_heading("Staff Rotas", level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


LATIN1_TEXT = (
    "Stratégie Du Café\n\n"
    "La stratégie du café de quartier est très simple : une équipe dévouée, des prix justes "
    "et un accueil chaleureux pour chaque client du matin.\n\n"
    "Le propriétaire a réussi grâce à une révision mensuelle des coûts et à la fidélité des "
    "habitués, même pendant les mois difficiles de l'hiver.\n"
)
LATIN1_WORDS = ("stratégie", "très", "équipe", "dévouée", "réussi", "grâce", "révision")

SCRIPTY_HTML = """\
<!doctype html>
<html><head><title>Scripty Page</title>
<style>body { color: red } .stylemarker { display: block }</style>
<script>var scriptmarker = "tracking"; document.write("scriptmarker2");</script>
</head><body>
<nav>navmarker menu</nav>
<script type="text/javascript">window.scriptmarker3 = function () { return 1; };</script>
<h1>Scripty Page</h1>
<p>Visible prose about pricing strategy for small shops keeps its place in the KB.</p>
<style>.stylemarker2 { color: blue }</style>
<p>A second paragraph <script>inlinescriptmarker()</script>about loyal customers stays.</p>
<noscript>noscriptmarker enable javascript</noscript>
</body></html>
"""
SCRIPT_MARKERS = ("scriptmarker", "stylemarker", "noscriptmarker", "color:", "window.", "var ")


# --------------------------------------------------------------------------- 1. bad documents


def make_empty(folder: Path) -> Path:
    path = folder / "empty.txt"
    path.write_bytes(b"")
    return path


def make_whitespace(folder: Path) -> Path:
    path = folder / "blank.md"
    path.write_text("   \n\t\n  \r\n\n", encoding="utf-8")
    return path


def make_binary(folder: Path) -> Path:
    path = folder / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 64)
    return path


def make_invalid_utf8(folder: Path) -> Path:
    path = folder / "garbage.md"
    rng = random.Random(7)
    path.write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(6000)))
    return path


def make_big(folder: Path) -> Path:
    return write_big_text(folder / "huge-dump.txt")


def make_blank_pdf(folder: Path) -> Path:
    return blank_pdf(folder / "scanned.pdf")


def make_not_zip_docx(folder: Path) -> Path:
    path = folder / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a Word file " + bytes(range(200)))
    return path


def make_truncated_docx(folder: Path) -> Path:
    path = folder / "truncated.docx"
    data = docx_bytes("Rotas are published two weeks ahead so that staff can plan.")
    path.write_bytes(data[: len(data) // 2])
    return path


def make_file_loop(folder: Path) -> Path:
    (folder / "loop-a.md").symlink_to(folder / "loop-b.md")
    (folder / "loop-b.md").symlink_to(folder / "loop-a.md")
    return folder / "loop-a.md"


def make_folder_loop(folder: Path) -> Path:
    sub = folder / "nested"
    sub.mkdir()
    (sub / "again").symlink_to(sub)
    return sub / "again"


BAD = {  # kind -> (maker, what the reason must say)
    "empty": (make_empty, r"empty"),
    "whitespace-only": (make_whitespace, r"whitespace|no text"),
    "binary": (make_binary, r"binary"),
    "invalid-utf8": (make_invalid_utf8, r"decode|encoding"),
    "50MB": (make_big, r"too (large|long)"),
    "pdf-without-text": (make_blank_pdf, r"no extractable text"),
    "docx-not-a-zip": (make_not_zip_docx, r"corrupt|unreadable"),
    "docx-truncated": (make_truncated_docx, r"corrupt|unreadable"),
    "symlink-file-loop": (make_file_loop, r"symlink loop"),
    "symlink-folder-loop": (make_folder_loop, r"symlink loop"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_document_is_rejected_naming_it_and_the_good_ones_are_ingested(
    kind: str, tmp_path: Path, fake_embedder
) -> None:
    docs = tmp_path / "docs"
    good = write_good(docs)
    maker, reason = BAD[kind]
    bad = maker(docs)
    started = time.monotonic()
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert time.monotonic() - started < 60, "a bad document must not hang the ingest"
    kb = open_kb(tmp_path / "kb")
    assert_good_ingested(report, kb, good)
    assert re.search(reason, rejection(report, bad).reason, re.I)
    assert {d.path for d in kb.documents} == {str(p) for p in good}


def test_a_50mb_file_is_refused_for_its_size_quickly(tmp_path: Path, fake_embedder) -> None:
    docs = tmp_path / "docs"
    good = write_good(docs)
    big = write_big_text(docs / "dump.txt")
    assert big.stat().st_size > 50 * 1024 * 1024 - 100
    started = time.monotonic()
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert time.monotonic() - started < 30
    reason = rejection(report, big).reason
    assert re.search(r"too (large|long)", reason)
    limit = MAX_BYTES // (1024 * 1024) if "large" in reason else MAX_TEXT_CHARS
    assert f"{limit:,}" in reason or str(limit) in reason, reason  # says what the limit is
    assert_good_ingested(report, open_kb(tmp_path / "kb"), good)


def test_a_latin1_file_is_read_with_its_accents(tmp_path: Path, fake_embedder) -> None:
    docs = tmp_path / "docs"
    good = write_good(docs)
    latin = docs / "cafe-latin1.txt"
    latin.write_bytes(LATIN1_TEXT.encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        latin.read_bytes().decode("utf-8")  # it really is not UTF-8
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert report.rejected == []
    assert str(latin) in report.added
    kb = open_kb(tmp_path / "kb")
    assert_good_ingested(report, kb, good)
    text = "\n".join(c.text for c in kb.chunks if c.doc == "cafe-latin1")
    for word in LATIN1_WORDS:
        assert word in text
    assert "\ufffd" not in text and "Ã" not in text  # no replacement chars, no mojibake


def test_html_script_and_style_never_reach_the_kb(tmp_path: Path, fake_embedder) -> None:
    docs = tmp_path / "docs"
    good = write_good(docs)
    page = docs / "scripty.html"
    page.write_text(SCRIPTY_HTML, encoding="utf-8")
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert report.rejected == []
    kb = open_kb(tmp_path / "kb")
    assert_good_ingested(report, kb, good)
    chunks = [c for c in kb.chunks if c.doc == "scripty"]
    text = "\n".join(c.text for c in chunks)
    assert "Visible prose about pricing strategy" in text
    assert "A second paragraph about loyal customers stays." in text
    parsed = next(d for d in kb.documents if d.doc == "scripty")
    everything = [parsed.text] + [c.embed_text for c in kb.chunks]
    everything += [f"{c.title} {c.definition}" for c in kb.concepts]
    for marker in SCRIPT_MARKERS + ("navmarker",):
        for text in everything:
            assert marker not in text, marker


def test_a_path_with_spaces_and_non_ascii_is_ingested(tmp_path: Path, fake_embedder) -> None:
    docs = tmp_path / "docs"
    good = write_good(docs)
    folder = docs / "données clé"
    folder.mkdir()
    odd = folder / "ré sumé.md"
    odd.write_text(
        "# Résumé Des Données Clé\n\nLes données clé du café guident la stratégie de prix.\n",
        encoding="utf-8",
    )
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert report.rejected == []
    assert str(odd) in report.added
    kb = open_kb(tmp_path / "kb")
    assert_good_ingested(report, kb, good)
    doc = next(d for d in kb.documents if d.path == str(odd))
    assert doc.doc == "ré sumé"
    assert any(c.doc == doc.doc and "données clé du café" in c.text for c in kb.chunks), (
        "the document's text must be in the KB"
    )
    again = ingest([docs], tmp_path / "kb", embedder=FakeEmbedder())  # and found unchanged
    assert str(odd) in again.unchanged


def unlink_on_first_load(monkeypatch, victim) -> list[Path]:
    """Wrap the ingest's `load` so that its first call deletes `victim(path)` for real."""
    real_load = gather.load
    loaded: list[Path] = []

    def load_and_delete(path, data=None):
        if not loaded:
            target = victim(Path(path))
            target.unlink()
        loaded.append(Path(path))
        return real_load(path, data)

    monkeypatch.setattr(gather, "load", load_and_delete)
    return loaded


def test_a_file_deleted_before_its_turn_is_rejected(tmp_path, fake_embedder, monkeypatch):
    docs = tmp_path / "docs"
    first, second, third = docs / "a-first.md", docs / "b-second.md", docs / "c-third.md"
    docs.mkdir()
    for path in (first, second, third):
        path.write_text(f"# {path.stem}\n\nOwners plan the {path.stem} week ahead.\n")
    unlink_on_first_load(monkeypatch, lambda _: second)  # loading a-first deletes b-second
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert report.added == [str(first), str(third)]
    assert re.search(
        r"cannot read|no such file|not found|disappeared", rejection(report, second).reason, re.I
    )
    assert {d.path for d in open_kb(tmp_path / "kb").documents} == {str(first), str(third)}


def test_a_file_deleted_while_it_is_read_is_rejected(tmp_path, fake_embedder, monkeypatch):
    """Hashed, then gone when the loader opens it: the race inside one file's turn."""
    docs = tmp_path / "docs"
    good = write_good(docs)
    vanishing = docs / "a-vanishing.md"
    vanishing.write_text("# Vanishing\n\nThis page is deleted while the ingest reads it.\n")
    unlink_on_first_load(monkeypatch, lambda path: path)
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert re.search(
        r"cannot read|no such file|not found", rejection(report, vanishing).reason, re.I
    )
    assert_good_ingested(report, open_kb(tmp_path / "kb"), good)


def test_every_kind_of_bad_input_at_once(tmp_path: Path, fake_embedder) -> None:
    """All of it in one folder: each bad file rejected by name, everything else ingested."""
    docs = tmp_path / "docs"
    good = write_good(docs)
    expected = {maker(docs): reason for maker, reason in BAD.values()}
    (docs / "cafe-latin1.txt").write_bytes(LATIN1_TEXT.encode("latin-1"))
    (docs / "scripty.html").write_text(SCRIPTY_HTML, encoding="utf-8")
    (docs / "données clé").mkdir()
    (docs / "données clé" / "ré sumé.md").write_text("# Résumé\n\nLes données clé comptent.\n")
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    kb = open_kb(tmp_path / "kb")
    assert_good_ingested(report, kb, good)
    for path, reason in expected.items():
        assert re.search(reason, rejection(report, path).reason, re.I), path
    rejected = {r.path for r in report.rejected}
    assert rejected - {str(p) for p in expected} <= {str(docs / "loop-b.md")}
    assert sorted(d.doc for d in kb.documents) == sorted(
        ["good-pricing", "good-cash", "cafe-latin1", "scripty", "ré sumé"]
    )
    text = kb_text(kb)
    assert "stratégie" in text and "données clé comptent" in text
    assert not any(m in text for m in SCRIPT_MARKERS)


# --------------------------------------------------------------------------- 3. crash safety


def flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for at in range(len(data) // 3, len(data) // 3 + 16):
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def damage_version_file(name: str, how):
    def damage(kb_dir: Path) -> None:
        how(kb_dir / "versions" / current_version(kb_dir) / name)

    return damage


def without_files_field(kb_dir: Path) -> None:
    """A manifest of a KB written before manifests had digests, missing its file list."""
    folder = kb_dir / "versions" / current_version(kb_dir)
    (folder / "manifest.sha256").unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]
    (folder / "manifest.json").write_text(json.dumps(manifest))


DAMAGE = {
    "vectors.faiss truncated": damage_version_file("vectors.faiss", truncate),
    "kb.sqlite bytes flipped": damage_version_file("kb.sqlite", flip_bytes),
    "vectors.faiss bytes flipped": damage_version_file("vectors.faiss", flip_bytes),
    "concepts.npy truncated": damage_version_file("concepts.npy", truncate),
    "manifest.json deleted": damage_version_file("manifest.json", Path.unlink),
    "manifest.json garbage": damage_version_file(
        "manifest.json", lambda p: p.write_bytes(b"{\x00\xff not json")
    ),
    "manifest.json value altered": damage_version_file(
        "manifest.json", lambda p: p.write_text(p.read_text().replace('"chunks": ', '"chunks": 1'))
    ),
    "manifest.json without a field or its digest": lambda d: without_files_field(d),
    "CURRENT names a missing version": lambda d: (d / "CURRENT").write_text("v999999\n"),
    "CURRENT binary garbage": lambda d: (d / "CURRENT").write_bytes(b"\xff\xfe\x00\x9c garbage"),
    "version folder deleted": lambda d: shutil.rmtree(d / "versions" / current_version(d)),
}


@pytest.fixture(scope="module")
def fake_kb_template(tmp_path_factory) -> tuple[Path, Path]:
    """(docs, kb) built once with the fake embedder; tests damage copies of it."""
    root = tmp_path_factory.mktemp("fake-kb")
    docs = root / "docs"
    shutil.copytree(DOCS, docs)
    ingest([docs], root / "kb", embedder=FakeEmbedder())
    return docs, root / "kb"


@pytest.fixture
def fake_kb(fake_kb_template, tmp_path: Path) -> tuple[Path, Path]:
    docs, template = fake_kb_template
    kb_dir = tmp_path / "kb"
    shutil.copytree(template, kb_dir)
    return docs, kb_dir


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_kb_is_detected_on_load_with_a_way_out(damage: str, fake_kb) -> None:
    _, kb_dir = fake_kb
    DAMAGE[damage](kb_dir)
    with pytest.raises((KBCorrupt, KBNotFound)) as caught:
        open_kb(kb_dir)
    assert "kb ingest" in str(caught.value)
    for args in (["stats"], ["recommend", "staff resist new tools", "--json"]):
        assert_one_error_line(invoke_kb(*args, "--kb-dir", str(kb_dir)), "kb ingest")


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("rebuild", [True, False], ids=["rebuild", "plain"])
def test_ingest_recovers_a_damaged_kb(damage: str, rebuild: bool, fake_kb) -> None:
    docs, kb_dir = fake_kb
    before = open_kb(kb_dir)
    DAMAGE[damage](kb_dir)
    report = ingest([docs], kb_dir, rebuild=rebuild, embedder=FakeEmbedder())
    kb = assert_whole(kb_dir)
    assert kb.version == report.version
    assert [c.text for c in kb.chunks] == [c.text for c in before.chunks]


def test_a_damaged_embedding_cache_does_not_block_a_rebuild(fake_kb) -> None:
    """embeddings.sqlite is a KB file too: `kb ingest --rebuild` must get past its damage."""
    docs, kb_dir = fake_kb
    before = open_kb(kb_dir)
    (kb_dir / "embeddings.sqlite").write_bytes(b"this is not a database " * 400)
    report = ingest([docs], kb_dir, rebuild=True, embedder=FakeEmbedder())
    kb = assert_whole(kb_dir)
    assert kb.version == report.version != before.version


# --------------------------------------------------------------------------- 4. concurrency


def test_a_second_ingest_through_the_api_is_refused_while_the_first_runs(
    tmp_path: Path, monkeypatch
) -> None:
    """The first ingest is held inside its run (its embedder blocks); the second refuses."""
    docs = tmp_path / "docs"
    write_good(docs)
    kb_dir = tmp_path / "kb"
    entered, release = threading.Event(), threading.Event()

    class SlowEmbedder(FakeEmbedder):
        def embed(self, texts):
            entered.set()
            assert release.wait(LIMIT)
            return super().embed(texts)

    outcome: dict = {}
    first = threading.Thread(
        target=lambda: outcome.update(report=ingest([docs], kb_dir, embedder=SlowEmbedder()))
    )
    first.start()
    try:
        assert entered.wait(LIMIT)
        with pytest.raises(KBBusy, match="another `kb ingest` is running"):
            ingest([docs], kb_dir, embedder=FakeEmbedder())
    finally:
        release.set()
        first.join(LIMIT)
    assert assert_whole(kb_dir).version == outcome["report"].version


REVISION = "revision.md"
QUERY = "staff resist new tools"
# Seconds a thread may take to reach a point: a stop for a hang, never a pace (each takes
# well under a second).
LIMIT = 600


def wait_until(condition, what: str) -> None:
    """Poll for `condition`, up to LIMIT seconds."""
    deadline = time.monotonic() + LIMIT
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.005)


def write_revision(docs: Path, n: int) -> None:
    (docs / REVISION).write_text(
        f"# Revision Notes\n\nRevision marker rev{n:03d} records what changed in this edition of "
        "the guidance for owners.\n",
        encoding="utf-8",
    )


def revision_of(kb) -> set[str]:
    return set(re.findall(r"rev\d{3}", "\n".join(c.text for c in kb.chunks if c.doc == "revision")))


def test_current_is_never_seen_empty_or_torn_while_versions_publish(tmp_path: Path) -> None:
    """A reader polling CURRENT during many publishes sees a published name every time."""
    docs = tmp_path / "docs"
    write_good(docs)
    write_revision(docs, 0)
    kb_dir = tmp_path / "kb"
    published = {ingest([docs], kb_dir, embedder=FakeEmbedder()).version}
    seen: Counter = Counter()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                seen[current_version(kb_dir)] += 1
            except Exception as exc:  # a damaged CURRENT is a failure too
                seen[f"{type(exc).__name__}: {exc}"] += 1

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        for n in range(1, 31):
            write_revision(docs, n)
            published.add(ingest([docs], kb_dir, embedder=FakeEmbedder()).version)
    finally:
        stop.set()
        reader.join(LIMIT)
    assert len(published) == 31
    assert set(seen) <= published, {k: v for k, v in seen.items() if k not in published}
    assert sum(seen.values()) > 100


def test_eight_threads_read_one_whole_version_while_ingests_publish(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    write_revision(docs, 0)
    kb_dir = tmp_path / "kb"
    first = ingest([docs], kb_dir, embedder=FakeEmbedder())
    published = {first.version: "rev000"}
    loaded_before = Recommender(open_kb(kb_dir), FakeEmbedder())
    answer_before = asdict(loaded_before.recommend(QUERY))
    stop = threading.Event()
    errors: list[str] = []
    seen: list[tuple[str, frozenset, str]] = []  # (version, revisions found, thread)
    runs: Counter = Counter()  # bodies each thread has run to the end
    lock = threading.Lock()

    def guarded(name, body):
        def loop():
            try:
                while not stop.is_set():
                    body(name)
                    with lock:
                        runs[name] += 1
                    time.sleep(0.02)  # let the writer have the GIL now and then
            except Exception as exc:  # any exception is a failure of the test
                with lock:
                    errors.append(f"{name}: {type(exc).__name__}: {exc}")

        return threading.Thread(target=loop, name=name)

    def reader(name):
        kb = open_kb(kb_dir)
        assert_consistent(kb)
        with lock:
            seen.append((kb.version, frozenset(revision_of(kb)), name))

    def answer_ok(recommender, answer):
        ids = {c.id: c for c in recommender.kb.chunks}
        if answer.abstained:
            assert answer.reason and not answer.recommendations
        else:
            assert answer.recommendations and all(r.passages for r in answer.recommendations)
        for rec in answer.recommendations:
            for p in rec.passages:
                assert ids[p.chunk].text == p.text  # passages from the version it loaded

    def old_recommender(name):
        answer = loaded_before.recommend(QUERY)
        answer_ok(loaded_before, answer)
        assert asdict(answer) == answer_before  # a loaded version never changes under it

    def fresh_recommender(name):
        recommender = Recommender(open_kb(kb_dir), FakeEmbedder())
        assert_consistent(recommender.kb)
        answer_ok(recommender, recommender.recommend(QUERY))
        with lock:
            seen.append((recommender.kb.version, frozenset(revision_of(recommender.kb)), name))

    threads = [guarded(f"reader-{i}", reader) for i in range(6)]
    threads += [guarded("recommender-old", old_recommender)]
    threads += [guarded("recommender-fresh", fresh_recommender)]
    for t in threads:
        t.start()
    try:
        for n in range(1, 7):
            write_revision(docs, n)
            report = ingest([docs], kb_dir, embedder=FakeEmbedder())
            assert report.changed == [str(docs / REVISION)]
            published[report.version] = f"rev{n:03d}"
            # the readers load this version before the next one is published
            wait_until(
                lambda new=report.version: errors or any(v == new for v, _, _ in list(seen)),
                f"a reader loading {report.version}",
            )
        # and every thread has run at least once, however busy the machine
        wait_until(lambda: errors or len(runs) == len(threads), "a run of every thread")
    finally:
        stop.set()
        for t in threads:
            t.join(LIMIT)
    assert not errors, errors[:5]
    assert {name for _, _, name in seen} == {t.name for t in threads} - {"recommender-old"}
    for version, revisions, name in seen:
        assert revisions == {published[version]}, (name, version, revisions)
    assert len({version for version, _, _ in seen}) >= 3, "readers should span versions"


# --------------------------------------------------------------------------- 5. hostile text


def test_hostile_text_is_kept_as_inert_text(tmp_path: Path, fake_embedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hostile.txt").write_text(HOSTILE_TXT, encoding="utf-8")
    (docs / "hostile-md.md").write_text(HOSTILE_MD, encoding="utf-8")
    report = ingest([docs], tmp_path / "kb", embedder=fake_embedder)
    assert report.rejected == []
    kb = open_kb(tmp_path / "kb")
    everything = [d.text for d in kb.documents] + [c.embed_text for c in kb.chunks]
    everything += [f"{c.title} {c.definition}" for c in kb.concepts]
    everything += fake_embedder.texts
    assert not [t for t in everything if ESC in t or "\x07" in t], "escape codes reached the KB"
    plain = "\n".join(c.text for c in kb.chunks if c.doc == "hostile")
    # plain text keeps what the author wrote, as data (the page and CLI must escape it)
    for literal in (
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "![x](http://evil)",
        HOSTILE_RUN,
    ):
        assert literal in plain, literal
    assert "red warning about cash flow" in plain  # the words stay, the escapes go
    # Markdown is markup: its HTML is not prose and goes, its words stay
    md = "\n".join(c.text for c in kb.chunks if c.doc == "hostile-md")
    for gone in ("<script", "alert('block')", "<img", "onerror", "http://evil"):
        assert gone not in md, gone
    for kept in (
        "into notes about pricing",
        "inside their prose",
        "red warning about cash flow",
        HOSTILE_RUN,
    ):
        assert kept in md, kept


# --------------------------------------------------------------------------- 6. input limits


@pytest.mark.parametrize(
    "text",
    ["x" * 10_000, "!" * (MAX_QUERY_CHARS + 1), "staff resist new tools " * 500],
    ids=["one-run", "just-over", "many-words"],
)
def test_a_long_query_is_cut_with_a_notice(text: str) -> None:
    query, notice = prepare(text)
    normalised = " ".join(text.split())
    assert 0 < len(query) <= MAX_QUERY_CHARS
    assert normalised.startswith(query)
    assert notice and f"{len(normalised):,}" in notice and f"{len(query):,}" in notice
    if " " in normalised[:MAX_QUERY_CHARS]:  # cut between words, not inside one
        assert normalised[len(query)] == " "


def test_a_query_at_the_limit_is_kept_whole_without_a_notice() -> None:
    text = ("pricing " * 400)[: MAX_QUERY_CHARS - 1] + "s"
    assert len(text) == MAX_QUERY_CHARS
    assert prepare(text) == (text, None)


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x1b[31m\x1b[0m", "\x00\x07\x1b[2J"])
def test_an_empty_or_escape_only_query_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="empty"):
        prepare(text)


def test_the_answer_carries_the_notice(fake_kb) -> None:
    _, kb_dir = fake_kb
    recommender = Recommender(open_kb(kb_dir), FakeEmbedder())
    answer = recommender.recommend("staff resist new tools " * 300)
    assert answer.notice and "only the first" in answer.notice
    assert len(answer.query) <= MAX_QUERY_CHARS
    assert recommender.recommend("staff resist new tools").notice is None
    long, short = recommender.recommend_many([("a", "x" * 10_000), ("b", "staff resist")])
    assert long.notice and len(long.query) == MAX_QUERY_CHARS
    assert short.notice is None


def test_the_cli_refuses_an_empty_query_in_one_line(fake_kb) -> None:
    _, kb_dir = fake_kb
    done = invoke_kb("recommend", "   ", "--kb-dir", str(kb_dir))
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "empty" in done.stderr


@pytest.mark.parametrize("where", ["first byte", "middle of the header", "last byte", "truncated"])
def test_a_large_file_is_checked_by_sample_and_its_damage_still_caught(
    where: str, fake_kb, monkeypatch
) -> None:
    """Above FULL_CHECK_BYTES a file is not hashed whole on open; damage to its header, its
    end or its length is caught all the same (here every file counts as large)."""
    from kb import versions

    _, kb_dir = fake_kb
    monkeypatch.setattr(versions, "FULL_CHECK_BYTES", 0)
    monkeypatch.setattr(versions, "sha256_file", lambda _: pytest.fail("hashed whole"))
    assert open_kb(kb_dir).chunks  # whole: opens, by sample only
    path = kb_dir / "versions" / current_version(kb_dir) / "vectors.faiss"
    data = bytearray(path.read_bytes())
    if where == "truncated":
        del data[-1]
    else:
        at = {"first byte": 0, "middle of the header": 40, "last byte": len(data) - 1}[where]
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(KBCorrupt, match="kb ingest"):
        open_kb(kb_dir)
