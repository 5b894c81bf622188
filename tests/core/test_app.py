"""The page's pure helpers (`ui.page.html`, the CSV export, upload names) and the feedback
store, tested directly: no model. The page itself, driven by AppTest over a real KB, is in
tests/model/test_app.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb import feedback
from kb.errors import UsageError
from recommender import Recommendation
from ui.page import html
from ui.page.frameworks import concepts_csv
from ui.page.upload import safe_name

SCRIPT = "<script>alert(1)</script>"


# --------------------------------------------------------------------------- no model needed


def test_highlight_escapes_every_piece_and_marks_whole_words():
    text = 'Stock <b>counts</b> & "restocking" — count the stock'
    out = html.highlight(text, ["stock", "count"])
    assert out == (
        "<mark>Stock</mark> &lt;b&gt;counts&lt;/b&gt; &amp; &quot;restocking&quot; — "
        "<mark>count</mark> the <mark>stock</mark>"
    )
    assert html.highlight(SCRIPT, []) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    # A matched word inside markup-like text is escaped inside its own mark.
    assert html.highlight("<script>", ["script"]) == "&lt;<mark>script</mark>&gt;"


def test_labels_and_classes_cannot_carry_markup():
    assert html.md_escape("**Bold** [x](javascript:alert(1)) <i>") == (
        r"\*\*Bold\*\* \[x\]\(javascript\:alert\(1\)\) \<i\>"
    )
    assert html.slug('risk" onclick="x') == "risk-onclick-x"
    rec = Recommendation(
        rank=1,
        title=SCRIPT,
        kind='risk"><script>',
        score=1.0,
        doc="d",
        section=SCRIPT,
        level=SCRIPT,
        guidance=SCRIPT,
        passages=[],
        concept="c",
        definition=SCRIPT,
        why=SCRIPT,
        example=SCRIPT,
        fields={SCRIPT: SCRIPT},
    )
    card = html.card_html(rec, SCRIPT)
    assert "<script" not in card
    # title, kind, level, document, guidance, example, the field's label and value, why
    assert card.count("&lt;script&gt;") == 9
    assert 'class="badge kind-risk-script"' in card


def test_the_catalog_list_exports_as_csv():
    import io

    import pandas as pd

    from kb.model import Concept, Source

    okr = Concept(
        id="okrs",
        title="Objectives and Key Results (OKRs)",
        kind="framework",
        level="Advanced",
        doc="alignment",
        section="Frameworks",
        definition='Goals with "measurable" results, e.g. 3, 4',
        references=["Doerr, J. (2018). Measure What Matters.", "Grove, A. (1983)."],
        sources=[Source("alignment", "Frameworks", "Advanced")],
        levels=["Advanced"],
    )
    frame = pd.read_csv(io.StringIO(concepts_csv([okr], {"alignment": "Alignment"})))
    assert frame.to_dict("records") == [
        {
            "title": "Objectives and Key Results (OKRs)",
            "kind": "framework",
            "level": "Advanced",
            "levels": "Advanced",
            "doc": "alignment",
            "document": "Alignment",
            "section": "Frameworks",
            "definition": 'Goals with "measurable" results, e.g. 3, 4',
            "references": "Doerr, J. (2018). Measure What Matters.; Grove, A. (1983).",
            "sources": "alignment / Advanced / Frameworks",
            "id": "okrs",
        }
    ]
    assert list(pd.read_csv(io.StringIO(concepts_csv([], {}))).columns)[0] == "title"


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_a_csv_export_never_carries_a_live_formula(cell):
    import io

    import pandas as pd

    from kb.model import Concept

    concept = Concept("x", cell, "practice", None, "d", cell, "A safe definition.")
    frame = pd.read_csv(io.StringIO(concepts_csv([concept], {})), keep_default_na=False)
    assert frame.loc[0, "title"] == frame.loc[0, "section"] == "'" + cell
    assert frame.loc[0, "definition"] == "A safe definition."


def test_an_upload_name_cannot_leave_the_documents_folder():
    assert safe_name("../../etc/pricing.md") == "pricing.md"
    assert safe_name("C:\\Users\\me\\Pricing Notes.DOCX") == "Pricing Notes.DOCX"
    assert safe_name("  notes.txt ") == "notes.txt"
    for refused in (".hidden.md", "../.env", "tool.exe", "README", "", "docs/"):
        assert safe_name(refused) is None, refused


def test_feedback_is_recorded_and_listed(tmp_path: Path):
    assert feedback.votes(tmp_path) == []
    feedback.record(
        tmp_path, "stock keeps running out", "reorder-points", "Reorder Points", 1, "v1"
    )
    feedback.record(tmp_path, "stock keeps running out", "reorder-points", "Reorder Points", -1)
    rows = feedback.votes(tmp_path)
    assert [(v.query, v.concept, v.title, v.vote, v.kb_version) for v in rows] == [
        ("stock keeps running out", "reorder-points", "Reorder Points", 1, "v1"),
        ("stock keeps running out", "reorder-points", "Reorder Points", -1, None),
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0].ts)
    assert (tmp_path / "feedback.sqlite").exists()
    with pytest.raises(UsageError):
        feedback.record(tmp_path, "q", "c", "t", 0)
    with pytest.raises(UsageError):
        feedback.record(tmp_path, "  ", "c", "t", 1)


def test_the_tab_title_is_the_question_cut_at_a_word():
    from ui.page.ask import APP_NAME, shorten, tab_title

    assert tab_title("ask", "") == APP_NAME
    assert (
        tab_title("ask", "  stock keeps\nrunning out ") == f"stock keeps running out · {APP_NAME}"
    )
    long = "our staff resist the new software we bought and keep doing things the old way"
    title = tab_title("ask", long)
    assert title == f"our staff resist the new software we bought and keep doing… · {APP_NAME}"
    assert tab_title("frameworks", long) == f"Frameworks · {APP_NAME}"
    assert shorten("x" * 80, 10) == "x" * 9 + "…"
    assert shorten("short", 10) == "short"


def test_a_level_filter_keeps_documents_without_levels():
    from kb.model import ParsedDocument, Section
    from ui.page.documents import listed

    def doc(name: str, *levels: str) -> ParsedDocument:
        sections = [Section(lv, lv, 2, [lv], 0, 0) for lv in levels]
        return ParsedDocument(name, f"{name}.md", name, "md", "", "", sections, [], [])

    docs = [doc("basics", "Fundamentals"), doc("deep", "Advanced", "Fundamentals"), doc("notes")]
    assert [d.doc for d in listed(docs, None)] == ["basics", "deep", "notes"]
    assert [d.doc for d in listed(docs, "Advanced")] == ["deep", "notes"]
    assert [d.doc for d in listed(docs, "Fundamentals")] == ["basics", "deep", "notes"]
    assert [d.doc for d in listed(docs, "Intermediate")] == ["notes"]


# --------------------------------------------------------------------------- what a visitor reaches


def test_the_page_config_pins_loopback_hides_tracebacks_and_takes_no_uploads():
    import tomllib

    config = tomllib.loads(Path(".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"  # `streamlit run app.py` too
    assert config["server"]["maxUploadSize"] <= 1
    assert config["client"]["showErrorDetails"] == "none"
    assert config["runner"]["postScriptGC"] is False  # a full GC per run served one at a time


@pytest.mark.parametrize(
    "cell", ["\r=2+2", "  =1+1", "\n@SUM(A1)", "\u200b=1", "\x00+1", "\tplain", "－1＋1"]
)
def test_a_formula_behind_spaces_or_control_characters_is_inert(cell):
    import csv
    import io

    import pandas as pd

    from ui.page.cells import inert, live, safe_csv, shown

    assert inert(cell) == "'" + cell
    rows = list(csv.reader(io.StringIO(safe_csv(pd.DataFrame({cell: [cell, "ok"]})), newline="")))
    assert rows == [["'" + cell], ["'" + cell], ["ok"]]  # a CR in a cell never ends a row
    table = shown(pd.DataFrame({"question": [cell, None, "fine = good", 3]}))
    first = table.loc[0, "question"]
    assert not live(first) and not any(c in first for c in "\r\n\t\x00\u200b")
    assert table.loc[2, "question"] == "fine = good" and table.loc[3, "question"] == 3


def test_an_address_in_a_label_cannot_become_a_link():
    for text in ("https://evil.example/x", "HTTP://x.y", "see www.evil.example", "a@evil.example"):
        label = html.md_escape(text)
        assert html.WORD_JOINER in label
        assert label.replace(html.WORD_JOINER, "").replace("\\", "") == text
    assert html.WORD_JOINER not in html.md_escape("awww.example has no link")
    label = html.passage_label(1, "Pay at https://evil.example", "Write to pay@evil.example")
    assert label.count(html.WORD_JOINER) == 2
    assert html.md_escape(float("nan")) == "nan" and html.md_escape(None) == ""


def call_asgi(app, path: str) -> int:
    import asyncio

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"x" * 10, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "PUT", "path": path, "headers": [], "query_string": b""}
    asyncio.run(app(scope, receive, send))
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def test_the_public_server_refuses_every_upload(monkeypatch):
    from streamlit import config

    from ui.page.server import NoUploads

    async def streamlit(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guarded = NoUploads(streamlit)
    upload = "/_stcore/upload_file/some-session/some-file"
    monkeypatch.delenv("KB_MAINTAINER", raising=False)
    assert call_asgi(guarded, upload) == 403
    assert call_asgi(guarded, "/base" + upload) == 403  # under a baseUrlPath too
    assert call_asgi(guarded, "/_stcore/health") == 204
    monkeypatch.setenv("KB_MAINTAINER", "1")  # the maintainer's page, on 127.0.0.1
    assert call_asgi(guarded, upload) == 204
    monkeypatch.setattr(config, "get_option", lambda key: "0.0.0.0")
    assert call_asgi(guarded, upload) == 403  # a maintainer's page open to others is not one
