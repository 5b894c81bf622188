"""Cleaning (ingest.clean): the site's noise leaves the running text, its pop-ups become a glossary.

Tiny pages are written here in the site's own format; the real documents are in data/docs.
Expected texts are written out by hand from the documents, never computed by the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.clean import clean
from ingest.load import load
from ingest.structure import parse

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "data" / "docs"
SOCIO = DOCS / "socio-technical-systems.txt"
OVER = DOCS / "over-alignment-and-smb-innovation.txt"
ALIGN = DOCS / "strategic-alignment-before-automation.txt"

SMB_GROWTH_RAW = (
    "Automation is frequently presented as a key driver of SMB growth Meaning ● SMB Growth is "
    "the strategic expansion of small to medium businesses focusing on sustainable value, "
    "ethical practices, and advanced automation for long-term success. and efficiency, and "
    "rightly so."
)
SMB_GROWTH_DEFINITION = (
    "SMB Growth is the strategic expansion of small to medium businesses focusing on "
    "sustainable value, ethical practices, and advanced automation for long-term success."
)
def kept(text: str) -> list[str]:
    """The non-blank cleaned lines of a text."""
    return [line.text for line in clean(text) if line.text.strip()]


def all_terms(text: str) -> list[tuple[str, str]]:
    return [term for line in clean(text) for term in line.terms]


def cleaned_text(path: Path) -> str:
    return "\n".join(line.text for line in clean(load(path).text))


# --------------------------------------------------------------------------- tiny pages


def test_page_chrome_goes() -> None:
    page = "Skip to main content\n\nFundamentals\n\nOwners plan ahead."
    assert kept(page) == ["Fundamentals", "Owners plan ahead."]


def test_popup_leaves_the_sentence_as_written_and_becomes_a_term() -> None:
    assert kept(SMB_GROWTH_RAW) == [
        "Automation is frequently presented as a key driver of SMB growth and efficiency, "
        "and rightly so."
    ]
    assert all_terms(SMB_GROWTH_RAW) == [("SMB growth", SMB_GROWTH_DEFINITION)]


def test_two_popups_in_one_paragraph() -> None:
    raw = (
        "These metrics might include customer satisfaction Meaning ● Customer Satisfaction: "
        "Ensuring customer delight by consistently meeting expectations. with new offers, "
        "employee engagement Meaning ● Employee Engagement is the commitment of employees to "
        "business goals. in idea generation, and more."
    )
    assert kept(raw) == [
        "These metrics might include customer satisfaction with new offers, employee "
        "engagement in idea generation, and more."
    ]
    assert all_terms(raw) == [
        (
            "customer satisfaction",
            "Customer Satisfaction: Ensuring customer delight by "
            "consistently meeting expectations.",
        ),
        (
            "employee engagement",
            "Employee Engagement is the commitment of employees to business goals.",
        ),
    ]


def test_popup_whose_definition_names_an_abbreviated_term() -> None:
    raw = (
        "Focus on the tools with the highest return on investment Meaning ● Return on "
        "Investment (ROI) gauges the profitability of an investment. and the greatest impact."
    )
    assert kept(raw) == [
        "Focus on the tools with the highest return on investment and the greatest impact."
    ]
    assert all_terms(raw) == [
        (
            "return on investment",
            "Return on Investment (ROI) gauges the profitability of an investment.",
        )
    ]


def test_popup_definition_with_an_abbreviation_runs_to_the_real_sentence_end() -> None:
    # "e.g." does not end the definition's sentence: the running text must not keep its rest.
    raw = (
        "Track your burn rate Meaning ● Burn Rate is the pace at which a business spends cash, "
        "e.g. per month, before it turns a profit. every week."
    )
    assert kept(raw) == ["Track your burn rate every week."]
    assert all_terms(raw) == [
        (
            "burn rate",
            "Burn Rate is the pace at which a business spends cash, e.g. per month, "
            "before it turns a profit.",
        )
    ]


ARROW_PAGE = "\n\n".join(  # a page of the site written with `Meaning →`, in its own layout
    [
        "Skip to main content",
        "Fundamentals",
        "Cash Flow Basics for Small Shops",
        "Most owners watch their working capital Meaning → Working Capital is the money a "
        "business has available for day-to-day operations. closely in the first year, and "
        "rightly so.",
        "Intermediate",
        "Forecasting ● Thirteen Weeks Ahead",
        "A rolling forecast Meaning → A Rolling Forecast is a projection extended by one period "
        "each time a period closes. keeps the bank informed.",
        "Cash flow planning keeps a small shop solvent and its bank calm.",
        "Explore",
        "How Do Small Shops Forecast Cash?",
    ]
)


def test_arrow_popups_are_lifted_like_bullet_ones() -> None:
    assert kept(ARROW_PAGE) == [
        "Fundamentals",
        "Cash Flow Basics for Small Shops",
        "Most owners watch their working capital closely in the first year, and rightly so.",
        "Intermediate",
        "Forecasting — Thirteen Weeks Ahead",
        "A rolling forecast keeps the bank informed.",
        "Cash flow planning keeps a small shop solvent and its bank calm.",
        "Explore",
        "How Do Small Shops Forecast Cash?",
    ]
    assert all_terms(ARROW_PAGE) == [
        (
            "working capital",
            "Working Capital is the money a business has available for day-to-day operations.",
        ),
        (
            "rolling forecast",
            "A Rolling Forecast is a projection extended by one period each time a period closes.",
        ),
    ]


def test_arrow_page_glossary_says_where_each_term_was_seen(tmp_path: Path) -> None:
    path = tmp_path / "cash-flow.txt"
    path.write_text(ARROW_PAGE, encoding="utf-8")
    loaded = load(path)
    parsed = parse(loaded.doc, loaded.path, None, "txt", loaded.sha256, clean(loaded.text))
    seen = [(g.term, g.doc, g.section, g.level) for g in parsed.glossary]
    assert seen == [
        ("working capital", "cash-flow", "Cash Flow Basics for Small Shops", "Fundamentals"),
        ("rolling forecast", "cash-flow", "Forecasting — Thirteen Weeks Ahead", "Intermediate"),
    ]
    assert parsed.summary == "Cash flow planning keeps a small shop solvent and its bank calm."
    assert "Meaning" not in parsed.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Case Study ● The Local Coffee Shop Versus the Chain",
            "Case Study — The Local Coffee Shop Versus the Chain",
        ),
        ("Example 1 ● A Small Retail Store", "Example 1 — A Small Retail Store"),
        (
            "Implementation Challenges ●One Size Fits None",
            "Implementation Challenges — One Size Fits None",
        ),
    ],
)
def test_bullet_used_as_a_dash_in_headings(raw: str, expected: str) -> None:
    assert kept(raw) == [expected]


# --------------------------------------------------------------------------- real documents


@pytest.mark.parametrize("path", sorted(DOCS.glob("*.txt")), ids=lambda p: p.stem)
def test_real_documents_lose_chrome_popups_and_bullets(path: Path) -> None:
    text = cleaned_text(path)
    assert "Skip to main content" not in text
    assert "Meaning ●" not in text and "Meaning →" not in text
    assert "●" not in text


@pytest.mark.parametrize("path", sorted(DOCS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_real_popup_becomes_one_glossary_term(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    terms = all_terms(load(path).text)
    assert len(terms) == raw.count("Meaning ●")
    for term, definition in terms:
        assert term and definition
        assert len(term.split()) <= 5, term
        assert definition.endswith((".", "!", "?")), definition


def test_real_popup_sentences_read_as_the_author_wrote_them() -> None:
    over, align = cleaned_text(OVER), cleaned_text(ALIGN)
    assert (
        "Automation is frequently presented as a key driver of SMB growth and efficiency, "
        "and rightly so."
    ) in over
    assert "For SMBs, strategic flexibility is paramount." in over
    assert (
        "Imposing rigid implementation frameworks can stifle the bottom-up innovation that "
        "often characterizes SMBs"
    ) in over
    assert (
        "Investing in automation before establishing strategic alignment is akin to equipping "
        "a rudderless ship"
    ) in align
    assert (
        "Focus on implementing automation tools that offer the highest return on investment "
        "and the greatest strategic impact."
    ) in align


def test_real_glossary_holds_the_popup_terms_with_their_definitions() -> None:
    over = dict(all_terms(load(OVER).text))
    align = dict(all_terms(load(ALIGN).text))
    assert over["SMB growth"] == SMB_GROWTH_DEFINITION
    assert over["strategic flexibility"] == (
        "SMB Strategic Flexibility: Adapting swiftly to market shifts for growth."
    )
    assert over["cognitive lock-in"] == (
        "Cognitive Lock-In: SMBs' rigid adherence to outdated thinking, hindering adaptation "
        "and growth in dynamic markets."
    )
    assert align["return on investment"] == (
        "Return on Investment (ROI) gauges the profitability of an investment, crucial for "
        "SMBs evaluating growth initiatives."
    )


# The pop-up pattern before issue 28 (a lazy `.+?` per head: quadratic), with the rule of
# issue 29 that a pop-up with no sentence end after it runs to the end of its line; the
# linear scan in `lift_popups` must read every line exactly as it does. (Lines are not
# allowed to start with a pop-up: those take their term from the line above.)
_REGEX_POPUP = re.compile(
    r"\s*\bMeaning\s*[●→](?:\s*(?P<definition>(?:\b(?:e\.g|i\.e|vs|cf|approx|incl|esp|Dr|Mr"
    r"|Mrs|Ms|St)\.|.)+?[.!?])(?=\s|$)|\s*(?P<open>.*))"
)
_PIECES = ["Meaning", " ", "●", "→", ".", "!", "?", "e.g.", "i.e.", "Mr.", "Mrs.", "St.", "x"]
_PIECES += ["Word", "vs.", "e", "g", "\t", "a b", "Dr", "the"]


def test_the_linear_popup_scan_reads_lines_as_the_regex_did() -> None:
    import random

    from ingest.clean import lift_popups, normalise_dashes, popup_term

    def by_regex(line: str):
        terms = []

        def lift(match: re.Match) -> str:
            found = match.group("definition") or match.group("open")
            definition = normalise_dashes(found.strip())
            term = popup_term(line[: match.start()], definition)
            if term and definition:
                terms.append((term, definition))
            return ""

        return _REGEX_POPUP.sub(lift, line), terms

    rng = random.Random(28)
    lines = ["x " + "".join(rng.choices(_PIECES, k=rng.randint(0, 14))) for _ in range(3000)]
    lines += [SMB_GROWTH_RAW] + [
        raw
        for path in (SOCIO, OVER, ALIGN)
        for raw in path.read_text(encoding="utf-8").splitlines()
    ]
    for line in lines:
        assert lift_popups(line) == by_regex(line), line


# --------------------------------------------------------------------------- issue 29: pop-ups
# that start their own line, pop-ups with no end stop, and terms joined by "of"


SITE_PAGE = Path(__file__).parents[1] / "data" / "site" / "repeat-customers.txt"


def test_line_initial_popup_defines_the_heading_above_it() -> None:
    page = (
        "Shelf Turnover\n\n"
        "Meaning ● Shelf Turnover, in a small shop, is how many times a shelf's stock sells out "
        "in a year. ● Fast shelves earn their space.\n\n"
        "Slow shelves tie up cash."
    )
    lines = clean(page)
    assert kept(page) == [
        "Shelf Turnover",
        "Fast shelves earn their space.",
        "Slow shelves tie up cash.",
    ]
    assert all_terms(page) == [
        (
            "Shelf Turnover",
            "Shelf Turnover, in a small shop, is how many times a shelf's stock sells out in a "
            "year.",
        )
    ]
    assert "Meaning" not in "\n".join(line.text for line in lines)


def test_a_line_that_is_all_popup_gives_its_entry_to_the_title_above() -> None:
    page = "  • Delivery Windows\nMeaning ● The hours in which a supplier promises to arrive.\n"
    lines = clean(page)
    assert [line.text for line in lines if line.text] == ["  • Delivery Windows"]
    assert lines[0].terms == [
        ("Delivery Windows", "The hours in which a supplier promises to arrive.")
    ]


def test_line_initial_popup_under_a_question_heading_takes_its_noun_phrase() -> None:
    page = "What Is Batch Baking?\nMeaning ● Baking one product in large runs to save oven time.\n"
    assert all_terms(page) == [
        ("Batch Baking", "Baking one product in large runs to save oven time.")
    ]


def test_line_initial_popup_that_nothing_names_keeps_its_sentence() -> None:
    # the line above is a finished paragraph, and the definition names no term: what it
    # defines is unknown, so the author's sentence stays as written rather than vanishing
    page = "Prices rose in spring.\nMeaning ● often the first sign of a tight market.\n"
    assert kept(page) == [
        "Prices rose in spring.",
        "Meaning — often the first sign of a tight market.",
    ]
    assert all_terms(page) == []


def test_popup_without_an_end_stop_runs_to_the_end_of_its_line() -> None:
    raw = (
        "Owners watch their gross margin Meaning ● The share of each sale left after the cost "
        "of goods"
    )
    assert kept(raw) == ["Owners watch their gross margin"]
    assert all_terms(raw) == [
        ("gross margin", "The share of each sale left after the cost of goods")
    ]


def test_unterminated_popup_leaves_the_next_line_alone() -> None:
    page = (
        "Keep an eye on stock age Meaning → How long goods wait on the shelf before they sell\n"
        "and reorder before the fast sellers run out."
    )
    assert kept(page) == [
        "Keep an eye on stock age",
        "and reorder before the fast sellers run out.",
    ]
    assert all_terms(page) == [("stock age", "How long goods wait on the shelf before they sell")]


@pytest.mark.parametrize(
    ("raw", "term"),
    [
        (
            "Crews that share a culture of safety Meaning ● For trades businesses, a Culture of "
            "Safety is the shared habit of stopping work when something looks wrong. get hurt "
            "less.",
            "culture of safety",
        ),
        (
            "Owners who track the cost of delay Meaning ● In project planning, the Cost of Delay "
            "measures what a week of waiting takes from a project. decide faster.",
            "cost of delay",
        ),
        (
            "Garages that plan for speed and reliability Meaning ● For repair shops, Speed and "
            "Reliability mean fixing cars on the promised day. win fleets.",
            "speed and reliability",
        ),
    ],
)
def test_term_joined_by_of_or_and_is_the_phrase_the_definition_names(raw: str, term: str) -> None:
    terms = all_terms(raw)
    assert [t for t, _ in terms] == [term]
    assert "Meaning" not in kept(raw)[0]


def test_term_reaches_past_of_only_when_the_definition_names_the_phrase() -> None:
    named = (
        "Crews that share a culture of safety Meaning ● On building sites, a Culture of Safety "
        "is a habit of stopping work when something looks wrong. get hurt less."
    )
    unnamed = (
        "Crews that share a culture of safety Meaning ● A habit of stopping work when "
        "something looks wrong. get hurt less."
    )
    assert [t for t, _ in all_terms(named)] == ["culture of safety"]
    assert [t for t, _ in all_terms(unnamed)] == ["safety"]  # the backward walk, as before


def test_new_popup_rules_keep_the_scan_linear() -> None:
    import time

    lines = ("Stock Age\nMeaning ● How long goods wait " * 200 + "\n") * 20
    lines += "word " * 20000 + "\n" + "a trade of craft Meaning ● " * 8000
    began = time.perf_counter()
    cleaned = clean(lines)
    assert time.perf_counter() - began < 2.0
    assert sum(len(line.terms) for line in cleaned) == 200 * 20 + 1
    assert not any("Meaning" in line.text for line in cleaned)


def test_site_page_popups_become_its_glossary() -> None:
    terms = all_terms(load(SITE_PAGE).text)
    assert [t for t, _ in terms] == [
        "customer count",
        "Visit Frequency",
        "Loyalty Cards",
        "culture of service",
        "average basket size",
    ]
    text = cleaned_text(SITE_PAGE)
    assert "Meaning" not in text
    assert "Their clerks track the average basket size\nand they use it" in text
    assert "\nVisit Frequency\n" in text and "\n  • Loyalty Cards\n" in text


def test_line_initial_popup_with_no_title_above_takes_the_name_its_definition_opens_with() -> None:
    named = "Meaning ● Weekly Stock Counts in a corner shop catch theft early. Owners like them."
    unnamed = "Meaning ● Ongoing, careful counting of the shelves."
    assert all_terms(named) == [
        ("Weekly Stock Counts", "Weekly Stock Counts in a corner shop catch theft early.")
    ]
    assert kept(named) == ["Owners like them."]
    assert all_terms(unnamed) == []  # "Ongoing," names nothing: the line stays as written
    assert kept(unnamed) == ["Meaning — Ongoing, careful counting of the shelves."]
