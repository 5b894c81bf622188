"""Owners' long questions, as they write them on forums, on the product's own KB: data/docs
read by the encoder trained on the whole shipped corpus (its shipped layers, so nothing trains
here). The questions were written for these tests; none comes from an evaluation set.

What is checked is behaviour a user sees: the problem told in the last sentence is found, a
story about people gets a people-side concept first, one generic concept does not lead for
unrelated stories, and a long business question the documents do not cover is refused.
"""

from __future__ import annotations

import pytest

from recommender import Recommender

# A dairy farm's shop, its history and its numbers; the problem (depending on one buyer) only
# in the last sentence.
LATE_PROBLEM = (
    "Family dairy, third generation, about 140 cows and a farm shop my wife started in 2015 "
    "that sells cheese, yoghurt and ice cream on weekends. We put in a robot milker two years "
    "ago, which was a big loan but it works fine and the herd took to it faster than my dad "
    "did. The shop does ok in summer, dead in winter. Anyway what keeps me up at night: the "
    "regional supermarket group takes nearly 80% of everything we make and they just told us "
    "their new terms, lower price, their labels, their delivery slots, and if they walk we "
    "have basically nothing left"
)
LATE_PROBLEM_ANSWERS = {
    "Strategic Partnerships Versus Subservient Relationships",
    "Strategic Partnership Governance — Maintaining Autonomy",
    "The Double-Edged Sword of Alignment",
    "Strategic Resilience Erosion — Vulnerability in Turbulent Environments",
    "Navigating the Alignment Tightrope",
    "Market Alignment",
}

# A new manager, an owner's purchase, and staff who resist: told by its symptoms.
PEOPLE_STORY = (
    "took over as manager of a hardware store and lumber yard in march, 22 people, most of them "
    "have worked here longer than i've been out of school. the owner had already signed for a "
    "new point of sale and inventory system before i arrived, nobody on the floor saw it "
    "before it showed up. now the yard guys write orders on the paper pad like before and i "
    "type them in at night, two of the cashiers say the screens are 'for young people' and "
    "one of the best guys told me he's looking at other jobs. the owner asks me every week "
    "why the numbers in the system are wrong. what am i supposed to do here"
)
PEOPLE_SIDE = {
    "Change Management and Employee Resistance",
    "Participation and Involvement",
    "Talk to Your Employees",
    "Communication",
    "User Training and Support",
    "Trust and Collaboration",
    "Employee Satisfaction and Retention",
    "Skill Development and Training",
    "Invest in Employee Training and Upskilling",
    "Human-Centered Design",
}

# Three stories about unrelated problems: a hub (a concept close to everything) would lead all.
UNRELATED = [
    (
        "we are a 12 person bike shop with a repair side. every shop in town copies the big "
        "chain: same brands, same service packages, same spring sale. last year i did the same "
        "and we had our worst year. customers say we are just like everyone else now, which "
        "hurts because we used to be the shop that built custom wheels. should i keep following "
        "what works for the chain or go back to what made us different"
    ),
    (
        "I run the office side of a plumbing company, 9 vans. The owner reads an article a "
        "week and then buys something: a dispatch app, a quoting tool, a GPS tracker, a "
        "review bot. None of them talk to each other so I copy the same job into three "
        "places. Nobody ever said what any of it was supposed to fix, the owner just likes "
        "gadgets. How do I get him to stop and decide what we actually need first?"
    ),
    (
        "i own a small print shop, 5 of us. everyone here has worked together for 15 years and "
        "we all agree on everything, we read the same trade magazine and go to the same show. "
        "a younger customer told me our ideas feel dated and honestly when i think about it "
        "nobody here has said something surprising in years. how do i get fresh thinking in "
        "when we all think the same"
    ),
]

# A long business question the documents do not cover (a lease dispute), with staff and
# software in the story to look like the questions they do.
OFF_TOPIC = (
    "Hi all, I have a dog grooming salon with 4 groomers, we moved to a new booking app last "
    "year and the team likes it. The problem is the building. Our lease is up in June and the "
    "landlord wants a 30% increase and a personal guarantee, and he says the roof repairs are "
    "on us now even though the old lease said structural was his. Can he change that clause "
    "at renewal, and is a personal guarantee normal for a small retail unit? Should I get a "
    "lawyer to look at it before I sign anything?"
)


@pytest.fixture(scope="module")
def recommender(product_store) -> Recommender:
    return Recommender(product_store)


def titles(recommender: Recommender, text: str, k: int = 5) -> list[str]:
    answer = recommender.recommend(text, k=k)
    assert not answer.abstained, answer.reason
    return [r.title for r in answer.recommendations]


def test_a_long_story_finds_the_problem_told_in_its_last_sentence(recommender):
    assert LATE_PROBLEM_ANSWERS & set(titles(recommender, LATE_PROBLEM)[:3])


def test_a_story_about_staff_puts_a_people_side_concept_first(recommender):
    assert titles(recommender, PEOPLE_STORY)[0] in PEOPLE_SIDE


def test_one_concept_does_not_lead_for_unrelated_stories(recommender):
    firsts = [titles(recommender, story)[0] for story in UNRELATED]
    assert len(set(firsts)) == len(firsts), firsts


def test_a_long_business_question_the_documents_do_not_cover_is_refused(recommender):
    answer = recommender.recommend(OFF_TOPIC)
    assert answer.abstained, [r.title for r in answer.recommendations]
