"""End to end: `streamlit run app.py` on a free local port, driven in headless Chromium.

Uses Debian's `chromium` (`make browser` installs it; Playwright never downloads one) over a
copy of the session's real KB (`real_kb`: the bundled model, untrained). Takes a screenshot of
a result page into the test's temporary folder, or where $SCREENSHOT says (`make screenshot`
renews docs/screenshot.png that way: a test run never changes a tracked file), then uploads a
document whose text holds a script tag on the maintainer's page, to see it re-ingested and
shown as text on the public page. The question
box behaves like a search box: Enter asks, Back and Forward keep the box, the results and the
tab's title in step, and Copy link copies the page's address. The server is stopped at the
end, always.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

from tests.e2e.conftest import SECRET, WAIT_MS, serve
from tests.model.test_app import HOSTILE, SCRIPT

SITUATION = "We automated our invoicing last year but it has not saved us any money or time."
SHARED = "our team pushes back on every new tool we introduce"
FIRST_ANSWER_MS = 15_000  # a fresh server's first answer; the model used to take 30 s alone


def first_card(page):
    from playwright.sync_api import expect

    card = page.locator(".st-key-card-1")
    expect(card).to_be_visible(timeout=WAIT_MS)
    expect(card.locator(".rec-title")).to_have_text(re.compile(r"\w{3,}"), timeout=WAIT_MS)
    return card


def open_first_source(page):
    """The first source passage under the cards, its expander opened unless "Start here"
    opened it already (a card whose passages all repeat its guidance shows none)."""
    from playwright.sync_api import expect

    expander = page.locator('[class*="st-key-card-"] [data-testid="stExpander"] details').first
    expect(expander).to_be_attached(timeout=WAIT_MS)
    if expander.get_attribute("open") is None:
        expander.locator("summary").click()
    passage = expander.locator(".passage")
    expect(passage).to_be_visible(timeout=WAIT_MS)
    return passage


def full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main area, so grow the window to the content first."""
    height = 0
    for _ in range(10):  # until the layout settles at the new size
        content = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        if content == height:
            break
        height = content
        page.set_viewport_size({"width": 1400, "height": int(height)})
        page.wait_for_timeout(400)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


def screenshot_path(tmp_path: Path) -> Path:
    """$SCREENSHOT when set (to renew the README's picture), else the test's own folder."""
    return Path(os.environ.get("SCREENSHOT") or tmp_path / "screenshot.png")


def normalised(text: str) -> str:
    """Text with its white space as one space each: how the browser's layout may change it."""
    return " ".join(text.split())


def assert_a_passage_of_the_documents(passage, real_kb) -> None:
    """What a source expander shows is one of the KB's passages, whole."""
    from kb.store import open_kb

    passages = {normalised(c.text) for c in open_kb(real_kb.kb_dir).chunks}
    assert normalised(passage.inner_text()) in passages


def test_a_typed_situation_gets_a_card_with_its_source_passage(
    server: str, page, real_kb, tmp_path: Path
):
    from playwright.sync_api import expect

    page.goto(server)
    box = page.get_by_label("Describe your situation")
    expect(box).to_be_visible(timeout=WAIT_MS)
    box.fill(SITUATION)
    page.get_by_role("button", name="Find guidance").click()
    card = first_card(page)
    expect(card.locator(".guidance")).not_to_be_empty()
    expect(card.locator(".why")).to_contain_text("Why this")
    passage = open_first_source(page)
    assert len(passage.inner_text().strip()) > 40
    assert_a_passage_of_the_documents(passage, real_kb)
    shown = int(re.match(r"\d+", page.locator(".summary").inner_text()).group())
    assert 3 <= shown <= 5
    expect(page.locator(f".st-key-card-{shown}")).to_be_visible()
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=WAIT_MS)
    assert parse_qs(urlparse(page.url).query) == {"q": [SITUATION]}  # it can be shared
    page.mouse.move(0, 0)
    screenshot = screenshot_path(tmp_path)
    full_page_screenshot(page, screenshot)
    assert screenshot.stat().st_size > 20_000


def test_start_here_cites_the_cards_and_each_citation_lands_on_its_source(server: str, page):
    from playwright.sync_api import expect

    page.goto(f"{server}/?q={quote(SITUATION)}")
    first_card(page)
    start = page.locator(".start-here")
    expect(start).to_contain_text("Start here")
    expect(start.locator(".badge")).to_have_text(re.compile(r"strong match|partial match"))
    cites = start.locator("a.cite")
    assert 1 <= cites.count() <= 4
    targets = [cites.nth(i).get_attribute("href") for i in range(cites.count())]
    for target in targets:
        assert re.fullmatch(r"#card-\d+(-source-\d+)?", target)
        expect(page.locator(target)).to_have_count(1)  # every citation has its place
        number = re.match(r"#card-(\d+)", target).group(1)
        expect(cites.nth(targets.index(target))).to_have_text(f"[{number}]")
    cites.last.click()
    assert urlparse(page.url).fragment == targets[-1][1:]
    expect(page.locator(targets[-1])).to_be_in_viewport(timeout=WAIT_MS)
    expect(page.locator(targets[-1])).to_be_visible()


def test_a_shared_link_shows_its_results_without_typing(server: str, page, real_kb):
    from playwright.sync_api import expect

    page.goto(f"{server}/?q={quote(SHARED)}")
    first_card(page)
    expect(page.get_by_label("Describe your situation")).to_have_value(SHARED)
    expect(page.locator(".summary")).to_contain_text(SHARED)
    assert_a_passage_of_the_documents(open_first_source(page), real_kb)


def test_a_deep_link_right_after_start_is_answered_without_a_long_wait(
    page, real_kb, tmp_path: Path
):
    """A fresh server: the KB and its model are loaded at start, so a visitor who follows a
    link the moment the server is up gets the cards in seconds, not after a model load."""
    from playwright.sync_api import expect

    with serve(real_kb.copy_to(tmp_path / "kb"), tmp_path) as url:
        page.goto(f"{url}/?q={quote(SHARED)}")
        card = page.locator(".st-key-card-1 .rec-title")
        expect(card).to_have_text(re.compile(r"\w{3,}"), timeout=FIRST_ANSWER_MS)


def test_an_uploaded_document_is_ingested_and_its_markup_stays_text(
    server: str, maintainer_server: str, page
):
    from playwright.sync_api import expect

    page.goto(f"{maintainer_server}/?view=documents")
    page.get_by_label("Maintainer secret").fill(SECRET)
    page.get_by_label("Maintainer secret").press("Enter")
    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    expect(upload).to_be_attached(timeout=WAIT_MS)
    upload.set_input_files(
        files=[{"name": "stock-counting.txt", "mimeType": "text/plain", "buffer": HOSTILE.encode()}]
    )
    page.get_by_role("button", name=re.compile(r"Save 1 file\(s\) and re-ingest")).click()
    report = page.locator(".st-key-ingest-report")
    expect(report).to_contain_text("stock-counting.txt", timeout=WAIT_MS)
    expect(report).to_contain_text("Published")

    page.goto(f"{server}/?q={quote('we never know how much stock is left on the shelves')}")
    first_card(page)
    shown = " ".join(page.locator(".guidance").all_inner_texts())
    assert SCRIPT in shown  # the tag is visible as characters ...
    assert SCRIPT in " ".join(page.locator(".passage").all_text_contents())
    injected = page.evaluate(
        "[...document.querySelectorAll('script')].some(s => s.textContent.includes('alert(1)'))"
    )
    assert not injected  # ... and never became an element
    assert page.dialogs == []


def asked(page, question: str) -> None:
    """Wait until the page shows the answer to `question` (its summary or its abstention)."""
    from playwright.sync_api import expect

    expect(page.locator(".summary")).to_contain_text(question, timeout=WAIT_MS)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=WAIT_MS)


def test_enter_asks_and_shift_enter_starts_a_new_line(server: str, page):
    from playwright.sync_api import expect

    page.goto(server)
    box = page.get_by_label("Describe your situation")
    expect(box).to_be_visible(timeout=WAIT_MS)
    box.fill("our team pushes back")
    box.press("Shift+Enter")
    box.press_sequentially("on every new tool we introduce")
    expect(box).to_have_value("our team pushes back\non every new tool we introduce")
    assert "q" not in parse_qs(urlparse(page.url).query)  # not asked yet
    box.press("Enter")
    asked(page, SHARED)  # the new line was tidied into a space
    first_card(page)
    assert parse_qs(urlparse(page.url).query) == {"q": [SHARED]}
    expect(box).to_have_value(SHARED)


def test_back_and_forward_keep_the_box_the_results_and_the_title_in_step(server: str, page):
    from playwright.sync_api import expect

    page.goto(server)
    box = page.get_by_label("Describe your situation")
    expect(box).to_be_visible(timeout=WAIT_MS)
    expect(page).to_have_title("SMB strategy guidance")
    for question in (SITUATION, SHARED):
        box.fill(question)
        box.press("Enter")
        asked(page, question)
    expect(page).to_have_title(f"{SHARED} · SMB strategy guidance")
    # The earlier question is listed beside the filters, to ask again.
    expect(page.locator(".st-key-recent")).to_contain_text("We automated our invoicing")

    page.go_back()
    asked(page, SITUATION)
    expect(box).to_have_value(SITUATION)
    expect(page.locator(".summary")).not_to_contain_text(SHARED)
    expect(page).to_have_title(re.compile(r"^We automated our invoicing .*… · SMB strategy"))
    assert parse_qs(urlparse(page.url).query) == {"q": [SITUATION]}

    page.go_forward()
    asked(page, SHARED)
    expect(box).to_have_value(SHARED)
    expect(page).to_have_title(f"{SHARED} · SMB strategy guidance")

    page.go_back()
    page.go_back()  # the first page, before any question: an empty box and no results
    expect(box).to_have_value("", timeout=WAIT_MS)
    expect(page.locator(".summary")).to_have_count(0, timeout=WAIT_MS)
    expect(page).to_have_title("SMB strategy guidance")


def test_back_from_frameworks_returns_to_the_question_in_one_step(server: str, page):
    from playwright.sync_api import expect

    page.goto(f"{server}/?q={quote(SHARED)}")
    asked(page, SHARED)
    page.get_by_role("radio", name="Frameworks").click()
    expect(page).to_have_title("Frameworks · SMB strategy guidance", timeout=WAIT_MS)
    assert parse_qs(urlparse(page.url).query) == {"view": ["frameworks"]}
    page.go_back()  # one step: the view's switch changed the URL once
    asked(page, SHARED)
    expect(page.get_by_label("Describe your situation")).to_have_value(SHARED)
    expect(page.get_by_role("radio", name="Ask")).to_be_checked()
    expect(page).to_have_title(f"{SHARED} · SMB strategy guidance")


def test_copy_link_puts_the_page_address_on_the_clipboard(server: str, browser):
    from playwright.sync_api import expect

    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, permissions=["clipboard-read", "clipboard-write"]
    )
    try:
        page = context.new_page()
        page.goto(f"{server}/?q={quote(SHARED)}")
        asked(page, SHARED)
        page.get_by_role("button", name="Copy link").click()
        expect(page.locator(".copy-link-note")).to_have_text("Link copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.url
        assert parse_qs(urlparse(copied).query) == {"q": [SHARED]}
        # The address is also shown, to copy by hand where the clipboard is refused.
        page.get_by_role("button", name="Show link").click()
        shown = page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]')
        expect(shown).to_be_visible(timeout=WAIT_MS)
        assert parse_qs(urlparse(shown.inner_text().strip()).query) == {"q": [SHARED]}
    finally:
        context.close()
