"""Devices: params on different devices in one optimizer."""

from __future__ import annotations

import dataclasses

import torch
from hypothesis import strategies as st

from ..case import Case, GroupCase
from .check import Check
from ..expectations import expect_trajectory
from ..failures import CheckSkipped
from ..properties import run_property
from ..spec import OptimizerSpec
from ..strategies import MATH_DTYPES, draw_grads, hyperparameters, param_cases
from ..subject import Subject

__all__ = ["checks"]


def _multiple_devices(subject: Subject) -> None:
    if not torch.cuda.is_available():
        raise CheckSkipped("needs a CUDA device; torch.cuda.is_available() is False")

    def follows_the_oracle(data: st.DataObject) -> None:
        dtype = data.draw(st.sampled_from(MATH_DTYPES), label="dtype")
        params = tuple(
            dataclasses.replace(data.draw(param_cases([dtype]), label=f"param {i}"), device=device)
            for i, device in enumerate(("cpu", "cuda", "cpu"))
        )
        constructor = data.draw(hyperparameters(subject.drawing_spec, dtype), label="hyperparameters")
        case = Case(params, (GroupCase((0, 1, 2)),), draw_grads(data, params), constructor)
        expect_trajectory(subject, case)

    run_property(subject, follows_the_oracle)


def checks(spec: OptimizerSpec) -> list[Check]:
    return [
        Check(
            "multiple_devices",
            "params on the CPU and on a CUDA device in one optimizer are each stepped on their "
            "own device, following the algorithm",
            _multiple_devices,
        ),
    ]
