"""The learned caption classifier (`ingest.captions`) with the real bundled model, on pages
written for these tests in the site's style: pictures described in words the seed captions
never use are dropped, the author's paragraphs (a visual metaphor included) are kept."""

from __future__ import annotations

import pytest

from ingest.captions import caption_lines, drop_captions, read_captions
from ingest.clean import clean
from kb.embed import BUNDLED, Embedder

# CIRCUIT, COMPASS, CHESS and ORCHARD are all dropped: objects far from data/docs' machines and
# sculptures, and a landscape with no meaning read into it, unlike every caption of data/docs
# (once known limits, until the pages written for training, data/captions/pages, broadened
# the captions learned from).
COMPASS = (
    "A brass compass rests on a weathered map beside a cup of coffee, its needle swinging "
    "toward a coastline sketched in faded ink, a quiet sign of a small firm that settles its "
    "direction before it buys new machines to go faster."
)
CIRCUIT = (
    "Close to the lens, a tangle of copper wires and tiny circuit boards glows under soft "
    "studio lighting, its orderly rows of components hinting at the hidden systems that let "
    "a small online shop grow without extra staff."
)
CHESS = (
    "A chessboard sits mid-game on a walnut table, one knight lifted above the pieces, its "
    "carved wooden mane catching the glow of a window, an emblem of the careful moves a "
    "growing company weighs before it commits its budget."
)
ORCHARD = (
    "Rows of apple trees stretch toward rolling hills under a pale morning sky, a wooden "
    "crate of fresh fruit waiting at the end of the nearest row, dew still beading on the "
    "grass around it."
)
PRICING = [
    "Pricing is where many small firms leave money on the table. An owner sets a price once, "
    "often by copying a competitor, and then never looks at it again, even as costs, "
    "customers and the value of the work all change over the years.",
    "A yearly price review fixes most of this. List what each product or service costs you "
    "to deliver, what margin it earns, and what your best customers say they would still "
    "pay; then raise the prices where the margin is thinnest first.",
    "Before changing the whole range, test a small increase on one line for a month. Watch "
    "the number of orders and the questions customers ask, and keep the increase if the "
    "orders hold.",
    "Finally, explain a price rise to your regular customers before it takes effect. A "
    "short, honest note about rising costs keeps their trust, and most of them will accept a "
    "fair increase from a business they already value.",
]


def page(*blocks: str) -> str:
    """A page in the site's plain-text shape: a level, then blocks between blank lines."""
    return "\n\n".join(blocks) + "\n"


PAGE = page(
    "Fundamentals",
    PRICING[0],
    CIRCUIT,
    PRICING[1],
    "Testing Before Changing Everything",
    PRICING[2],
    PRICING[3],
)

METAPHOR = (
    "Think of your cash reserve as a lighthouse on a rocky coast: when a slow season rolls "
    "in like fog, it keeps the business off the rocks until sales return, so build it up in "
    "the good months rather than waiting for the first storm."
)
METAPHOR_PAGE = page(
    "Intermediate",
    "A small business runs out of cash long before it runs out of customers. Seasonal trade, "
    "late payers and one large bill arriving in a quiet month can empty the account of a "
    "firm that is profitable on paper.",
    METAPHOR,
    "A reserve of two to three months of fixed costs is a common target. Set aside a fixed "
    "share of every good month's takings in a separate account, and treat withdrawals from "
    "it as a decision the owner makes, never a habit.",
)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(BUNDLED)


def texts(lines) -> list[str]:
    return [line.text for line in lines if line.text.strip()]


def test_pictures_in_new_words_are_dropped_and_paragraphs_kept(embedder: Embedder) -> None:
    lines = clean(PAGE)
    kept = texts(drop_captions(lines, embedder))
    assert CIRCUIT not in kept
    assert kept == [t for t in texts(lines) if t != CIRCUIT]
    assert all(p in kept for p in PRICING)


def test_a_paragraph_with_a_visual_metaphor_is_kept(embedder: Embedder) -> None:
    lines = clean(METAPHOR_PAGE)
    assert caption_lines(lines, embedder) == []
    assert METAPHOR in texts(drop_captions(lines, embedder))


@pytest.mark.parametrize(
    "caption", [COMPASS, CHESS, ORCHARD], ids=["compass", "chessboard", "orchard"]
)
def test_pictures_far_from_the_docs_captions_are_dropped(embedder: Embedder, caption: str) -> None:
    """Learned from data/docs' 24 captions alone (machines, sculptures, office objects read as
    business symbols), these scored 0.4, 0.6 and 0.05 against a threshold of 0.89 and stayed;
    the written pages' captions (people, shops, landscapes, graphs) taught the model the rest."""
    lines = clean(page("Fundamentals", PRICING[0], caption, PRICING[1], PRICING[2]))
    kept = texts(drop_captions(lines, embedder))
    assert caption not in kept
    assert kept == [t for t in texts(lines) if t != caption]


def test_the_listed_captions_leave_the_session_kb(real_store) -> None:
    """Through `kb ingest` of data/docs: no chunk holds a listed caption."""
    captions = read_captions()
    heads = {" ".join(c.split()[:12]) for c in captions}
    assert len(captions) >= 20
    assert not [c.text[:80] for c in real_store.chunks if any(h in c.text for h in heads)]


@pytest.mark.parametrize(
    "body",
    [
        "Consider the image of a small sailboat navigating a vast ocean",
        "Within the advanced perspective, Organizational Culture emerges as a paramount factor.",
        "Let’s look at some concrete examples of socio-technical systems in typical SMBs:",
        "Below is a table illustrating the contrasting outcomes of automation with and without",
    ],
)
def test_body_paragraphs_that_mention_images_or_scenes_stay(real_store, body: str) -> None:
    """data/docs' own paragraphs about images, scenes or tables are not captions."""
    assert any(body in c.text for c in real_store.chunks)
