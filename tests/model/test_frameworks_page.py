"""The Frameworks view in Streamlit's AppTest, on a copy of the session KB (bundled model,
untrained): the search by purpose, the search that finds nothing, and the concept's link.
The same in a real browser is tests/e2e/test_frameworks_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.page.frameworks import ask_path, concept_path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "ui" / "page" / "script.py"
PAGE_TIMEOUT = 900  # a stop for a hang, not a pace


@pytest.fixture(scope="module")
def kb_dir(real_kb, tmp_path_factory) -> Path:
    return real_kb.copy_to(tmp_path_factory.mktemp("frameworks") / "kb")


@pytest.fixture
def app(kb_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("KB_DIR", str(kb_dir))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "no-docs-here"))
    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    at.query_params["view"] = "frameworks"
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def detail_titles(at: AppTest) -> list[str]:
    return [h.value for h in at.html if 'class="detail-title"' in h.value]


def test_a_search_by_purpose_lists_by_meaning(app: AppTest) -> None:
    at = run(app)
    at.text_input(key="fw_search").input("a method for setting ambitious goals and tracking them")
    run(at)
    listed = at.dataframe[0].value
    assert list(listed.columns[:2]) == ["Title", "Found by"]
    assert "Objectives and Key Results (OKRs)" in list(listed["Title"][:5])
    assert set(listed["Found by"]) == {"Meaning"}
    assert 0 < len(listed) <= 10


def test_an_abbreviation_lists_its_concept_first(app: AppTest) -> None:
    at = run(app)
    at.text_input(key="fw_search").input("roi")
    run(at)
    listed = at.dataframe[0].value
    assert listed["Title"][0] == "Return on Investment (ROI)"
    assert listed["Found by"][0] == "Abbreviation"


def test_a_search_that_finds_nothing_offers_the_closest_and_asking_it(app: AppTest) -> None:
    at = run(app)
    at.text_input(key="fw_search").input("swot")
    run(at)
    assert not at.dataframe
    assert any("No match for “swot”" in i.value for i in at.info)
    near = [b for b in at.button if (b.key or "").startswith("fw-near-")]
    assert len(near) == 3
    assert any(f"]({ask_path('swot')})" in m.value for m in at.markdown)
    assert ask_path("  swot  analysis ") == "/?q=swot%20analysis"
    near[0].click()
    run(at)
    picked = near[0].key.removeprefix("fw-near-")
    assert at.query_params["concept"] == picked  # the address bar names the concept shown
    assert any(concept_path(picked) in c.value for c in at.code)


def test_a_concept_link_opens_it_and_a_stale_one_says_so(app: AppTest, real_store) -> None:
    concept = next(c for c in real_store.concepts if c.fields)
    app.query_params["concept"] = concept.id
    at = run(app)
    titles = detail_titles(at)
    assert titles and concept.title.replace("&", "&amp;") in titles[0]
    for label in concept.fields:
        assert label in titles[0]  # the fields' table is in the detail
    assert any(f"]({concept_path(concept.id)})" in m.value for m in at.markdown)

    stale = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    stale.query_params["view"] = "frameworks"
    stale.query_params["concept"] = "no-such-concept"
    run(stale)
    assert any("no-such-concept" in w.value for w in stale.warning)
    assert stale.dataframe  # the catalog is still listed
