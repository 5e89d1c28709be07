"""Param groups: per-group hyperparameters, changes between steps, add_param_group."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import torch
from hypothesis import strategies as st

from .check import Check
from .math import TENSOR_LR_DTYPES
from ..examples import example_case, example_param
from ..expectations import expect_same_error, expect_trajectory
from ..case import FillLR, GroupCase, TensorLR
from ..properties import run_property
from ..replay import Stepped
from ..snippet import render_script
from ..spec import OptimizerSpec
from ..strategies import grouped_case, hyperparameters
from ..failures import relying_on
from ..subject import Subject
from ..surface import groups_of

__all__ = ["checks", "options_are"]


def _per_group_hyperparameters(subject: Subject) -> None:
    def follows_the_oracle(data: st.DataObject) -> None:
        expect_trajectory(subject, grouped_case(data, subject.all_options_spec, min_groups=2))

    run_property(subject, follows_the_oracle)


def _hyperparameter_changes(subject: Subject) -> None:
    spec = subject.all_options_spec

    def follows_the_oracle(data: st.DataObject) -> None:
        case = grouped_case(data, spec, max_groups=2)
        dtype = case.params[0].dtype
        groups = list(case.groups)
        tensor_lr = set()
        if spec.tensor_lr and dtype in TENSOR_LR_DTYPES:
            lr = spec.hyperparameter_space(dtype)["lr"]
            for g, group in enumerate(groups):
                if data.draw(st.booleans(), label=f"group {g} has a Tensor lr"):
                    value = data.draw(lr, label=f"group {g} Tensor lr")
                    groups[g] = GroupCase(group.params, {**group.options, "lr": TensorLR(value)})
                    tensor_lr.add(g)
        changes: list[dict[int, dict[str, Any]]] = [{}]
        for step in range(2, case.steps + 1):
            before: dict[int, dict[str, Any]] = {}
            for g in range(len(groups)):
                options = data.draw(
                    hyperparameters(
                        spec, dtype, optional=True, left_out=spec.options_fixed_after_first_step
                    ),
                    label=f"group {g} options assigned before step {step}",
                )
                if g in tensor_lr and "lr" in options:
                    options["lr"] = FillLR(options["lr"])
                before[g] = options
            changes.append(before)
        changed = dataclasses.replace(case, groups=tuple(groups), changes=tuple(changes))
        expect_trajectory(subject, changed)

    run_property(subject, follows_the_oracle)


def options_are(
    subject: Subject, expected: Mapping[int, Mapping[str, Any]]
) -> Callable[[Stepped], str | None]:
    """An inspection: ``param_groups[g]`` holds ``expected[g]`` for every hyperparameter the
    implementation takes (the others are judged by the checks about them)."""
    keys = [key for key in subject.spec.defaults if subject.options.takes(key)]

    def inspect(stepped: Stepped) -> str | None:
        groups = groups_of(stepped.optimizer)
        for g, options in expected.items():
            for key in keys:
                if all(key not in group for group in groups):
                    raise relying_on(
                        "group_options", f"no param group stores {key!r}, so its value cannot be read"
                    )
                if key not in groups[g] or groups[g][key] != options[key]:
                    actual = groups[g].get(key, "<missing>")
                    return f"param_groups[{g}][{key!r}] is {actual!r}, expected {options[key]!r}"
        return None

    return inspect


def _add_param_group(subject: Subject) -> None:
    spec = subject.spec
    # Options the implementation does not take are judged by the checks about them.
    example = subject.options.taken_of(spec.example_hyperparameters)
    lr = 0.25 if "lr" in spec.defaults else None
    own_options = {"lr": lr} if lr is not None else {}
    case = example_case(
        [example_param((2, 3), seed=1), example_param((3,), seed=2), example_param((), seed=3)],
        steps=3,
        constructor=example,
        groups=[[0], [1], [2]],
        group_options=[{}, {}, own_options],
        added_groups=2,
    )
    expected = {1: example, 2: {**example, **own_options}}
    expect_trajectory(subject, case, inspect=options_are(subject, expected))


def _add_param_group_duplicates(subject: Subject) -> None:
    def attempt(factory: Callable[..., torch.optim.Optimizer]) -> None:
        first = torch.zeros(3, device=subject.device, requires_grad=True)
        second = torch.zeros(2, device=subject.device, requires_grad=True)
        optimizer = factory([first, second])
        optimizer.add_param_group({"params": [second]})

    snippet = render_script(
        subject.target,
        str(subject.device),
        """
first = torch.zeros(3, device=DEVICE, requires_grad=True)
second = torch.zeros(2, device=DEVICE, requires_grad=True)
optimizer = Optimizer([first, second])
optimizer.add_param_group({"params": [second]})
""",
    )
    expect_same_error(
        lambda: attempt(subject.spec.reference),
        lambda: attempt(subject.factory),
        "adding a param group holding a param of another group",
        snippet,
        may_add_detail=True,
    )


def checks(spec: OptimizerSpec) -> list[Check]:
    fixed = spec.options_fixed_after_first_step
    unchanged = f" ({', '.join(fixed)}, which decide the state's buffers, stay)" if fixed else ""
    return [
        Check(
            "per_group_hyperparameters",
            "each param group is stepped with its own hyperparameters; options a group does "
            "not set come from the constructor's arguments",
            _per_group_hyperparameters,
        ),
        Check(
            "hyperparameter_changes",
            "hyperparameters assigned in optimizer.param_groups between steps (float or "
            f"Tensor lr, filled in place) take effect at the next step{unchanged}",
            _hyperparameter_changes,
        ),
        Check(
            "add_param_group",
            "add_param_group fills the options a new group does not set from the constructor's "
            "values, and the new group trains",
            _add_param_group,
        ),
        Check(
            "add_param_group_duplicates",
            "add_param_group rejects a param that is already in another group with the "
            "exception the reference raises (its message may add detail)",
            _add_param_group_duplicates,
        ),
    ]
