"""``-k`` expressions over check names: substrings, and/or/not, parentheses."""

from __future__ import annotations

import pytest

from conformance.selection import SelectionError, matcher

NAMES = ["update_math", "weight_decay", "maximize_with_weight_decay", "state_dict_roundtrip", "closure"]


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("", NAMES),
        ("decay", ["weight_decay", "maximize_with_weight_decay"]),
        ("decay and not maximize", ["weight_decay"]),
        ("closure or state_dict", ["state_dict_roundtrip", "closure"]),
        ("not (decay or math)", ["state_dict_roundtrip", "closure"]),
        ("CLOSURE", ["closure"]),
    ],
)
def test_expression_selects_matching_names(expression: str, selected: list[str]) -> None:
    chosen = matcher(expression)
    assert [name for name in NAMES if chosen(name)] == selected


@pytest.mark.parametrize("expression", ["closure and", "(closure", "closure)", "and closure", "not"])
def test_malformed_expression_is_rejected_with_its_text(expression: str) -> None:
    with pytest.raises(SelectionError, match=r"^-k "):
        matcher(expression)
