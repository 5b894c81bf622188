"""Cleaning: strip the site's noise from canonical lines, keeping what it carries.

Three kinds of noise come with pages scraped from the business-advice site:
- page chrome (`Skip to main content`);
- image descriptions standing between paragraphs;
- inline glossary pop-ups, `... SMB growth Meaning ● SMB Growth is the ... success. and ...`,
  whose definition runs to the end of its sentence. The running text keeps the term and
  loses the pop-up; the pop-up becomes a glossary entry.
`●` is also used as a dash ("Case Study ● The Local Coffee Shop"); it becomes an em dash.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kb.text import CONTROL

CHROME_LINES = {"skip to main content", "skip to content", "skip to navigation", "back to top"}

# "Meaning ●" or "Meaning →", then the definition up to the first sentence end. A sentence
# ends at . ! or ? followed by white space or the end of the line. Abbreviations inside a
# definition ("e.g.") are skipped whole so they do not end it, unless no other sentence end
# follows (then the last abbreviation's full stop ends it). `lift_popups` finds the ends with
# one scan of the line, in linear time: a regular expression with a lazy `.+?` per pop-up
# re-read the rest of the line at every "Meaning ●" and took minutes on 100 KB of them.
ABBREVIATION = r"\b(?:e\.g|i\.e|vs|cf|approx|incl|esp|Dr|Mr|Mrs|Ms|St)\."
ABBREVIATIONS = re.compile(ABBREVIATION)
POPUP_HEAD = re.compile(r"\bMeaning\s*[●→]")
SENTENCE_STOP = re.compile(r"[.!?](?=\s|$)")
SPACE = re.compile(r"\s")
BULLET_DASH = re.compile(r"(?:(?<!\s)\s+)?●\s*")  # spaces before it from their start only: linear

# Words that stop the backwards walk for a pop-up's term: a term is a short noun phrase,
# and these words begin or join clauses rather than name things.
STOP_WORDS = set(
    """a an the of for to in on at by with from and or but as is are be was were that which
    this these those its it their our your can could should would may might will must
    not into onto over under between among than via such about while when where how what
    why has have had do does did been being so also often even very more most many much""".split()
)
MAX_TERM_WORDS = 5

# An image description names what a picture shows (depiction), how it looks (appearance)
# and what it stands for (symbolism). Body text may use one group ("consider the image of a
# sailboat"), captions use at least two of them, several times.
DEPICTION = set(
    """image images imagery photo photograph picture visual visualization illustration
    illustrating depicts depicted depicting portrayal portrays close-up closeup backdrop
    background composition sculpture scene presentation captured arrangement workspace
    featuring features""".split()
)
APPEARANCE = set(
    """red black white gray grey silver cream beige blue green yellow dark light colorful
    colourful monochrome grayscale greyscale luminous polished metal metallic glass
    geometric abstract spheres cylinders shapes stripe curves planes blocks minimalist
    vibrant desk lamp pen pens papers keys buttons device ceiling lights vehicle
    motherboard workstation""".split()
)
SYMBOLISM = set(
    """symbolize symbolizes symbolizing symbolic symbolise symbolises embodying embodies
    conveys convey evokes signify signifies denotes mirrors representing represent
    represents suggest suggests suggesting hints implies imply""".split()
)
IMAGE_MIN_CUES = 3


@dataclass
class CleanLine:
    """One kept line of text, and the glossary pop-ups that were lifted out of it."""

    text: str
    terms: list[tuple[str, str]] = field(default_factory=list)  # (term, definition)


def clean(text: str) -> list[CleanLine]:
    """Clean canonical lines; blank lines are kept as "" so paragraph breaks survive.

    Args:
        text: canonical lines (see `ingest.load`).

    Returns:
        The kept lines, each with the pop-up terms found in it.
    """
    out = []
    for raw in text.splitlines():
        line = CONTROL.sub("", raw).rstrip()
        if line.strip().lower() in CHROME_LINES:
            continue
        line, terms = lift_popups(line)
        if is_image_description(line):
            continue
        out.append(CleanLine(normalise_dashes(line), terms))
    return out


def lift_popups(line: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove every `Meaning ●` pop-up from a line; return the line and (term, definition)s.

    One pass over the line: its sentence ends and abbreviations are found once, and each
    pop-up ends at the first sentence end after it (see `_SentenceEnds`).
    """
    if "Meaning" not in line:
        return line, []
    terms = []
    kept: list[str] = []
    done = 0  # the end of the last pop-up removed
    ends = _SentenceEnds(line)
    for head in POPUP_HEAD.finditer(line):
        if head.start() < done:
            continue  # inside the definition of the pop-up before
        found = ends.definition(head.end())
        if found is None:
            continue
        start, (definition_start, end) = _space_before(line, head.start(), done), found
        definition = normalise_dashes(line[definition_start:end].strip())
        term = popup_term(tail_words(line, start, MAX_TERM_WORDS + 1), definition)
        if term:
            terms.append((term, definition))
        kept.append(line[done:start])
        done = end
    kept.append(line[done:])
    return "".join(kept), terms


class _SentenceEnds:
    """Where sentences of one line end, found once, for every pop-up of the line.

    A sentence end is `.`, `!` or `?` before white space or the end of the line, unless it is
    an abbreviation's own full stop. When no such end follows a definition, the last
    abbreviation whose full stop ends a sentence ends it. (This is what the earlier regular
    expression with a lazy `(?:abbreviation|.)+?` found by backtracking.)
    """

    def __init__(self, line: str) -> None:
        self.line = line
        covered: set[int] = set()
        for abbreviation in ABBREVIATIONS.finditer(line):
            covered.update(range(*abbreviation.span()))
        stops = [m.start() for m in SENTENCE_STOP.finditer(line)]
        self.plain = [i for i in stops if i not in covered]
        self.last_abbreviation = max((i for i in stops if i in covered), default=-1)

    def definition(self, after_head: int) -> tuple[int, int] | None:
        """Where the definition after a pop-up's head starts and ends (past its full stop),
        or None when no sentence end follows it."""
        line, start = self.line, after_head
        while start < len(line) and SPACE.match(line, start):
            start += 1
        i = bisect.bisect_left(self.plain, start + 1)  # at least one character, then the stop
        if i < len(self.plain):
            return start, self.plain[i] + 1
        if self.last_abbreviation > start:
            return start, self.last_abbreviation + 1
        if start > after_head and start < len(line) and SENTENCE_STOP.match(line, start):
            return start, start + 1  # white space, then a lone stop
        return None


def _space_before(line: str, start: int, floor: int) -> int:
    """The start of the white space just before `start`, not before `floor`."""
    while start > floor and SPACE.match(line, start - 1):
        start -= 1
    return start


def popup_term(before: str, definition: str) -> str:
    """The words a pop-up defines: the noun phrase just before it.

    When the definition opens by naming the last few words before it ("Return on Investment
    (ROI) gauges..."), those words are the term. Otherwise walk back over words until
    punctuation or a function word, at most MAX_TERM_WORDS.
    """
    preceding = [w.strip("“”\"'()") for w in last_words(before, MAX_TERM_WORDS + 1)]
    heads = (definition.lower(), re.sub(r"^smb\s+", "", definition.lower()))
    for i in range(len(preceding)):
        tail = " ".join(preceding[i:])
        if tail and any(h.startswith(tail.lower()) for h in heads):
            return strip_leading_stop_words(tail)
    words: list[str] = []
    for bare in reversed(preceding):
        if not bare or bare[-1] in ",;:.!?—●" or bare.lower() in STOP_WORDS:
            break
        words.insert(0, bare)
    return " ".join(words[-MAX_TERM_WORDS:])


def tail_words(text: str, end: int, n: int) -> str:
    """The end of `text[:end]` that holds its last `n` words whole, without copying the rest
    (a line may hold thousands of pop-ups, and copying it for each one is quadratic)."""
    window = 64 * n
    while True:
        start = max(0, end - window)
        tail = text[start:end]
        if start == 0 or len(tail.split(maxsplit=n)) > n:
            return tail
        window *= 4


def last_words(text: str, n: int) -> list[str]:
    """`text.split()[-n:]`, reading only the end of the text."""
    return tail_words(text, len(text), n).split()[-n:]


def strip_leading_stop_words(phrase: str) -> str:
    words = phrase.split()
    while len(words) > 1 and words[0].lower() in STOP_WORDS:
        words.pop(0)
    return " ".join(words)


def is_image_description(line: str) -> bool:
    """True for a paragraph that describes a picture rather than making a point."""
    words = re.findall(r"[a-z][a-z-]*", line.lower())
    if len(words) < 12:
        return False
    groups = [sum(w in cues for w in words) for cues in (DEPICTION, APPEARANCE, SYMBOLISM)]
    return sum(groups) >= IMAGE_MIN_CUES and sum(1 for g in groups if g) >= 2


def normalise_dashes(line: str) -> str:
    """`●` used as a dash or colon becomes an em dash with single spaces around it."""
    if "●" not in line:
        return line
    indent = line[: len(line) - len(line.lstrip())]
    body = BULLET_DASH.sub(" — ", line.strip()).strip()
    return indent + body.removesuffix(" —").removeprefix("— ")
