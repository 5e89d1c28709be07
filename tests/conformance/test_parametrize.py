"""``parametrize_with_checks``: torch.optim.Adadelta's three code paths pass every check.

This module is also the example of the decorator in another project's test file.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from reference_targets import torch_for_loop, torch_foreach, torch_functional_differentiable

import conformance
from conformance.parametrize import BoundCheck

REFERENCE_PATHS = [torch_foreach, torch_for_loop, torch_functional_differentiable]


@conformance.parametrize_with_checks(REFERENCE_PATHS)
def test_reference_paths_conform(implementation: Callable[..., Any], check: BoundCheck) -> None:
    check(implementation)


def test_ids_read_implementation_follows_check() -> None:
    marker = conformance.parametrize_with_checks([torch_foreach])
    ids = [param.id for param in marker.args[1]]
    assert ids[0] == "torch_foreach follows update_math"
    assert len(ids) == len(conformance.checks_for(conformance.ADADELTA))


def test_expected_failures_mark_pairs_xfail_and_unknown_names_warn() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        marker = conformance.parametrize_with_checks(
            [torch_foreach], expected_failures={"closure": "known", "closur": "typo"}
        )
    marks = {param.id: param.marks for param in marker.args[1]}
    assert [m.kwargs["reason"] for m in marks["torch_foreach follows closure"]] == ["known"]
    assert not marks["torch_foreach follows zero_grad"]
    assert [str(w.message) for w in caught] == [
        "expected failure 'closur' matches no check (see --list)"
    ]


def test_bound_check_raises_its_failure_with_the_rule() -> None:
    from faulty_targets import IgnoresWeightDecay

    marker = conformance.parametrize_with_checks([IgnoresWeightDecay])
    check = next(p.values[1] for p in marker.args[1] if p.values[1].name == "weight_decay")
    with pytest.raises(conformance.CheckFailure, match=r"^weight_decay: if weight_decay λ != 0"):
        check(IgnoresWeightDecay)
