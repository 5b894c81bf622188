"""Cleaning: strip the site's noise from canonical lines, keeping what it carries.

Two kinds of noise come with pages scraped from the business-advice site (a third, image
descriptions between paragraphs, is recognised by meaning in `ingest.captions`):
- page chrome (`Skip to main content`);
- inline glossary pop-ups, `... SMB growth Meaning ● SMB Growth is the ... success. and ...`,
  whose definition runs to the end of its sentence (or of its line, when no sentence end
  follows). The running text keeps the term and loses the pop-up; the pop-up becomes a
  glossary entry. A pop-up that starts its own line defines the line above it (a heading
  or a list item's title), which stays as written.
`●` is also used as a dash ("Case Study ● The Local Coffee Shop"); it becomes an em dash.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kb.model import level_named
from kb.text import CONTROL

CHROME_LINES = {"skip to main content", "skip to content", "skip to navigation", "back to top"}

# "Meaning ●" or "Meaning →", then the definition up to the first sentence end. A sentence
# ends at . ! or ? followed by white space or the end of the line. Abbreviations inside a
# definition ("e.g.") are skipped whole so they do not end it, unless no other sentence end
# follows (then the last abbreviation's full stop ends it); with no stop at all the
# definition runs to the end of its line. `lift_popups` finds the ends with
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
# How much of a definition's opening may name its term ("Within the context of SMB growth,
# a Culture of Experimentation signifies..."): a term named later is not evidence.
OPENING_WORDS = 16
# Words a definition opens with before it names its term ("The Customer Journey...",
# "SMB Growth is..."): set aside when comparing the opening with the words before a pop-up.
OPENING_FILLER = re.compile(r"^(?:(?:a|an|the|smb|smbs|smb's|smb’s)\s+)+", re.I)
# A definition that names its term in Title Case and then defines it: "SMB Cash Flow
# represents...", "Customer Experience Metrics, in the context of...", "Predictive Cash Flow
# Forecasting in the SMB context involves...". One capitalised word is a name only before a
# word ("Growth is...", "Automation for SMBs:") or as an acronym ("CRM, or..."): "Ongoing,
# incremental..." opens a plain sentence.
_NAME_WORD = r"[A-Z][\w’'&/-]*"
NAMED = re.compile(
    rf"^(?:The\s+)?(?P<name>{_NAME_WORD}(?:\s+(?:(?:of|and|in|on|for|to|&)\s+(?!SMBs?\b))?{_NAME_WORD})*"
    r"(?:\s+\([A-Z][\w&/-]*\))?)(?P<next>\s*[,:(]|\s+(?:in|within|for)\s|\s+(?:is|are|refers"
    r"|represents|means|signifies|denotes|describes|encompasses|involves)\b)"
)
DEFINING_VERB = re.compile(r"\s+[a-z]")
ITEM_MARK = re.compile(r"^\s*(?:#{1,6}|•|[-*]|\d{1,3}[.)])\s+")


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
    out: list[CleanLine] = []
    # the last kept line with text: what a pop-up starting the next line defines
    above: CleanLine | None = None
    first: list[tuple[str, str]] = []  # a page's opening pop-up, with no line above it
    for raw in text.splitlines():
        line = CONTROL.sub("", raw).rstrip()
        if line.strip().lower() in CHROME_LINES:
            continue
        line, terms = lift_popups(line, above.text if above else "")
        kept = CleanLine(normalise_dashes(line), terms)
        if not kept.text.strip() and terms:
            # a line that was all pop-up leaves a blank, which keeps no terms: they go with
            # the line that names the term, or (at the top of a page) the first line of text
            (above.terms if above is not None else first).extend(terms)
            kept.terms = []
        elif kept.text.strip() and first:
            kept.terms[:0], first = first, []
        out.append(kept)
        if kept.text.strip():
            above = kept
    return out


def lift_popups(line: str, above: str = "") -> tuple[str, list[tuple[str, str]]]:
    """Remove every `Meaning ●` pop-up from a line; return the line and (term, definition)s.

    One pass over the line: its sentence ends and abbreviations are found once, and each
    pop-up ends at the first sentence end after it, or at the line's end (see
    `_SentenceEnds`). A pop-up that starts the line defines `above`, the line before it
    (see `line_initial_term`); when nothing names its term, it stays as written rather than
    being lost (what it defines is unknown).
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
        start, (definition_start, end) = _space_before(line, head.start(), done), found
        definition = normalise_dashes(line[definition_start:end].strip())
        initial = done == 0 and not line[:start].strip()  # only the first pop-up: linear
        if initial:
            term = line_initial_term(above, definition)
            if not term:  # nothing names it: the pop-up stays as the author wrote it
                kept.append(line[done:end])
                done = end
                continue
        else:
            term = popup_term(tail_words(line, start, MAX_TERM_WORDS + 1), definition)
        if term and definition:
            terms.append((term, definition))
        kept.append(line[done:start])
        done = end
        if initial:  # what follows a line-initial pop-up starts afresh
            while done < len(line) and SPACE.match(line, done):
                done += 1
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

    def definition(self, after_head: int) -> tuple[int, int]:
        """Where the definition after a pop-up's head starts and ends (past its full stop);
        with no sentence end after it, the end of the line (the site leaves some pop-ups
        unterminated, and their "Meaning ●" must not stay in the text)."""
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
        return start, len(line)


def _space_before(line: str, start: int, floor: int) -> int:
    """The start of the white space just before `start`, not before `floor`."""
    while start > floor and SPACE.match(line, start - 1):
        start -= 1
    return start


def popup_term(before: str, definition: str) -> str:
    """The words a pop-up defines: the noun phrase just before it.

    When the definition opens by naming the last few words before it ("Return on Investment
    (ROI) gauges..."), those words are the term. Otherwise walk back over words until
    punctuation or a function word, at most MAX_TERM_WORDS; but when the definition's
    opening names a longer phrase ending there, one the walk stopped inside at "of", "and"
    or "in" ("culture of experimentation"), that phrase is the author's term.
    """
    preceding = [w.strip("“”\"'()") for w in last_words(before, MAX_TERM_WORDS + 1)]
    lowered = definition.lower()
    heads = (lowered, re.sub(r"^smb\s+", "", lowered), OPENING_FILLER.sub("", lowered))
    for i in range(len(preceding)):
        tail = " ".join(preceding[i:])
        if tail and any(h.startswith(tail.lower()) for h in heads):
            return strip_leading_stop_words(tail)
    words: list[str] = []
    for bare in reversed(preceding):
        if not bare or bare[-1] in ",;:.!?—●" or bare.lower() in STOP_WORDS:
            break
        words.insert(0, bare)
    walked = words[-MAX_TERM_WORDS:]
    if walked:
        named = _named_in_opening(preceding, len(walked), definition)
        if named:
            return named
    return " ".join(walked)


def _named_in_opening(preceding: list[str], walked: int, definition: str) -> str:
    """The longest phrase ending the words before a pop-up, longer than the `walked` words,
    that the definition's opening names (whole words, any case), or "".

    Only phrases that join nouns with "of", "and", "in"... reach past the walk; a phrase
    must start with a content word and hold no punctuation inside.
    """
    opening = " ".join(definition[: 20 * OPENING_WORDS].split()[:OPENING_WORDS]).lower()
    for k in range(len(preceding), walked, -1):
        tail = preceding[-k:]
        if tail[0].lower() in STOP_WORDS or any(w[-1:] in ",;:.!?—●" for w in tail):
            continue
        phrase = r"\s+".join(re.escape(w.lower()) for w in tail)
        if re.search(rf"(?<![\w-]){phrase}(?![\w-])", opening):
            return " ".join(tail)
    return ""


def line_initial_term(above: str, definition: str) -> str:
    """The term of a pop-up that starts its line: what the line above names.

    The site puts such a pop-up under a heading or a list item's title. The term is the
    part of that line the definition names, else the whole line when it is a short title,
    else the Title Case name the definition opens with, else the line's last noun phrase.
    """
    title = ITEM_MARK.sub("", above).strip().rstrip(":?!").strip()
    if level_named(title):
        title = ""  # a level opens a page; it is not what a pop-up defines
    named = NAMED.match(definition)
    opening = OPENING_FILLER.sub("", definition.lower())
    if title:
        words = title.split()
        last = words[-(MAX_TERM_WORDS + 1) :]
        for i in range(len(last)):
            tail = " ".join(last[i:]).strip("“”\"'()")
            whole = len(last) - i == len(words)
            after = opening[len(tail) : len(tail) + 1]
            named_here = opening.startswith(tail.lower()) and not after.isalnum()
            if tail and (whole or len(last) - i > 1) and named_here:
                return strip_leading_stop_words(tail)  # one word of a title is not its name
        sentence = SENTENCE_STOP.search(title) or title[-1] in ".,;"
        if len(words) <= MAX_TERM_WORDS and not sentence:
            return strip_leading_stop_words(title)
    if named and (
        " " in named.group("name")
        or named.group("name").isupper()
        or DEFINING_VERB.match(named.group("next"))
    ):
        return named.group("name")
    return popup_term(title, definition) if title else ""


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


def normalise_dashes(line: str) -> str:
    """`●` used as a dash or colon becomes an em dash with single spaces around it."""
    if "●" not in line:
        return line
    indent = line[: len(line) - len(line.lstrip())]
    body = BULLET_DASH.sub(" — ", line.strip()).strip()
    return indent + body.removesuffix(" —").removeprefix("— ")
