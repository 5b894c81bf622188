"""The framework comparison table, without a model: frameworks from tables with different
columns share one table, each gap an empty text (never NaN, which broke the page)."""

from __future__ import annotations

from types import SimpleNamespace

from kb.catalog import framework_table
from kb.model import Concept


def test_tables_with_different_columns_leave_empty_text_not_nan() -> None:
    concepts = [
        Concept("a", "Lean", "framework", None, "d", "s", "", fields={"Core Focus": "Waste"}),
        Concept("b", "OKRs", "framework", None, "d", "s", "", fields={"Cadence": "Quarterly"}),
    ]
    table = framework_table(SimpleNamespace(concepts=concepts))
    assert table.loc[0, "Cadence"] == "" and table.loc[1, "Core Focus"] == ""
    assert all(isinstance(v, str) for v in table.to_numpy().ravel())
