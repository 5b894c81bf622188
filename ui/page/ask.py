"""The Ask view: an owner describes a situation and gets recommendation cards, best first.

The question lives in the URL (`/?q=...`), so a result page can be shared (Copy link) and
Back and Forward step through the questions asked, the box always showing the one answered;
Enter asks. The session's recent questions are listed beside the filters. Each card can be
voted on (stored in the KB folder's feedback) and opened in the Frameworks view.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import streamlit as st

from kb import feedback
from kb.errors import UsageError
from kb.store import KnowledgeBase, resolve_kb_dir
from recommender import Recommendation, Recommender
from recommender.guidance import says_more
from recommender.service import Passage
from ui.page import html
from ui.page.load import cached_answer, doc_titles
from ui.page.nav import ANY, VIEWS, any_label, came_from_another_view, go, url_changed, url_filter

RESULTS = 5
# Generic situations to start from (short label -> what an owner might type).
EXAMPLES = {
    "Staff avoid the new till": "We paid for a new point-of-sale system, but the staff still write "
    "orders in the old paper book and the two never match.",
    "What should we automate first?": "We are a family bakery with eight people and want to "
    "automate something this year, but we don't know where to start.",
    "Everyone agrees, nothing new": "Our team agrees with every plan and we have not launched "
    "anything new in two years.",
    "Is the software paying off?": "We bought booking software last spring and I can't tell "
    "whether it is actually helping the business.",
}


def submit() -> None:
    """The form's callback: the typed situation, spaces tidied, becomes the URL's question."""
    text = " ".join(st.session_state.get("situation", "").split())
    st.session_state.empty_submit = not text
    if text:
        st.query_params["q"] = text


def use_example() -> None:
    """An example chip's callback: ask its situation as if it had been typed."""
    label = st.session_state.get("example")
    if label in EXAMPLES:
        st.session_state.situation = EXAMPLES[label]
        st.query_params["q"] = EXAMPLES[label]
    st.session_state.example = None  # a chip, not a setting: ready to be picked again


def ask_again(text: str) -> None:
    """A recent question's callback: ask it again (the box follows the URL)."""
    st.query_params["q"] = text


def ask_view(rec: Recommender) -> None:
    """The question box and examples beside the filters, recent questions and tips; the cards
    under the box."""
    query = " ".join(st.query_params.get("q", "").split())
    # The box shows the URL's question whenever the URL changed: after a question is asked,
    # and after Back or Forward, so that the box and the results always match.
    if url_changed("q", query) or came_from_another_view() or "situation" not in st.session_state:
        st.session_state.situation = query
    if query:
        remember(query)
    titles = doc_titles(rec.kb)
    main, side = st.columns([3, 1], gap="large")
    with side:
        level, doc = ask_filters(rec.kb, titles)
        recent_questions(query)
        tips(rec.kb)
    with main:
        question()
        if st.session_state.pop("empty_submit", False):
            st.warning("Describe your situation in a few words first.")
        if query:
            share_link()
            results(rec, query, level, doc, titles)


def question() -> None:
    """The situation box, its button and the example chips. Enter asks, Shift+Enter starts a
    new line (`ENTER_ASKS`), so a long paragraph can still be typed or pasted."""
    with st.form("ask", border=False, enter_to_submit=True):
        st.text_area(
            "Describe your situation",
            key="situation",
            height=110,
            placeholder="e.g. We moved our orders to an online system and now the "
            "kitchen and the front desk blame each other for mistakes.",
        )
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.form_submit_button(
                "Find guidance",
                type="primary",
                icon=":material/search:",
                on_click=submit,
                key="ask_submit",
            )
            st.caption("Enter asks · Shift+Enter starts a new line")
    with st.container(key="ask-keys"):
        st.html(ENTER_ASKS, unsafe_allow_javascript=True)
    st.pills(
        "Or start from an example",
        list(EXAMPLES),
        key="example",
        on_change=use_example,
    )


# Enter in the box asks: it is turned into the Ctrl+Enter that Streamlit's text area submits
# its form with (the form's enter_to_submit). Shift+Enter, and Enter while an input method is
# composing a character, still type a new line. Our own text only: no question goes in here.
ENTER_ASKS = """<script>
(() => {
  if (window.askEnterSubmits) return;
  window.askEnterSubmits = true;
  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !box.closest(".st-key-situation")) return;
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return;
    if (event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    event.stopPropagation();
    box.dispatchEvent(new KeyboardEvent("keydown", {
      key: "Enter", code: "Enter", ctrlKey: true, bubbles: true, cancelable: true,
    }));
  }, true);
})();
</script>"""

# A button that copies the page's address, read when it is clicked, so it is the current one.
# Where the clipboard is refused (a page served over plain http to another machine), it says
# so, and "Show link" beside it has the address to copy by hand.
COPY_LINK = """<div class="copy-link">
<button type="button" class="copy-link-btn">Copy link</button>
<span class="copy-link-note" role="status"></span>
</div>
<script>
(() => {
  const root = document.currentScript.parentElement;
  const button = root.querySelector(".copy-link-btn");
  const note = root.querySelector(".copy-link-note");
  button.addEventListener("click", async () => {
    const url = window.location.href;
    try {
      await navigator.clipboard.writeText(url);
      note.textContent = "Link copied";
    } catch (error) {
      note.textContent = "This browser refused to copy: open Show link and copy it by hand";
    }
  });
})();
</script>"""


def share_link() -> None:
    """Copy link (the page's address, with its question and filters), and the address shown."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="share"):
        st.html(COPY_LINK, unsafe_allow_javascript=True, width="content")
        with st.popover("Show link", type="tertiary", icon=":material/link:"):
            st.code(page_url(), language=None, wrap_lines=True)


def page_url() -> str:
    """This page's address as the browser has it: where the app is served, and the URL's query
    (the browser's own address when it told the server, else the query alone)."""
    query = urlencode(st.query_params.to_dict())
    return f"{(st.context.url or '').rstrip('/')}/?{query}"


RECENT = 5  # recent questions listed


def remember(query: str) -> None:
    """Keep a question among the session's recent ones, newest first."""
    recent = [query, *(q for q in st.session_state.get("recent", []) if q != query)]
    st.session_state.recent = recent[: RECENT + 1]  # the current one is not listed


def recent_questions(current: str) -> None:
    """The session's last questions but the current one, newest first, a click to ask again."""
    others = [q for q in st.session_state.get("recent", []) if q != current][:RECENT]
    if not others:
        return
    with st.container(border=True, key="recent"):
        st.markdown("**Recent questions**")
        for n, text in enumerate(others):
            st.button(
                html.md_escape(shorten(text, 70)),
                key=f"recent-{n}",
                help=html.md_escape(text),
                type="tertiary",
                icon=":material/history:",
                on_click=ask_again,
                args=(text,),
            )


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word before `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


APP_NAME = "SMB strategy guidance"


def tab_title(view: str, query: str) -> str:
    """The browser tab's title: Ask's question, else the view, then the app's name."""
    if view == "ask":
        query = " ".join(query.split())
        return f"{shorten(query, 60)} · {APP_NAME}" if query else APP_NAME
    return f"{VIEWS.get(view, view)} · {APP_NAME}"


def ask_filters(kb: KnowledgeBase, titles: dict[str, str]) -> tuple[str | None, str | None]:
    """Level and document filters, kept in the URL; returns them as the recommender takes them."""
    levels = [ANY, *html.sort_levels(lv for d in kb.documents for lv in d.levels)]
    with st.container(border=True):
        st.markdown("**Refine**")
        level = url_filter(
            st.pills,
            "Level",
            levels,
            "level",
            any_label("Any level", html.md_escape),
            required=True,
        )
        doc = url_filter(
            st.selectbox,
            "Document",
            [ANY, *titles],
            "doc",
            any_label("All documents", titles.__getitem__),
        )
    return level, doc


def tips(kb: KnowledgeBase) -> None:
    """How to ask, and how large the library behind the answers is."""
    with st.container(border=True):
        st.markdown("**Tips**")
        st.caption(
            "Say what happened, who is involved and what you would like to change. "
            "Answers come only from the library's documents: when nothing there fits, "
            "the guide says so rather than guess. Your thumbs up or down on a card helps "
            "improve it."
        )
        st.caption(
            f"Library {kb.version}: {len(kb.documents)} documents, "
            f"{len(kb.concepts)} principles, frameworks and terms."
        )


def results(
    rec: Recommender, query: str, level: str | None, doc: str | None, titles: dict[str, str]
) -> None:
    """The cards for a question, or the friendly abstention when nothing fits."""
    try:
        answer = cached_answer(str(rec.kb.root), rec.kb.version, query, RESULTS, level, doc)
    except UsageError as exc:
        st.warning(str(exc))
        return
    if answer.notice:
        st.info(answer.notice, icon=":material/content_cut:")
    filters = [f for f in (level, titles.get(doc) if doc else None) if f]
    if answer.abstained or not answer.recommendations:
        with st.container(border=True, key="abstention"):
            reason = answer.reason or "no concept matches the chosen level and document"
            st.html(html.abstention_html(reason, list(titles.values()), bool(filters)))
        return
    # A passage that says no more than its card already does is left out, not shown twice.
    sources = {
        (r.rank, n): p
        for r in answer.recommendations
        for n, p in enumerate(r.passages, start=1)
        if says_more(p.text, r.guidance, r.fields)
    }
    if answer.summary:
        with st.container(border=True, key="start-here"):
            st.html(html.start_here_html(answer.summary, set(sources)))
    st.html(html.summary_html(len(answer.recommendations), answer.query, filters))
    # Votes and buttons are keyed by the question and filters, so a new answer starts fresh.
    asked = hashlib.sha1(f"{answer.query}|{level}|{doc}".encode()).hexdigest()[:10]
    cited = {(s.rank, s.passage) for s in answer.summary.sentences} if answer.summary else set()
    for r in answer.recommendations:
        card(rec.kb, r, answer.query, asked, titles, sources, cited)


def card(
    kb: KnowledgeBase,
    r: Recommendation,
    query: str,
    asked: str,
    titles: dict[str, str],
    sources: dict[tuple[int, int], Passage],
    cited: set[tuple[int, int]],
) -> None:
    """One recommendation: its head, a source expander per passage shown, then its actions.

    A passage that "Start here" cites is open, so that its citation lands on it.
    """
    with st.container(border=True, key=f"card-{r.rank}"):
        st.html(html.card_html(r, titles.get(r.doc, r.doc)))
        for n in range(1, len(r.passages) + 1):
            if (p := sources.get((r.rank, n))) is None:
                continue
            label = html.passage_label(n, p.section, p.text)
            with st.expander(label, icon=":material/format_quote:", expanded=(r.rank, n) in cited):
                st.html(html.passage_html(p.text, p.matched, html.source_anchor(r.rank, n)))
        card_actions(kb, r, query, asked)


def card_actions(kb: KnowledgeBase, r: Recommendation, query: str, asked: str) -> None:
    """The thumbs vote and the button that opens the concept in Frameworks."""
    vote_key = f"vote-{asked}-{r.concept}"
    row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    with row:
        st.caption("Was this helpful?")
        st.feedback(
            "thumbs",
            key=vote_key,
            on_change=vote,
            args=(vote_key, query, r.concept, r.title, kb.version),
        )
        st.button(
            "Open in Frameworks",
            key=f"open-{asked}-{r.concept}",
            icon=":material/menu_book:",
            type="tertiary",
            on_click=open_concept,
            args=(r.concept,),
        )


def vote(key: str, query: str, concept: str, title: str, version: str) -> None:
    """A thumb's callback: store the vote with its question, so the ranking can learn from it."""
    value = st.session_state.get(key)
    if value is None:  # a vote taken back: the earlier row stays, a new vote will follow
        return
    vote_value = feedback.UP if value == 1 else feedback.DOWN
    try:
        feedback.record(resolve_kb_dir(), query, concept, title, vote_value, version)
    except feedback.FeedbackUnavailable as exc:
        st.toast(f"Your vote could not be saved: {exc}.", icon=":material/error:")
        return
    st.toast("Thanks, your vote is saved.", icon=":material/thumb_up:")


def open_concept(concept_id: str) -> None:
    """Show one concept in Frameworks, with its filters cleared so that it is listed."""
    for key in ("fw_search", "fw_kind", "fw_level", "fw_doc"):
        st.session_state.pop(key, None)
    st.session_state.fw_pick = concept_id
    go("frameworks")
