"""Structure (ingest.structure): the real documents as trees, and other formats onto the same tree.

Every expected title, cell, reference and question below was copied by hand from the documents
in data/docs; none is computed by the code under test.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ingest.clean import clean
from ingest.load import load
from ingest.structure import parse
from kb.model import Block, ParsedDocument, Section

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "data" / "docs"
SOCIO = "socio-technical-systems"
OVER = "over-alignment-and-smb-innovation"
ALIGN = "strategic-alignment-before-automation"
LEVELS = ["Fundamentals", "Intermediate", "Advanced"]


def parse_file(path: Path) -> ParsedDocument:
    loaded = load(path)
    return parse(loaded.doc, loaded.path, None, loaded.format, loaded.sha256, clean(loaded.text))


@cache
def real(doc: str) -> ParsedDocument:
    return parse_file(DOCS / f"{doc}.txt")


def section(parsed: ParsedDocument, heading: str) -> Section:
    found = [s for s in parsed.sections if s.heading == heading]
    assert len(found) == 1, [s.heading for s in parsed.sections]
    return found[0]


def items(sec: Section) -> list[Block]:
    return [b for b in sec.blocks if b.kind == "item"]


def table(parsed: ParsedDocument, first_column: str) -> tuple[Section, list[Block]]:
    found = [s for s in parsed.sections if s.table_columns[:1] == [first_column]]
    assert len(found) == 1, [s.table_columns for s in parsed.sections]
    return found[0], [b for b in found[0].blocks if b.kind == "row"]


# --------------------------------------------------------------------------- levels and headings


@pytest.mark.parametrize("doc", [SOCIO, OVER, ALIGN])
def test_each_document_has_the_three_levels_in_order(doc: str) -> None:
    parsed = real(doc)
    assert parsed.levels == LEVELS
    assert all(s.level in LEVELS for s in parsed.sections)


@pytest.mark.parametrize(
    ("doc", "heading", "level"),
    [
        (SOCIO, "Deconstructing Socio-Technical Systems for SMBs", "Fundamentals"),
        (SOCIO, "Principles of Socio-Technical System Design for Automation", "Intermediate"),
        (SOCIO, "Advanced Implementation Challenges", "Advanced"),
        (OVER, "Case Study — The Local Coffee Shop Versus the Chain", "Fundamentals"),
        (OVER, "Cultivating Intellectual Dissonance — Breaking the Echo Chamber", "Intermediate"),
        (ALIGN, "The Business Risks of Misaligned Automation", "Intermediate"),
        (ALIGN, "Strategic Frameworks for Advanced SMB Automation Alignment", "Advanced"),
        (ALIGN, "Market Alignment", "Advanced"),
    ],
)
def test_headings_are_sections_at_their_level(doc: str, heading: str, level: str) -> None:
    assert section(real(doc), heading).level == level


def test_sections_under_a_lead_in_heading_have_it_on_their_path() -> None:
    parsed = real(ALIGN)
    group = "Strategic Frameworks for Advanced SMB Automation Alignment"
    for heading in ("Balanced Scorecard (BSC)", "Objectives and Key Results (OKRs)"):
        assert section(parsed, heading).path == [group, heading]
    dimensions = "The Multi-Dimensionality of Strategic Alignment in Advanced SMBs"
    assert section(parsed, "Financial Alignment").path == [dimensions, "Financial Alignment"]


# --------------------------------------------------------------------------- list items


@pytest.mark.parametrize(
    ("heading", "title", "body_start"),
    [
        (
            "Principles of Socio-Technical System Design for Automation",
            "Joint Optimization",
            "This is a core principle. It means that you should aim",
        ),
        (
            "Principles of Socio-Technical System Design for Automation",
            "Human-Centered Design",
            "Technology should be designed to support",
        ),
        ("Deconstructing Socio-Technical Systems for SMBs", "Social System", "This is the ‘socio’"),
        ("Advanced Implementation Challenges", "Resource Constraints", "SMBs often have limited"),
        (
            "Advanced Implementation Challenges",
            "Skill Gaps and Talent Acquisition",
            "Implementing and managing advanced automation",
        ),
        (
            "Advanced Implementation Challenges",
            "Legacy Systems and Integration Complexity",
            "Many SMBs rely on legacy systems",
        ),
        (
            "Strategies for Successful Advanced Automation in SMBs",
            "Invest in Employee Training and Upskilling",
            "Proactively invest in training",
        ),
        (
            "Strategies for Successful Advanced Automation in SMBs",
            "Focus on Augmentation, Not Just Replacement",
            "Frame automation as a tool",
        ),
        (
            "Redefining Socio-Technical Systems for Advanced SMB Strategy",
            "Adaptive and Dynamic Ecosystem",
            "Recognizes that SMB socio-technical systems",
        ),
        (
            "Redefining Socio-Technical Systems for Advanced SMB Strategy",
            "Cross-Sectorial Innovations",
            "Encourages SMBs to look beyond their immediate industry",
        ),
        (
            "Examples of Cross-Sectorial Influences",
            "Lean Manufacturing Principles (Manufacturing to Service SMBs)",
            "Originally developed in the manufacturing sector",
        ),
    ],
)
def test_list_item_titles_are_split_from_their_bodies(
    heading: str, title: str, body_start: str
) -> None:
    found = [b for b in items(section(real(SOCIO), heading)) if b.title == title]
    assert len(found) == 1, [b.title for b in items(section(real(SOCIO), heading))]
    assert found[0].body.startswith(body_start)
    assert found[0].text.startswith(title)
    assert found[0].text.endswith(found[0].body)


def test_a_whole_list_of_principles_has_its_titles_in_order() -> None:
    sec = section(real(SOCIO), "Principles of Socio-Technical System Design for Automation")
    assert [b.title for b in items(sec)] == [
        "Joint Optimization",
        "Human-Centered Design",
        "Task Allocation",
        "Skill Development and Training",
        "Participation and Involvement",
    ]


def test_nested_items_name_their_parent_item() -> None:
    sec = section(real(SOCIO), "Step-By-Step Implementation Framework")
    blocks = sec.blocks
    by_title = {b.title: b for b in blocks if b.kind == "item"}
    expected = {
        "Process Mapping": "Assessment and Analysis",
        "Technology Audit": "Assessment and Analysis",
        "Phased Rollout": "Implementation and Deployment",
        "Communication": "Implementation and Deployment",
        "Iteration and Refinement": "Evaluation and Iteration",
    }
    for child, parent in expected.items():
        block = by_title[child]
        assert block.parent is not None, child
        assert blocks[block.parent].title == parent
        assert block.depth > blocks[block.parent].depth
    for top in ("Assessment and Analysis", "Design and Planning", "Evaluation and Iteration"):
        assert by_title[top].parent is None


# --------------------------------------------------------------------------- tables

FRAMEWORK_COLUMNS = [
    "Framework",
    "Core Focus",
    "Key Benefits for Automation Alignment",
    "SMB Applicability",
]


def test_framework_comparison_table_is_rebuilt() -> None:
    sec, rows = table(real(ALIGN), "Framework")
    assert sec.table_columns == FRAMEWORK_COLUMNS
    assert [r.title for r in rows] == [
        "Balanced Scorecard (BSC)",
        "Objectives and Key Results (OKRs)",
        "Lean Management Principles",
        "Agile Methodology",
    ]
    assert rows[0].cells == {
        "Framework": "Balanced Scorecard (BSC)",
        "Core Focus": "Holistic strategic performance management",
        "Key Benefits for Automation Alignment": (
            "Ensures automation aligns with strategic objectives across financial, customer, "
            "process, and learning perspectives; provides comprehensive performance "
            "measurement framework."
        ),
        "SMB Applicability": (
            "Highly applicable for mature SMBs seeking structured strategic performance "
            "management and multi-dimensional automation alignment."
        ),
    }
    assert rows[3].cells["Core Focus"] == "Iterative development and flexibility"


def test_aspect_table_is_rebuilt() -> None:
    sec, rows = table(real(ALIGN), "Aspect")
    assert sec.table_columns == [
        "Aspect",
        "Automation with Strategic Alignment",
        "Automation without Strategic Alignment",
    ]
    assert [r.title for r in rows] == [
        "Resource Allocation",
        "Competitive Advantage",
        "Operational Efficiency",
        "Process Integration",
        "Return on Investment (ROI)",
        "Customer Experience",
        "Strategic Goal Achievement",
        "Organizational Impact",
    ]
    roi = rows[4].cells
    assert roi["Automation with Strategic Alignment"] == (
        "High, automation investments deliver substantial strategic value"
    )
    assert roi["Automation without Strategic Alignment"] == (
        "Diminished or negative, investments fail to justify costs"
    )


def test_no_flattened_table_marker_is_left_in_the_text() -> None:
    assert "|" not in real(ALIGN).text


# --------------------------------------------------------------------------- references


def test_references_are_parsed_into_entries() -> None:
    refs = {r.key: r for r in real(ALIGN).references}
    assert list(refs) == [
        "doerr-2018",
        "kaplan-1996",
        "march-1991",
        "schwaber-2017",
        "womack-2003",
    ]
    kaplan = refs["kaplan-1996"]
    assert kaplan.authors == "Kaplan, R. S., & Norton, D. P"
    assert kaplan.year == "1996"
    assert kaplan.title.startswith("The Balanced Scorecard")
    assert "Translating Strategy into Action" in kaplan.title
    assert kaplan.source.startswith("Harvard Business School Press")
    assert refs["march-1991"].title == "Exploration and exploitation in organizational learning"


def test_all_eight_references_of_the_innovation_document() -> None:
    keys = [r.key for r in real(OVER).references]
    assert keys == [
        "christensen-1997",
        "dimaggio-1983",
        "hamel-2003",
        "lawrence-1967",
        "leonard-barton-1992",
        "nonaka-1995",
        "page-2007",
        "teece-1997",
    ]


def test_reference_list_is_not_body_text() -> None:
    parsed = real(ALIGN)
    assert all(s.heading != "References" for s in parsed.sections)
    blocks = [b.text for s in parsed.sections for b in s.blocks]
    assert not any("Harvard Business School Press" in t for t in blocks)


def test_kaplan_norton_citation_links_to_its_reference() -> None:
    sec = section(real(ALIGN), "Balanced Scorecard (BSC)")
    citing = [b for b in sec.blocks if "(Kaplan & Norton, 1996)" in b.text]
    assert len(citing) == 1
    assert citing[0].citations == ["kaplan-1996"]


@pytest.mark.parametrize(
    ("doc", "citation", "key"),
    [
        (ALIGN, "(Doerr, 2018)", "doerr-2018"),
        (ALIGN, "(March, 1991)", "march-1991"),
        (ALIGN, "(Schwaber & Sutherland, 2017)", "schwaber-2017"),
        (ALIGN, "(Womack & Jones, 2003)", "womack-2003"),
        (OVER, "(Christensen, 1997)", "christensen-1997"),
        (OVER, "(Hamel & Välikangas, 2003)", "hamel-2003"),
        (OVER, "(Leonard-Barton, 1992)", "leonard-barton-1992"),
        (OVER, "(Nonaka & Takeuchi, 1995)", "nonaka-1995"),
        (OVER, "(Teece, Pisano, & Shuen, 1997)", "teece-1997"),
    ],
)
def test_every_in_text_citation_links_to_its_reference(doc: str, citation: str, key: str) -> None:
    parsed = real(doc)
    assert key in {r.key for r in parsed.references}
    citing = [b for s in parsed.sections for b in s.blocks if citation in b.text]
    assert len(citing) == 1, citation
    assert key in citing[0].citations


# --------------------------------------------------------------------------- page metadata


def test_explore_questions_and_summary_are_metadata() -> None:
    parsed = real(ALIGN)
    questions = [
        "How Does Strategic Alignment Drive Automation ROI?",
        "What Role Does Organizational Culture Play In Strategic Alignment?",
        "Why Is Market Alignment Critical For Automation Success In SMBs?",
    ]
    summary = (
        "Strategy steers; automation accelerates. Alignment ensures acceleration towards the "
        "right goals, not just faster in the wrong direction."
    )
    assert parsed.explore == questions
    assert parsed.summary == summary
    body = [b.text for s in parsed.sections for b in s.blocks] + [
        s.heading for s in parsed.sections
    ]
    for text in [*questions, summary]:
        assert text not in body
    assert "Explore" not in [s.heading for s in parsed.sections]


def test_summary_and_keywords_of_a_page_without_explore() -> None:
    parsed = real(SOCIO)
    assert parsed.explore == []
    assert parsed.summary == (
        "Socio-Technical Systems in SMBs — Interconnected people & tech for strategic growth "
        "& resilience."
    )
    assert parsed.keywords == [
        "Socio-Technical Ecosystems",
        "SMB Digital Transformation",
        "Human-Centered Automation",
    ]


# --------------------------------------------------------------------------- offsets


@pytest.mark.parametrize("doc", [SOCIO, OVER, ALIGN])
def test_block_and_heading_offsets_point_into_the_cleaned_text(doc: str) -> None:
    parsed = real(doc)
    last = -1
    for sec in parsed.sections:
        assert parsed.text[sec.start : sec.start + len(sec.heading)] == sec.heading
        for block in sec.blocks:
            assert parsed.text[block.start : block.end] == block.text
            assert sec.start <= block.start <= block.end <= sec.end
            assert block.start > last
            last = block.start


# --------------------------------------------------------------------------- other formats

SITE_PAGE = """Skip to main content

Fundamentals

Deconstructing Socio-Technical Systems for SMBs

Let’s break down what makes up a Socio-Technical System. There are two core parts:

  • Social System ● This is the ‘socio’ part. It includes your people.
  • Technical System ● This is the ‘technical’ part. It covers your tools.

Intermediate

Step-By-Step Implementation Framework:

  1. Assessment and Analysis Start with a thorough assessment of your system. This involves ●
    • Process Mapping ● Document key business processes.
    • Stakeholder Analysis ● Identify all stakeholders and their needs.
  2. Design and Planning Based on the assessment, redesign your system.

Effective automation hinges on joint optimization and human-centered design.

Explore

How Do Systems Work?
"""

MARKDOWN_PAGE = """# Socio-Technical Systems

## Fundamentals

### Deconstructing Socio-Technical Systems for SMBs

Let’s break down what makes up a Socio-Technical System. There are two core parts:

- Social System ● This is the ‘socio’ part. It includes your people.
- Technical System ● This is the ‘technical’ part. It covers your tools.

## Intermediate

### Step-By-Step Implementation Framework

1. Assessment and Analysis Start with a thorough assessment of your system. This involves ●
   - Process Mapping ● Document key business processes.
   - Stakeholder Analysis ● Identify all stakeholders and their needs.
2. Design and Planning Based on the assessment, redesign your system.

Effective automation hinges on joint optimization and human-centered design.

## Explore

How Do Systems Work?
"""

HTML_PAGE = """<html><head><title>Socio-Technical Systems</title></head><body>
<h1>Socio-Technical Systems</h1>
<h2>Fundamentals</h2>
<h3>Deconstructing Socio-Technical Systems for SMBs</h3>
<p>Let’s break down what makes up a Socio-Technical System. There are two core parts:</p>
<ul>
<li>Social System ● This is the ‘socio’ part. It includes your people.</li>
<li>Technical System ● This is the ‘technical’ part. It covers your tools.</li>
</ul>
<h2>Intermediate</h2>
<h3>Step-By-Step Implementation Framework</h3>
<ol>
<li>Assessment and Analysis Start with a thorough assessment of your system. This
involves ●
<ul><li>Process Mapping ● Document key business processes.</li>
<li>Stakeholder Analysis ● Identify all stakeholders and their needs.</li></ul></li>
<li>Design and Planning Based on the assessment, redesign your system.</li>
</ol>
<p>Effective automation hinges on joint optimization and human-centered design.</p>
<h2>Explore</h2>
<p>How Do Systems Work?</p>
</body></html>
"""


def shape(parsed: ParsedDocument) -> list[tuple]:
    """What a tree says, independent of the format's own depth numbers."""
    return [
        (
            s.level,
            s.heading,
            tuple(s.path),
            tuple((b.kind, b.title, b.body, b.text, b.parent) for b in s.blocks),
        )
        for s in parsed.sections
        if s.blocks
    ]


def test_site_page_tree() -> None:
    # the reference tree the other formats must reproduce, checked by hand once
    parsed = parse("page", "page.txt", None, "txt", "0", clean(SITE_PAGE))
    assert parsed.levels == ["Fundamentals", "Intermediate"]
    assert shape(parsed) == [
        (
            "Fundamentals",
            "Deconstructing Socio-Technical Systems for SMBs",
            ("Deconstructing Socio-Technical Systems for SMBs",),
            (
                (
                    "paragraph",
                    None,
                    None,
                    "Let’s break down what makes up a Socio-Technical System. There are two "
                    "core parts:",
                    None,
                ),
                (
                    "item",
                    "Social System",
                    "This is the ‘socio’ part. It includes your people.",
                    "Social System — This is the ‘socio’ part. It includes your people.",
                    None,
                ),
                (
                    "item",
                    "Technical System",
                    "This is the ‘technical’ part. It covers your tools.",
                    "Technical System — This is the ‘technical’ part. It covers your tools.",
                    None,
                ),
            ),
        ),
        (
            "Intermediate",
            "Step-By-Step Implementation Framework",
            ("Step-By-Step Implementation Framework",),
            (
                (
                    "item",
                    "Assessment and Analysis",
                    "Start with a thorough assessment of your system. This involves",
                    "Assessment and Analysis — Start with a thorough assessment of your system. "
                    "This involves",
                    None,
                ),
                (
                    "item",
                    "Process Mapping",
                    "Document key business processes.",
                    "Process Mapping — Document key business processes.",
                    0,
                ),
                (
                    "item",
                    "Stakeholder Analysis",
                    "Identify all stakeholders and their needs.",
                    "Stakeholder Analysis — Identify all stakeholders and their needs.",
                    0,
                ),
                (
                    "item",
                    "Design and Planning",
                    "Based on the assessment, redesign your system.",
                    "Design and Planning — Based on the assessment, redesign your system.",
                    None,
                ),
            ),
        ),
    ]
    assert parsed.summary == (
        "Effective automation hinges on joint optimization and human-centered design."
    )


@pytest.mark.parametrize(("name", "page"), [("page.md", MARKDOWN_PAGE), ("page.html", HTML_PAGE)])
def test_markdown_and_html_headings_map_onto_the_same_tree(
    tmp_path: Path, name: str, page: str
) -> None:
    site = tmp_path / "site" / "page.txt"
    site.parent.mkdir()
    site.write_text(SITE_PAGE, encoding="utf-8")
    other = tmp_path / name
    other.write_text(page, encoding="utf-8")
    from_site, from_other = parse_file(site), parse_file(other)
    assert shape(from_other) == shape(from_site)
    assert from_other.levels == from_site.levels == ["Fundamentals", "Intermediate"]
    assert from_other.summary == from_site.summary
    for block in (b for s in from_other.sections for b in s.blocks):
        assert from_other.text[block.start : block.end] == block.text


# --------------------------------------------------------------------------- issue 29: question
# headings, and pop-ups that start their own line, on a page written in the site's style

SITE_DIR = Path(__file__).parents[1] / "data" / "site"


@cache
def site(name: str) -> ParsedDocument:
    return parse_file(SITE_DIR / f"{name}.txt")


def test_question_heading_is_a_section_with_its_paragraphs() -> None:
    parsed = site("repeat-customers")
    question = section(parsed, "Why Do Repeat Visits Matter for Small Shops?")
    assert question.level == "Fundamentals"
    assert question.path == ["Why Do Repeat Visits Matter for Small Shops?"]
    texts = [b.text for b in question.blocks]
    assert [b.kind for b in question.blocks] == ["paragraph"] * 3
    assert texts[0].startswith("A returning customer costs less to serve than a new one.")
    # the section before does not swallow them
    before = section(parsed, "Visit Frequency")
    assert not any("returning customer" in b.text for b in before.blocks)


def test_question_sentences_in_running_text_stay_paragraphs() -> None:
    parsed = site("repeat-customers")
    headings = [s.heading for s in parsed.sections]
    assert "So how would an owner know which of the two is true?" not in headings
    question = section(parsed, "Why Do Repeat Visits Matter for Small Shops?")
    assert question.blocks[1].text.startswith("Is the shop busy because of its location")
    assert question.blocks[2].text == "So how would an owner know which of the two is true?"


def test_explore_questions_stay_explore_questions() -> None:
    parsed = site("repeat-customers")
    assert parsed.explore == [
        "Why Do Regular Customers Spend More Over Time?",
        "How Can a Small Shop Count Visits Without a Till System?",
    ]
    headings = [s.heading for s in parsed.sections]
    assert "Explore" not in headings
    assert not any(h in headings for h in parsed.explore)
    # while a question heading in the body is a heading
    assert "Why Do Repeat Visits Matter for Small Shops?" in headings
    assert parsed.summary == (
        "Small shops grow on regulars; count the visits and serve the people behind them."
    )


def test_which_question_lines_are_headings() -> None:
    from ingest.classify import looks_like_heading

    lines = {
        "What Is Lean Inventory?": True,
        "Why Are Delivery Times Important for Small Bakeries?": True,
        "How Can Owners Price Their Services?": True,
        "Why does this matter for a small bakery?": False,  # sentence case: a paragraph's
        "Why? What Regulars Spend?": False,  # two questions
        "Costs Rose. Why?": False,
        "Customers Who Return?": False,  # no question word: not a question heading
    }
    assert {line: looks_like_heading(line) for line in lines} == lines


def test_line_initial_popups_become_glossary_entries_of_their_section() -> None:
    parsed = site("repeat-customers")
    glossary = {(g.term, g.section) for g in parsed.glossary}
    assert ("Visit Frequency", "Visit Frequency") in glossary
    assert ("Loyalty Cards", "What Keeps Customers Coming Back") in glossary
    visits = section(parsed, "Visit Frequency")
    assert [b.text for b in visits.blocks] == [
        "A rising count is the first sign that people trust the place.",
        "A hardware store that tracks this number learns which weekday offers bring people "
        "back and which ones only clear old stock.",
    ]
    assert "Meaning" not in parsed.text
    for block in (b for s in parsed.sections for b in s.blocks):
        assert parsed.text[block.start : block.end] == block.text


def test_popup_line_under_a_level_is_named_by_its_definition() -> None:
    # nothing above but the level: the definition's own Title Case name is the term
    page = (
        "Fundamentals\n"
        "Meaning ● Stock Turnover is how often a shop sells through its stock in a year.\n\n"
        "Bakeries turn their stock daily.\n"
    )
    parsed = parse("page", "page.txt", None, "txt", "0", clean(page))
    assert [(g.term, g.section, g.level) for g in parsed.glossary] == [
        ("Stock Turnover", "Fundamentals", "Fundamentals")
    ]
    assert parsed.text == "Fundamentals\nBakeries turn their stock daily.\n"
