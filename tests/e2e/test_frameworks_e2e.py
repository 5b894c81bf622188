"""End to end: the Frameworks view in headless Chromium (issue 27): a search by purpose, a
search that finds nothing, and a concept's own link.

The server and the browser are tests/e2e/conftest.py's.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlparse

from tests.e2e.conftest import WAIT_MS

SEARCH = "Search by name or purpose"
PURPOSE = "something to measure automation payoff"  # names no concept: found by meaning
UNKNOWN = "swot"  # a framework the documents never mention


def settled(page) -> None:
    """The page's run is over: its status widget (running...) is gone."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=WAIT_MS)


def search(page, server: str, text: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/?view=frameworks")
    box = page.get_by_label(SEARCH)
    expect(box).to_be_visible(timeout=WAIT_MS)
    box.fill(text)
    box.press("Enter")
    settled(page)


def listed_titles(page) -> list[str]:
    """The list's Title column, read from the grid's accessible table (the cells are drawn)."""
    grid = page.locator('[data-testid="stDataFrame"]')
    headers = grid.locator('[role="columnheader"]').all_inner_texts()
    column = headers.index("Title") + 1
    return grid.locator(f'[role="gridcell"][aria-colindex="{column}"]').all_inner_texts()


def detail_title(page):
    return page.locator(".st-key-concept-detail .detail-title")


def test_a_search_by_purpose_lists_a_framework_that_serves_it(server: str, page, real_store):
    from playwright.sync_api import expect

    assert not any(PURPOSE in c.title.lower() for c in real_store.concepts)
    search(page, server, PURPOSE)
    grid = page.locator('[data-testid="stDataFrame"]')
    # the searched list, not the whole catalog from before: it says how each was found
    found_by_header = grid.locator('[role="columnheader"]', has_text="Found by")
    expect(found_by_header).to_be_attached(timeout=WAIT_MS)
    expect(grid.locator('[role="gridcell"]').first).to_be_attached(timeout=WAIT_MS)
    titles = listed_titles(page)
    assert any("Return on Investment" in t for t in titles[:5]), titles
    headers = grid.locator('[role="columnheader"]').all_inner_texts()
    found_by = grid.locator(f'[role="gridcell"][aria-colindex="{headers.index("Found by") + 1}"]')
    assert set(found_by.all_inner_texts()) == {"Meaning"}
    expect(detail_title(page)).to_have_text(titles[0])  # the first is shown beside the list


def test_a_search_that_finds_nothing_offers_the_closest_and_asking_it(server: str, page):
    from playwright.sync_api import expect

    search(page, server, UNKNOWN)
    nothing = page.locator(".st-key-fw-no-match")
    expect(nothing).to_contain_text(f"No match for “{UNKNOWN}”", timeout=WAIT_MS)
    offered = nothing.locator('[data-testid="stButton"] button')
    expect(offered).to_have_count(3)
    first = offered.first.inner_text().strip()
    ask = nothing.get_by_role("link", name=re.compile("as a question"))
    assert ask.get_attribute("href") == f"/?q={quote(UNKNOWN)}"
    # one of the closest opens in detail, and the address bar names it
    offered.first.click()
    expect(detail_title(page)).to_have_text(first, timeout=WAIT_MS)
    settled(page)
    assert parse_qs(urlparse(page.url).query).get("view") == ["frameworks"]
    assert parse_qs(urlparse(page.url).query).get("concept")
    # the link asks the text on the Ask view
    page.goto(server + ask.get_attribute("href"))
    expect(page.get_by_label("Describe your situation")).to_have_value(UNKNOWN, timeout=WAIT_MS)


def test_a_concepts_link_opens_its_detail_with_its_fields(server: str, page, real_store):
    from playwright.sync_api import expect

    concept = next(c for c in real_store.concepts if c.fields and c.kind == "framework")
    path = f"/?view=frameworks&concept={quote(concept.id)}"
    page.goto(server + path)
    expect(detail_title(page)).to_have_text(concept.title, timeout=WAIT_MS)
    detail = page.locator(".st-key-concept-detail")
    own = detail.get_by_role("link", name=re.compile("Link to this"))
    assert own.get_attribute("href") == path
    expect(detail.locator('[data-testid="stCode"]')).to_contain_text(path)
    table = detail.locator(".detail table")
    for label, value in concept.fields.items():
        row = table.locator("tr", has_text=label).first
        expect(row).to_contain_text(" ".join(value.split()))
    # a link followed again later still opens the concept: not the list's first one
    other = next(c for c in real_store.concepts if c.id != concept.id and c.kind != "term")
    page.goto(server + f"/?view=frameworks&concept={quote(other.id)}")
    expect(detail_title(page)).to_have_text(other.title, timeout=WAIT_MS)
