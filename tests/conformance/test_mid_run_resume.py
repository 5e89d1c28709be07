"""mid_run_resume resumes a run in a new Python process where the implementation can be imported
by name, in this one (after the original is gone) where it cannot, and says where and what an
implementation raised while resuming."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from broken_adam import BiasCorrectionCountedOutsideTheState
from verdicts import verdict

from conformance import Outcome
from conformance.specs.adam import ADAM, ADAMW
from conformance.target import describe


class LoadRefusedBeforeAStep(torch.optim.Adam):
    """torch's Adam whose load_state_dict raises in a process where no optimizer of its class
    has stepped yet (a lazily initialised kernel table it needs): resuming after a restart
    fails, resuming in the process that saved works."""

    stepped_here: ClassVar[bool] = False

    def step(self, closure: Any = None) -> Any:
        type(self).stepped_here = True
        return super().step(closure)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not type(self).stepped_here:
            raise RuntimeError("kernel table not initialised: step once before loading")
        super().load_state_dict(state_dict)


def test_torch_adam_resumes_exactly_in_a_new_process() -> None:
    assert describe(torch.optim.Adam).importable
    result = verdict(torch.optim.Adam, "mid_run_resume", ADAM)
    assert result.outcome is Outcome.PASSED, result.message


def test_a_class_no_other_process_can_import_is_resumed_in_this_one() -> None:
    class LocalAdam(torch.optim.Adam):
        pass

    class LocalCounter(BiasCorrectionCountedOutsideTheState):
        pass

    assert not describe(LocalAdam).importable
    assert verdict(LocalAdam, "mid_run_resume", ADAM).outcome is Outcome.PASSED
    result = verdict(LocalCounter, "mid_run_resume", ADAMW)
    assert result.outcome is Outcome.FAILED
    assert "resumed in this process (" in result.message
    assert "cannot be imported by name" in result.message


def test_what_the_resumed_run_raised_is_named_with_where_it_arose() -> None:
    result = verdict(LoadRefusedBeforeAStep, "mid_run_resume", ADAM)
    assert result.outcome is Outcome.FAILED
    assert result.message.startswith(
        "resuming from the checkpoint saved after step 2 in a new Python process: building the "
        "optimizer anew and loading the state dict into it, it raised RuntimeError: kernel table "
        "not initialised"
    ), result.message
    assert result.raised == "RuntimeError"
