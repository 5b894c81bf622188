"""What a card says, without a model: whole advice sentences, examples apart, honest reasons,
and the "start here" summary built from them. The texts are written here for the purpose."""

from __future__ import annotations

from recommender import guidance
from recommender.summary import PARTIAL, STRONG, STRONG_MARGIN, summarise


def test_guidance_prefers_advice_that_shares_the_querys_words() -> None:
    text = (
        "Inventory is the stock a shop holds at any time. "
        "Owners should count slow sellers every month before reordering stock. "
        "Many shops keep records on paper for years."
    )
    chosen = guidance.guidance("we keep reordering slow sellers", [text])
    assert chosen.text.startswith("Owners should count slow sellers")


def test_guidance_does_not_repeat_what_an_earlier_card_showed() -> None:
    text = (
        "Teams should meet weekly to review the numbers. Leaders must share the goals openly. "
        "Owners should write down what they learn from each review."
    )
    shown: set[str] = set()
    first = guidance.guidance("review numbers", [text], shown).text
    second = guidance.guidance("review numbers", [text], shown).text
    assert first.startswith("Teams should meet weekly") and first.count(".") == 2
    assert second == "Leaders must share the goals openly."


def test_a_card_whose_sentences_were_all_shown_says_them_again_rather_than_nothing() -> None:
    text = "Owners should write down what they learn from each review."
    shown: set[str] = set()
    guidance.guidance("review", [text], shown)
    assert guidance.guidance("review", [text], shown).text == text


def test_a_long_sentence_is_shown_whole_never_cut() -> None:
    long = "Owners should " + "really " * 120 + "act."
    out = guidance.guidance("owners act", [long]).text
    assert out == long and "…" not in out


def test_lead_ins_table_rows_and_cut_pieces_are_never_guidance() -> None:
    text = (
        "Here are the steps a bakery can take: "
        "Aspect: Cost; With a plan: Lower, spending follows goals; Without a plan: Higher. "
        "Owners should write a one-page plan before buying any tool. "
        "And then the rest of the"
    )
    out = guidance.guidance("plan before buying", [text])
    assert [s.text for s in out.sentences] == [
        "Owners should write a one-page plan before buying any tool."
    ]


def test_a_worked_example_is_kept_apart_from_the_advice() -> None:
    text = (
        "Track every return in one place and review it each month. "
        "For the landscaping business, this meant a shared sheet of every client complaint."
    )
    out = guidance.guidance("complaints get lost", [text])
    assert out.text == "Track every return in one place and review it each month."
    assert out.example is not None and out.example.text.startswith("For the landscaping")


def test_advice_about_considering_something_is_not_mistaken_for_an_example() -> None:
    text = "Consider partnering with an outside bookkeeper who knows your trade."
    assert guidance.guidance("bookkeeping", [text]).text == text


def test_sentences_are_shown_in_document_order() -> None:
    text = (
        "Customers notice slow replies first. Staff must answer every message within a day. "
        "Owners should set one person in charge of replies."
    )
    out = guidance.guidance("put one person in charge of replies", [text]).text
    assert out.index("Staff must answer") < out.index("Owners should set")
    assert "Customers notice" not in out  # advice first


def test_why_words_are_typed_content_words_shown_as_typed() -> None:
    texts = ["Staff resistance grows when a new tool arrives without training and leaves them."]
    words = guidance.typed_words("Our STAFF can't leave the new one alone, no Training", texts)
    assert words == ["STAFF", "leave", "Training"]  # "new", "one", "the" carry nothing


def test_marked_words_match_a_typed_content_word_by_stem() -> None:
    found = guidance.matched_words("staff resisting changes", "Resistance to change by staff.")
    assert found == ["resistance", "change", "staff"]
    assert guidance.matched_words("a small new shop", "Small firms try new tools.") == []
    assert guidance.typed_words("orders go out without a check", ["Work without checks."]) == [
        "check"
    ]  # "without" is a function word, however the library's stopword list misses it


# ------------------------------------------------------------------ the summary


def card(*texts: str) -> guidance.Guidance:
    return guidance.guidance("", list(texts))


def test_summary_takes_a_sentence_from_each_of_the_best_cards_and_cites_it() -> None:
    cards = [
        card("Owners should ask staff before buying a tool. It costs little."),
        card("Measure the hours a tool saves each month."),
        card("Start with the task that annoys customers most."),
        card("Avoid buying two tools at once."),
    ]
    summary = summarise(cards, STRONG_MARGIN + 0.1)
    assert summary is not None and summary.strength == STRONG
    assert [(s.rank, s.passage) for s in summary.sentences] == [(1, 1), (2, 1), (3, 1)]
    assert summary.text.startswith("Owners should ask staff before buying a tool. [1]")
    assert "[4]" not in summary.text


def test_summary_takes_second_sentences_when_few_cards_say_something() -> None:
    cards = [card("Owners should ask staff first. Staff must try the tool for a week.")]
    summary = summarise(cards, 0.0)
    assert summary is not None and summary.strength == PARTIAL
    assert [s.text for s in summary.sentences] == [
        "Owners should ask staff first.",
        "Staff must try the tool for a week.",
    ]


def test_summary_prefers_a_lower_cards_advice_to_description() -> None:
    cards = [
        card("Suppliers often set the terms for small shops."),
        card("Prices rise when one buyer takes most of the output."),
        card("Growth slows when every plan copies the market leader."),
        card("Owners should find a second buyer before the contract ends."),
    ]
    summary = summarise(cards, 0.0)
    assert summary is not None
    assert summary.sentences[0].text == "Suppliers often set the terms for small shops."
    assert [s.rank for s in summary.sentences] == [1, 2, 4]  # description only to reach two
    cards[1] = card("Owners must agree a written price for the whole season.")
    assert [s.rank for s in summarise(cards, 0.0).sentences] == [2, 4]  # advice alone


def test_no_summary_without_a_sentence_to_quote() -> None:
    assert summarise([card("Aspect: Cost; With: Low; Without: High")], 1.0) is None
