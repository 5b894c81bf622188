"""The concept catalog (issue 3): what `kb concepts` lists on the real documents, and growth.

The real catalog comes from the session KB (bundled MiniLM, built once); a document added by
a test goes through the Python API with the fake embedder. Every expected title and field was
copied by hand from the documents in data/docs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ingest.captions import read_captions
from kb.catalog import (
    MEANING_FLOOR,
    Match,
    closest,
    exact_match,
    filter_concepts,
    framework_table,
    lookup,
)
from kb.embed import read_questions
from kb.store import open_kb
from ui.build import ingest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "data" / "docs"
KINDS = {"framework", "principle", "practice", "risk", "case", "term"}
CONTRACT_KEYS = {"title", "kind", "level", "doc", "section", "definition", "references", "sources"}
GROUP = "Strategic Frameworks for Advanced SMB Automation Alignment"
FRAMEWORKS = {
    "Balanced Scorecard (BSC)": (
        "Holistic strategic performance management",
        "Kaplan, R. S., & Norton, D. P. (1996). The Balanced Scorecard",
    ),
    "Objectives and Key Results (OKRs)": (
        "Ambitious goal setting and measurable results",
        "Doerr, J. (2018). Measure What Matters",
    ),
    "Lean Management Principles": (
        "Waste reduction and process optimization",
        "Womack, J. P., & Jones, D. T. (2003). Lean Thinking",
    ),
    "Agile Methodology": (
        "Iterative development and flexibility",
        "Schwaber, K., & Sutherland, J. (2017). The Scrum Guide",
    ),
}
FIELDS = {"Core Focus", "Key Benefits for Automation Alignment", "SMB Applicability"}


def by_title(concepts: list[dict]) -> dict[str, dict]:
    return {c["title"]: c for c in concepts}


# --------------------------------------------------------------------------- the contract shape


def test_concepts_json_has_the_contract_shape(real_concepts) -> None:
    assert isinstance(real_concepts, list)
    for c in real_concepts:
        assert set(c) >= CONTRACT_KEYS, c.get("title")
        assert c["kind"] in KINDS
        assert isinstance(c["references"], list)
        assert c["sources"] and all(set(s) == {"doc", "section", "level"} for s in c["sources"])


def test_well_over_a_hundred_concepts_from_all_three_documents(real_concepts) -> None:
    assert len(real_concepts) > 150
    docs = {p.stem for p in DOCS.glob("*.txt")}
    assert {c["doc"] for c in real_concepts} == docs
    for doc in docs:
        named = [c for c in real_concepts if c["doc"] == doc and c["kind"] != "term"]
        assert len(named) > 30, doc


def test_titles_are_unique_names_not_noise(real_concepts) -> None:
    titles = [c["title"] for c in real_concepts]
    lowered = [t.lower() for t in titles]
    assert len(set(lowered)) == len(lowered), [t for t in titles if lowered.count(t.lower()) > 1]
    images = sorted(read_captions())  # data/docs' image descriptions
    for title in titles:
        assert not title.rstrip().endswith((".", ",", ";", ":")), title
        assert "Meaning" not in title and "●" not in title and "Skip to" not in title
        assert len(title.split()) <= 14, title
        assert not any(p.startswith(title) or title.startswith(p[:30]) for p in images), title


def test_every_source_names_a_real_section(real_concepts, real_store) -> None:
    headings = {(d.doc, s.heading) for d in real_store.documents for s in d.sections}
    for c in real_concepts:
        assert (c["doc"], c["section"]) in headings, c["title"]
        for s in c["sources"]:
            assert (s["doc"], s["section"]) in headings, (c["title"], s)


# --------------------------------------------------------------------------- what they teach


def test_the_comparison_table_frameworks_with_fields_and_references(real_concepts) -> None:
    concepts = by_title(real_concepts)
    for title, (core_focus, reference) in FRAMEWORKS.items():
        c = concepts[title]
        assert c["kind"] == "framework", title
        assert c["level"] == "Advanced"
        assert set(c["fields"]) == FIELDS
        assert c["fields"]["Core Focus"] == core_focus
        assert any(r.startswith(reference) for r in c["references"]), c["references"]
        assert title.split()[0] in c["definition"], c["definition"]
    assert concepts["Balanced Scorecard (BSC)"]["fields"]["SMB Applicability"] == (
        "Highly applicable for mature SMBs seeking structured strategic performance management "
        "and multi-dimensional automation alignment."
    )


@pytest.mark.parametrize(
    ("titles", "kind"),
    [
        (
            [
                "Joint Optimization",
                "Human-Centered Design",
                "Task Allocation",
                "Skill Development and Training",
                "Participation and Involvement",
            ],
            "principle",
        ),
        (
            [
                "Assessment and Analysis",
                "Design and Planning",
                "Implementation and Deployment",
                "Evaluation and Iteration",
                "Phased Rollout",
                "Strategic Automation Roadmap",
                "Invest in Employee Training and Upskilling",
            ],
            "practice",
        ),
        (
            [
                "Resource Misallocation",
                "Erosion of Competitive Advantage",
                "Operational Silos and Fragmentation",
                "Diminished Return on Investment (ROI)",
                "Resource Constraints",
                "Skill Gaps and Talent Acquisition",
            ],
            "risk",
        ),
        (
            [
                "Market Alignment",
                "Operational Alignment",
                "Organizational Alignment",
                "Financial Alignment",
            ],
            "principle",
        ),
        (
            [
                "Cultivating a Culture of Constructive Dissent",
                "Balancing Standardization with Customization",
                "Embracing Experimentation and Iteration",
            ],
            "practice",
        ),
        (
            [
                "The Danger of Echo Chambers",
                "Strategic Agility Erosion — Rigidity in Dynamic Markets",
                "Strategic Resilience Erosion — Vulnerability in Turbulent Environments",
            ],
            "risk",
        ),
        (["Case Study — The Local Coffee Shop Versus the Chain"], "case"),
        (["SMB growth", "Cognitive lock-in", "Strategic flexibility"], "term"),
    ],
    ids=[
        "design-principles",
        "implementation-steps",
        "business-risks",
        "alignment-dimensions",
        "over-alignment-remedies",
        "over-alignment-risks",
        "case",
        "glossary-terms",
    ],
)
def test_the_documents_concepts_are_listed_with_their_kind(
    real_concepts, titles: list[str], kind: str
) -> None:
    concepts = by_title(real_concepts)
    for title in titles:
        assert title in concepts, title
        assert concepts[title]["kind"] == kind, (title, concepts[title]["kind"])
        assert concepts[title]["definition"], title


def test_definitions_come_from_the_concepts_own_text(real_concepts) -> None:
    concepts = by_title(real_concepts)
    assert concepts["Joint Optimization"]["definition"].startswith("This is a core principle.")
    assert concepts["Resource Misallocation"]["definition"].startswith(
        "Investing in automation that doesn’t support strategic priorities leads to a "
        "misallocation of scarce resources"
    )
    assert concepts["SMB growth"]["definition"] == (
        "SMB Growth is the strategic expansion of small to medium businesses focusing on "
        "sustainable value, ethical practices, and advanced automation for long-term success."
    )


def test_frameworks_are_children_of_their_group(real_store) -> None:
    group = exact_match(real_store, GROUP)
    assert group.title == GROUP
    children = [real_store.concept(i) for i in group.children]
    assert [c.title for c in children] == list(FRAMEWORKS)
    assert all(c.parent == group.id for c in children)


@pytest.mark.parametrize(
    ("parent", "children"),
    [
        (
            "Step-By-Step Implementation Framework",
            [
                "Assessment and Analysis",
                "Design and Planning",
                "Implementation and Deployment",
                "Evaluation and Iteration",
            ],
        ),
        (
            "Assessment and Analysis",
            [
                "Process Mapping",
                "Stakeholder Analysis",
                "Technology Audit",
                "Performance Measurement",
            ],
        ),
        (
            "The Business Risks of Misaligned Automation",
            [
                "Resource Misallocation",
                "Erosion of Competitive Advantage",
                "Operational Silos and Fragmentation",
                "Diminished Return on Investment (ROI)",
            ],
        ),
        (
            "The Multi-Dimensionality of Strategic Alignment in Advanced SMBs",
            [
                "Market Alignment",
                "Operational Alignment",
                "Organizational Alignment",
                "Financial Alignment",
            ],
        ),
    ],
)
def test_steps_and_dimensions_are_children(real_store, parent: str, children: list[str]) -> None:
    concept = next(c for c in real_store.concepts if c.title == parent)
    assert [real_store.concept(i).title for i in concept.children] == children


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("balanced scorecard", "Balanced Scorecard (BSC)"),
        ("BSC", "Balanced Scorecard (BSC)"),
        ("okr", "Objectives and Key Results (OKRs)"),
        ("OKRs", "Objectives and Key Results (OKRs)"),
        ("joint optimisation", "Joint Optimization"),
        ("lean management", "Lean Management Principles"),
    ],
)
def test_lookup_finds_a_concept_by_name_or_abbreviation_first(
    real_store, name: str, title: str
) -> None:
    assert lookup(real_store, name)[0].concept.title == title


def test_framework_table_is_a_dataframe_of_the_frameworks(real_store) -> None:
    table = framework_table(real_store)
    assert isinstance(table, pd.DataFrame)
    assert set(table.columns) >= FIELDS | {"Framework", "References"}
    assert list(table["Framework"]) == list(FRAMEWORKS)
    rows = table.set_index("Framework")
    for title, (core_focus, reference) in FRAMEWORKS.items():
        assert rows.loc[title, "Core Focus"] == core_focus
        assert reference in rows.loc[title, "References"]


# ------------------------------------------------------------------ search by name or purpose


@pytest.fixture(scope="module")
def read(real_store):
    """A text's vector as the session KB's recommender reads a question (its own embedder)."""
    from recommender import Recommender

    embedder = Recommender(real_store).embedder
    return lambda text: read_questions(embedder, [text])[0]


def titles_of(matches: list[Match]) -> list[str]:
    return [m.concept.title for m in matches]


def test_an_abbreviation_finds_its_own_concept_first(real_store, read) -> None:
    found = lookup(real_store, "ROI", read)
    assert all(isinstance(m, Match) for m in found)
    titles = titles_of(found)
    assert titles[0] == "Return on Investment (ROI)"
    assert found[0].exact and found[0].how == "abbreviation"
    assert titles[1] == "Diminished Return on Investment (ROI)"  # the longer title after
    # a concept that only mentions ROI in its text, or means something like it, comes later
    assert found[2:] and not any(m.exact for m in found[2:])
    if "Strategic Automation Roadmap" in titles:
        assert titles.index("Strategic Automation Roadmap") > 1


def test_names_come_before_meaning(real_store, read) -> None:
    found = lookup(real_store, "lean", read)
    hows = [m.how for m in found]
    assert {"Lean Management Principles"} <= set(titles_of(found))
    named = [h for h in hows if h != "meaning"]
    assert hows[: len(named)] == named  # every name match before the first meaning one
    meaning = [m.similarity for m in found if m.how == "meaning"]
    assert meaning == sorted(meaning, reverse=True)
    assert all(s >= MEANING_FLOOR for s in meaning)


@pytest.mark.parametrize(
    ("purpose", "wanted"),
    [
        ("something to measure automation payoff", "Return on Investment"),
        ("a method for setting ambitious goals and tracking them", "Objectives and Key Results"),
    ],
)
def test_a_purpose_finds_a_concept_by_meaning(real_store, read, purpose, wanted) -> None:
    found = lookup(real_store, purpose, read)
    top = found[:5]
    assert any(wanted in m.concept.title for m in top), titles_of(top)
    hit = next(m for m in top if wanted in m.concept.title)
    assert hit.how == "meaning" and hit.similarity >= MEANING_FLOOR


def test_a_name_the_documents_never_use_finds_nothing_but_offers_the_closest(
    real_store, read
) -> None:
    assert not any("swot" in c.title.lower() for c in real_store.concepts)
    assert lookup(real_store, "swot", read) == []
    near = closest(real_store, "swot", read, n=3)
    assert len(near) == 3
    assert len({m.concept.id for m in near}) == 3
    assert [m.similarity for m in near] == sorted((m.similarity for m in near), reverse=True)


def test_names_need_no_model(real_store) -> None:
    """`kb show` with an exact name, and a look-up without a vector, never read the text."""
    assert exact_match(real_store, "OKRs").title == "Objectives and Key Results (OKRs)"
    found = lookup(real_store, "OKR", None)
    assert titles_of(found)[0] == "Objectives and Key Results (OKRs)"
    assert all(m.how != "meaning" and m.similarity is None for m in found)


def test_a_search_stays_within_the_filters(real_store, read) -> None:
    frameworks = [c.id for c in filter_concepts(real_store, kind="framework")]
    found = lookup(real_store, "something to measure automation payoff", read, among=frameworks)
    assert found and {m.concept.kind for m in found} == {"framework"}


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("balanced scorecard", "Balanced Scorecard (BSC)"),
        ("BALANCED SCORECARD (BSC)", "Balanced Scorecard (BSC)"),
        ("bsc", "Balanced Scorecard (BSC)"),
        ("okr", "Objectives and Key Results (OKRs)"),
        ("joint optimization", "Joint Optimization"),
    ],
)
def test_an_exact_name_is_its_title_abbreviation_or_id(real_store, name, title) -> None:
    concept = exact_match(real_store, name)
    assert concept is not None and concept.title == title
    assert exact_match(real_store, concept.id.upper()) == concept


@pytest.mark.parametrize("name", ["balanced", "joint optimisation", "swot analysis", "  "])
def test_a_part_or_another_spelling_is_not_an_exact_name(real_store, name) -> None:
    assert exact_match(real_store, name) is None


# --------------------------------------------------------------------------- a new document

FLYWHEEL = Path(__file__).parents[1] / "data" / "growth-loops.md"  # names no seed framework


@pytest.fixture
def grown_kb(docs_copy, tmp_path, fake_embedder):
    assert "Flywheel" not in "".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.txt"))
    kb_dir = tmp_path / "kb"
    ingest([docs_copy], kb_dir, embedder=fake_embedder)
    assert not [c for c in open_kb(kb_dir).concepts if "Flywheel" in c.title]
    shutil.copy(FLYWHEEL, docs_copy / "growth-loops.md")
    report = ingest([docs_copy], kb_dir, embedder=fake_embedder)
    assert report.added == [str(docs_copy / "growth-loops.md")]
    return open_kb(kb_dir)


def test_a_new_documents_framework_joins_the_catalog(grown_kb) -> None:
    frameworks = {c.title: c for c in filter_concepts(grown_kb, kind="framework")}
    canvas = frameworks["The Flywheel Canvas"]
    assert canvas.doc == "growth-loops"
    assert canvas.level == "Intermediate"
    assert canvas.definition.startswith(
        "The Flywheel Canvas is a planning framework that maps how each satisfied customer "
        "brings in the next one."
    )
    assert lookup(grown_kb, "flywheel canvas")[0].concept.id == canvas.id
    assert exact_match(grown_kb, "flywheel canvas") == canvas  # "The" is no part of a name
    children = [grown_kb.concept(i).title for i in canvas.children]
    assert children == ["Customer Delight", "Referral Momentum"]


def test_the_parts_of_a_new_framework_are_not_frameworks_themselves(grown_kb) -> None:
    for title in ("Customer Delight", "Referral Momentum"):
        concept = exact_match(grown_kb, title)
        assert concept.kind != "framework", (title, concept.kind)


def test_a_new_documents_concepts_all_have_definitions(grown_kb) -> None:
    mine = [c for c in grown_kb.concepts if c.doc == "growth-loops"]
    assert mine
    assert [c.title for c in mine if not c.definition.strip()] == []
