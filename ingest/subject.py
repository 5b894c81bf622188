"""A document's subject: the idea a page is about, named as the page names it.

A page saved under the name of what it explains ("culture-of-innovation.txt",
"value-based-pricing-models.html") writes that name in its text. The subject is the longest
run of the file name's words that the opening paragraphs write in a row (compared by stem,
so "indicators" finds "Indicator"), when it holds more than half of the name's words: a page
named after a question ("how-can-smbs-overcome-resistance") has no subject, only a topic.
Its definition is the page's own: the first sentence that says what the subject is ("X, in
its simplest form, is...", "At its core, X means..."), or else the first sentence that
announces a definition ("at its core", "in essence").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.model import GlossaryEntry, Section
from kb.text import SENTENCE_END, stem

OPENING_PARAGRAPHS = 4  # a page defines its subject at once, or not at all
TOKEN = re.compile(r"[^\W_]+")  # words; a hyphen or apostrophe splits them
NAME_FILLER = {"smb", "smbs", "for", "the", "a", "an"}  # words a page's name adds to its subject
# Before the subject: nothing, or an opening phrase and a comma ("At its core, X is"), maybe
# with "the concept of" or an article; "the reality of X is" or "what X means" do not define X.
SUBJECT_POSITION = re.compile(
    r"^(?:.*[,—:]\s*)?(?:(?:the\s+)?(?:concept|term|notion|idea)\s+of\s+)?(?:an?\s+|the\s+)?$",
    re.I | re.S,
)
# After it, the verb of a definition ("X is", "X, at its core, means", "X for SMBs refers
# to"), not a judgement of X ("X is crucial", "X is becoming").
DEFINES = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:\s(?:for|within|in|among)\s[^.,]{0,80}?)?(?:,[^.]{0,100}?,\s*)?"
    r"(?:is|are|means|refers to|represents|signifies|describes|encompasses|can be defined as"
    r"|stands for)\b(?!\s+(?:becoming|increasingly|crucial|essential|important|vital|key"
    r"|paramount|imperative|often|not|no longer|more|less|far|also|critical|likely|rapidly)\b)",
    re.I,
)
# Phrases that announce a definition when the sentence names its subject by a pronoun.
ANNOUNCES = re.compile(
    r"\b(?:at its (?:core|heart|most basic|simplest)|in (?:essence|(?:the )?simplest terms"
    r"|simple terms|its simplest form)|simply put|put simply|is defined as)\b",
    re.I,
)


@dataclass(frozen=True)
class Subject:
    title: str  # as the page writes it, first letter capitalised
    definition: str  # the page's own defining sentence
    section: str  # the heading of the section it stands in


def find_subject(
    path: str, sections: list[Section], glossary: list[GlossaryEntry] = ()
) -> Subject | None:
    """The subject a page is named after and defines, or None. A pop-up of the page that
    defines its very name (a page that opens with one) is that definition."""
    name = [w for w in TOKEN.findall(Path(path).stem.lower()) if w]
    name = [w for w in name if not re.fullmatch(r"\d+", w)]  # "page-2" is "page"
    meaningful = sorted(stem(w) for w in name if w not in NAME_FILLER)
    for entry in glossary:
        words = TOKEN.findall(entry.term.lower())
        if meaningful and sorted(stem(w) for w in words if w not in NAME_FILLER) == meaningful:
            return Subject(capitalised(entry.term), entry.definition, entry.section)
    paragraphs = [
        (section.heading, block.text)
        for section in sections
        for block in section.blocks
        if block.kind == "paragraph"
    ][:OPENING_PARAGRAPHS]
    if len(name) < 1 or not paragraphs:
        return None
    title = _longest_run(name, [text for _, text in paragraphs])
    if title is None:
        return None
    for heading, text in paragraphs:
        for sentence in SENTENCE_END.split(text):
            at = sentence.lower().find(title.lower())
            if (
                at >= 0
                and SUBJECT_POSITION.match(sentence[:at])
                and DEFINES.match(sentence[at + len(title) :])
            ):
                return Subject(capitalised(title), sentence.strip(), heading)
    for heading, text in paragraphs:
        for sentence in SENTENCE_END.split(text):
            if ANNOUNCES.search(sentence):
                return Subject(capitalised(title), sentence.strip(), heading)
    return None


def _longest_run(name: list[str], texts: list[str]) -> str | None:
    """The longest run of the name's words written in a row in the texts, as written there.

    It must hold more than half the name's words that carry meaning (not "smb", "for")."""
    wanted = [stem(w) for w in name]
    meaningful = sum(1 for w in name if w not in NAME_FILLER)
    best: str | None = None
    best_rank = (0, 0)
    for text in texts:
        tokens = list(TOKEN.finditer(text))
        stems = [stem(t.group().lower()) for t in tokens]
        for i in range(len(tokens)):
            for j in range(len(wanted)):
                n = 0
                while i + n < len(tokens) and j + n < len(wanted) and stems[i + n] == wanted[j + n]:
                    n += 1
                core = sum(1 for w in name[j : j + n] if w not in NAME_FILLER)
                if not core or core * 2 <= meaningful:
                    continue
                found = text[tokens[i].start() : tokens[i + n - 1].end()]
                rank = (n, sum(ch.isupper() for ch in found))  # the name, as a name is written
                if rank > best_rank:
                    best, best_rank = found, rank
    return best


def capitalised(title: str) -> str:
    """A title as a concept's: first letter upper case, the rest as written (glossary terms
    and subjects alike, so that the two spellings of one name merge)."""
    return title[0].upper() + title[1:]
