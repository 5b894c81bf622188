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
IMAGE_LABELS = Path(__file__).parents[1] / "data" / "image-descriptions.txt"

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
IMAGE_DESCRIPTION = (
    "The image presents a technologically advanced frame, juxtaposing dark metal against a "
    "smooth red interior, ideally representing modern Small Business Tech Solutions. Suitable "
    "for the modern workplace promoting Innovation, and illustrating problem solving within "
    "strategic SMB environments. It’s apt for businesses pursuing digital transformation "
    "through workflow Automation to support growth."
)


def kept(text: str) -> list[str]:
    """The non-blank cleaned lines of a text."""
    return [line.text for line in clean(text) if line.text.strip()]


def all_terms(text: str) -> list[tuple[str, str]]:
    return [term for line in clean(text) for term in line.terms]


def cleaned_text(path: Path) -> str:
    return "\n".join(line.text for line in clean(load(path).text))


def image_descriptions() -> list[str]:
    """The full paragraphs of socio-technical-systems.txt labelled as image descriptions."""
    openings = [
        line
        for line in IMAGE_LABELS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    raw = SOCIO.read_text(encoding="utf-8").splitlines()
    found = []
    for opening in openings:
        matches = [line for line in raw if line.startswith(opening)]
        assert len(matches) == 1, opening
        found.append(matches[0])
    return found


def sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if len(s) > 20]


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
        IMAGE_DESCRIPTION,
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
    assert "image presents" not in parsed.text


def test_image_description_goes_but_a_paragraph_about_an_image_stays() -> None:
    body = (
        "Consider the image of a small sailboat navigating a vast ocean; for many small "
        "businesses, this is not merely a metaphor, it is the daily reality."
    )
    assert kept(f"Fundamentals\n\n{IMAGE_DESCRIPTION}\n\n{body}") == ["Fundamentals", body]


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


def test_exactly_the_labelled_image_descriptions_are_removed() -> None:
    labelled = image_descriptions()
    assert len(labelled) == 24
    raw_lines = [line for line in SOCIO.read_text(encoding="utf-8").splitlines() if line.strip()]
    cleaned = [line for line in clean(load(SOCIO).text) if line.text.strip()]
    # the chrome line and the image descriptions are the only lines that go
    assert len(cleaned) == len(raw_lines) - 1 - len(labelled)
    text = "\n".join(line.text for line in cleaned)
    for paragraph in labelled:
        for sentence in sentences(paragraph):
            assert sentence not in text, sentence


@pytest.mark.parametrize(
    "body",
    [
        "Consider the image of a small sailboat navigating a vast ocean",
        "Within the advanced perspective, Organizational Culture emerges as a paramount factor.",
        "Let’s look at some concrete examples of socio-technical systems in typical SMBs:",
        "Below is a table illustrating the contrasting outcomes of automation with and without",
    ],
)
def test_body_paragraphs_that_mention_images_or_scenes_stay(body: str) -> None:
    assert body in "\n".join(cleaned_text(p) for p in sorted(DOCS.glob("*.txt")))


# The pop-up pattern before issue 28 (a lazy `.+?` per head: quadratic); the linear scan in
# `lift_popups` must read every line exactly as it did.
_REGEX_POPUP = re.compile(
    r"\s*\bMeaning\s*[●→]\s*(?P<definition>(?:\b(?:e\.g|i\.e|vs|cf|approx|incl|esp|Dr|Mr|Mrs"
    r"|Ms|St)\.|.)+?[.!?])(?=\s|$)"
)
_PIECES = ["Meaning", " ", "●", "→", ".", "!", "?", "e.g.", "i.e.", "Mr.", "Mrs.", "St.", "x"]
_PIECES += ["Word", "vs.", "e", "g", "\t", "a b", "Dr", "the"]


def test_the_linear_popup_scan_reads_lines_as_the_regex_did() -> None:
    import random

    from ingest.clean import lift_popups, normalise_dashes, popup_term

    def by_regex(line: str):
        terms = []

        def lift(match: re.Match) -> str:
            definition = normalise_dashes(match.group("definition").strip())
            if term := popup_term(line[: match.start()], definition):
                terms.append((term, definition))
            return ""

        return _REGEX_POPUP.sub(lift, line), terms

    rng = random.Random(28)
    lines = ["".join(rng.choices(_PIECES, k=rng.randint(0, 14))) for _ in range(3000)]
    lines += [SMB_GROWTH_RAW] + [
        raw
        for path in (SOCIO, OVER, ALIGN)
        for raw in path.read_text(encoding="utf-8").splitlines()
    ]
    for line in lines:
        assert lift_popups(line) == by_regex(line), line
