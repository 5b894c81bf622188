"""List-item titles: "Joint Optimization This is a core principle..." split into title and body.

The site writes an item's title and its first sentence with nothing between them; the title
is the run of capitalised words before the first lower-case content word, with acronyms and
sentence openers ("Many", "This") deciding on which side of the cut they stand.
"""

from __future__ import annotations

from ingest.clean import STOP_WORDS

MAX_TITLE_WORDS = 12
MAX_DASH_HEAD_WORDS = 10
# Words that open a sentence after a title ("Legacy Systems ... Complexity Many SMBs rely").
SENTENCE_OPENERS = set(
    """a an the this these that those it its many most some all few several each every such
    our your their his her we you they one""".split()
)
# Words after which an acronym is the object of a verb, not the subject of a sentence.
OBJECT_FOLLOWERS = set("to with for in of and or on by from into at as".split())


def split_item_title(text: str) -> tuple[str | None, str]:
    """Split "Joint Optimization This is a core principle..." into title and body.

    A dash after a short leading phrase marks the title ("Social System — This is...").
    Otherwise the body's sentence starts at the last capitalised word before the first
    lower-case content word (parentheses are part of the title). When only acronyms stand
    between that word and the body's text, the sentence starts at the acronym ("Resource
    Constraints SMBs often have"), unless the word is a determiner ("... Complexity Many SMBs")
    or the acronym is an object ("... Innovations Encourages SMBs to look").
    """
    if " — " in text:
        head, body = text.split(" — ", 1)
        if len(head.split()) <= MAX_DASH_HEAD_WORDS:
            return head.strip(), body.strip()
    tokens = text.split()
    capitals, first_lower = _capitals_before_body(tokens)
    plain = [i for i in capitals if i < first_lower and not is_acronym(tokens[i])]
    if not plain or plain[-1] == 0:
        return None, text
    cut = _body_start(tokens, plain[-1], first_lower)
    title = " ".join(tokens[:cut]).rstrip(",:;")
    if len(title.split()) > MAX_TITLE_WORDS or len(tokens) - cut < 2:
        return None, text  # a one-word "body" ends the title ("• Loyalty Cards"), not a sentence
    return title, " ".join(tokens[cut:])


def _capitals_before_body(tokens: list[str]) -> tuple[list[int], int]:
    """Indices of capitalised words outside parentheses, up to the first lower-case content
    word, and that word's index (len(tokens) when there is none)."""
    depth = 0
    capitals = []
    for i, tok in enumerate(tokens):
        inside = depth > 0 or tok.startswith("(")
        depth += tok.count("(") - tok.count(")")
        bare = tok.strip("(),:;“”\"'?!.")
        if inside or not bare:
            continue
        if bare[0].isupper():
            capitals.append(i)
        elif bare.lower() not in STOP_WORDS:
            return capitals, i
    return capitals, len(tokens)


def _body_start(tokens: list[str], cut: int, first_lower: int) -> int:
    """Where the body starts: at `cut`, or one word later when only acronyms follow it and
    the first of them is the subject of the body's sentence."""
    between = []
    for tok in tokens[cut + 1 : first_lower]:
        if not tok[0].isupper():
            break
        between.append(tok)
    only_acronyms = between and all(is_acronym(t) for t in between)
    after = tokens[cut + 1 + len(between)].lower() if cut + 1 + len(between) < len(tokens) else ""
    subject = tokens[cut].lower() not in SENTENCE_OPENERS and after not in OBJECT_FOLLOWERS
    return cut + 1 if only_acronyms and subject else cut


def is_acronym(token: str) -> bool:
    """An upper-case word of two letters or more ("SMBs", "KPI’s" count, "A" does not)."""
    bare = token.strip("(),:;").removesuffix("s").removesuffix("’")
    return len(bare) >= 2 and bare.isupper()
