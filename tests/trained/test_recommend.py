"""The recommender on the KB whose query encoder is trained on the corpus slice: its abstention
rule is learned from the corpus's examples (an untrained KB has only a bare cut). Ranking,
filters, evidence and odd input are in tests/model/test_recommend.py.
"""

from __future__ import annotations

import pytest

from recommender import Recommender


@pytest.fixture(scope="module")
def recommender(trained_store) -> Recommender:
    return Recommender(trained_store)


def test_the_abstention_rule_separates_the_calibration_sets(recommender):
    rule = recommender.rule
    assert rule.weights is not None  # learned from the corpus's examples, not a bare cut
    assert rule.in_domain_missed <= 0.05 and rule.off_topic_accepted <= 0.05
