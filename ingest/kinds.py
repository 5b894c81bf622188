"""Kinds: whether a concept is a framework, practice, risk, principle or case, from evidence.

The evidence, strongest first:
- its definition says what it is ("X is a framework for...");
- a cue word in its own title ("... Pitfalls", "Case Study ..."), its table column, the
  heading it stands under or the lead-in sentence that announces its list ("follow these
  steps:", "the main barriers are:");
- a title that opens with a verb's -ing form names something one does: a practice;
- failing all of these, a principle.
Kinds by meaning were tried and measured, and are not used: prototypes of each kind (the
mean of the concepts a cue decided, with a sentence describing the kind) over MiniLM title
vectors chose the right kind for 47% of the cue-decided concepts of data/docs, left out one
at a time: no better than always answering "practice" (47%).
"""

from __future__ import annotations

import re

from kb.model import Block, Section
from kb.text import SENTENCE_END

# Kind cues: words in a concept's title, its heading or its table column. Order matters:
# the first kind whose cue appears wins, title before context.
KIND_CUES = [
    ("case", r"\b(case stud(y|ies)|examples?|scenarios?|stories|story)\b"),
    ("framework", r"\b(frameworks?|scorecard|methodology|methodologies|models?|matrix|canvas)\b"),
    (
        "risk",
        r"\b(risks?|pitfalls?|dangers?|threats?|traps?|erosion|challenges?|barriers?|"
        r"patholog(y|ies)|misallocation|silos?|diminished|lock-in|obstacles?|mistakes?|"
        r"fears?|anxiet(y|ies)|constraints?|lack|limited|dependenc(y|ies)|resistance|"
        r"mistrust|distrust|vulnerabilit(y|ies)|fragility|shortages?|overload|failures?|"
        r"misconceptions?|myths?)\b",
    ),
    (
        "practice",
        r"\b(steps?|strateg(y|ies)|practices?|techniques?|tools?|roadmap|how to|"
        r"implementation|implementing|remed(y|ies)|tips?|approach(es)?)\b",
    ),
    (
        "principle",
        r"\b(principles?|dimensions?|pillars?|elements?|components?|foundations?|benefits?|"
        r"advantages?)\b",
    ),
]
DEFINES_FRAMEWORK = re.compile(
    r"\b(is|provides|offers)\s+an?\s+(?:[\w-]+\s+){0,3}(framework|methodology|model)\b", re.I
)
# A heading naming frameworks (plural) lists frameworks; one naming a single framework
# lists its steps or parts.
PLURAL_FRAMEWORKS = re.compile(
    r"\b(frameworks|methodologies|models|scorecards|matrices|canvases)\b", re.I
)
ONE_FRAMEWORK = re.compile(r"\b(framework|methodology|model|scorecard|matrix|canvas)\b", re.I)
LEAD_IN_CHARS = 300  # a lead-in is one sentence ending in ":"; a longer one is cut

# Words in -ing that name a thing or a field, not something one does.
GERUND_NOUNS = {
    "building",
    "pricing",
    "marketing",
    "engineering",
    "offering",
    "funding",
    "training",
    "planning",
    "learning",
    "understanding",
    "meaning",
    "setting",
}
UNDECIDED = "principle"  # the kind of a concept no evidence has spoken for: an idea


def kind_of(
    title: str, context: str, definition: str, column: str = "", lead_in: str = ""
) -> tuple[str, str]:
    """The kind a concept's evidence suggests, and which evidence ("" when none did)."""
    if DEFINES_FRAMEWORK.search(definition[:200]):
        return "framework", "definition"
    if re.search(KIND_CUES[1][1], column, re.I):
        return "framework", "column"
    announced = f"{context} {lead_in}"
    if PLURAL_FRAMEWORKS.search(announced) and not re.search(KIND_CUES[1][1], title, re.I):
        return "framework", "heading"
    if ONE_FRAMEWORK.search(context) and not re.search(KIND_CUES[1][1], title, re.I):
        context = "steps"  # the parts of one framework are what one does with it
    for text, evidence in ((title, "title"), (column, "column"), (context, "heading")):
        for kind, pattern in KIND_CUES:
            if re.search(pattern, text, re.I):
                return kind, evidence
    for kind, pattern in KIND_CUES[1:]:  # "for example:" announces examples of the items' kind
        if re.search(pattern, lead_in, re.I):
            return kind, "lead-in"
    first = title.split()[0].lower() if title.split() else ""
    if first.endswith("ing") and len(first) > 5 and first not in GERUND_NOUNS:
        return "practice", "verb"  # "Cultivating...", "Balancing...": something one does
    return UNDECIDED, ""


def lead_in(section: Section, index: int) -> str:
    """The sentence ending in ":" just before the list that block `index` is in."""
    return SENTENCE_END.split(introduction(section, index))[-1][-LEAD_IN_CHARS:]


def introduction(section: Section, index: int) -> str:
    """The paragraph that announces the list block `index` is in (ending in ":"), or ""."""
    i = index
    while i > 0 and section.blocks[i - 1].kind == "item":
        i -= 1
    before: Block | None = section.blocks[i - 1] if i > 0 else None
    if before and before.kind == "paragraph" and before.text.rstrip().endswith(":"):
        return before.text.strip()
    return ""
