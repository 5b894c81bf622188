"""What the recommender reads of a question: the pure parts of `recommender.service`, no model.
The recommender on a real KB is in tests/model/test_recommend.py and tests/trained/.
"""

from __future__ import annotations

import pytest

from recommender import service


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("<b>our staff</b> ignore the new tablets", "our staff ignore the new tablets"),
        ("<script>alert(1)</script> automation", "automation"),
        ('<STYLE type="x">p {}</STYLE>why <a href="/x">ROI</a>', "why ROI"),
        ("costs < 5 and > 3 for us", "costs < 5 and > 3 for us"),
        ("<br>", "<br>"),  # all markup: nothing better to read
    ],
)
def test_the_model_reads_a_question_without_its_pasted_markup(typed, read):
    assert service.Request.of(typed).reading == read
