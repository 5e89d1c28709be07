"""Snippets replay their case exactly: running one gives the values the check observed."""

from __future__ import annotations

import contextlib
import io

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.specs.adadelta import ADADELTA
from conformance.replay import Relay, snapshot, stepping
from conformance.snippet import render_case
from conformance.strategies import ALL_LAYOUTS, grouped_case, single_group_case
from conformance.target import resolve

TARGET = resolve("torch.optim:Adadelta")


def replayed_params(script: str) -> list[torch.Tensor]:
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(script, namespace)  # noqa: S102 - the script under test
    return [p.detach() for p in namespace["params"]]  # type: ignore[attr-defined]


@settings(max_examples=10, deadline=None, database=None, derandomize=True)
@given(st.data())
def test_snippet_of_a_drawn_case_ends_with_the_params_the_replay_ends_with(data: st.DataObject) -> None:
    dtypes = (torch.float32, torch.bfloat16, torch.complex64)
    if data.draw(st.booleans(), label="several groups"):
        case = grouped_case(data, ADADELTA)
    else:
        case = single_group_case(data, ADADELTA, dtypes=dtypes, layouts=ALL_LAYOUTS, none_grads=True)
    *_, last = stepping(case, torch.optim.Adadelta, torch.device("cpu"))
    for replayed, param in zip(replayed_params(render_case(case, TARGET, "cpu")), last.params, strict=True):
        assert replayed.stride() == param.stride()
        assert torch.equal(replayed, param.detach())


def test_snippet_of_a_relayed_case_hands_over_through_torch_save() -> None:
    from conformance.examples import example_case, example_param

    case = example_case([example_param((2, 3), seed=1)], steps=3, constructor={"lr": 0.5})
    relay = Relay(
        1,
        resolve("torch.optim:Adadelta", qualified=True),
        transfer_code="state_dict = copy.deepcopy(optimizer.state_dict())",
    )
    *_, last = stepping(case, torch.optim.Adadelta, torch.device("cpu"), relay)
    script = render_case(case, TARGET, "cpu", relay)
    assert "optimizer = torch.optim.Adadelta(" in script
    assert "optimizer.load_state_dict(state_dict)" in script
    assert torch.equal(replayed_params(script)[0], last.params[0].detach())
    assert snapshot(last, ADADELTA).steps == (3.0,)
