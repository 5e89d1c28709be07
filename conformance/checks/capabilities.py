"""The options every group stores, and the capabilities a spec declares: ``differentiable``
(autograd through ``step``) and ``fused`` (rejected where the reference has no fused path)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from .check import Check
from ..expectations import expect, expect_param_groups, raised
from ..failures import CheckFailure, CheckSkipped, MissingAPI
from ..snippet import render_script
from ..spec import OptimizerSpec
from ..subject import Subject

__all__ = ["checks"]


def _groups(factory: Callable[..., Any], device: torch.device) -> list[Any]:
    """The param groups of an optimizer built over two groups (one with its own lr) and
    given a third with ``add_param_group``."""
    params = [torch.zeros(2, device=device, requires_grad=True) for _ in range(3)]
    optimizer = factory([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.25}])
    optimizer.add_param_group({"params": [params[2]]})
    return optimizer.param_groups


def _group_options(subject: Subject) -> None:
    expect_param_groups(subject)
    reference = _groups(subject.spec.reference, subject.device)
    actual = _groups(subject.factory, subject.device)
    if not isinstance(actual, Sequence):
        raise CheckFailure(f"param_groups is a {type(actual).__name__}, not a list of dicts")
    snippet = render_script(
        subject.target,
        str(subject.device),
        """
params = [torch.zeros(2, device=DEVICE, requires_grad=True) for _ in range(3)]
optimizer = Optimizer([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.25}])
optimizer.add_param_group({"params": [params[2]]})
for group in optimizer.param_groups:
    print({key: value for key, value in group.items() if key != "params"})
""",
    )
    # An option the implementation does not take is reported by the check about it.
    owned = {k for k in subject.spec.defaults if not subject.options.takes(k)}
    owned |= {"differentiable"} - subject.options.taken
    problems = []
    for g, (expected, group) in enumerate(zip(reference, actual, strict=True)):
        if not isinstance(group, Mapping):
            problems.append(
                f"param_groups[{g}] is a {type(group).__name__}, not a dict holding 'params' "
                "and the group's options"
            )
            continue
        missing = sorted(set(expected) - set(group) - owned)
        if missing:
            problems.append(
                f"param_groups[{g}] lacks {missing}: every group stores every option of "
                f"{subject.spec.reference_name}, the flags included"
            )
        problems += [
            f"param_groups[{g}][{key!r}] is {group[key]!r}, expected {expected[key]!r}"
            for key in subject.spec.defaults
            if key in group and key not in owned and not _equal(group[key], expected[key])
        ]
    expect(not problems, "\n".join(problems), snippet)


def _equal(value: Any, expected: Any) -> bool:
    try:
        return bool(value == expected)
    except (RuntimeError, TypeError):  # e.g. a multi-element tensor
        return False


def _fused_rejected(subject: Subject) -> None:
    if "fused" in subject.spec.capabilities:
        raise CheckSkipped(f"{subject.spec.reference_name} takes fused=True")

    def attempt(build: Callable[..., Any]) -> None:
        build([torch.zeros(2, device=subject.device, requires_grad=True)], fused=True)

    snippet = render_script(
        subject.target,
        str(subject.device),
        "Optimizer([torch.zeros(2, device=DEVICE, requires_grad=True)], fused=True)",
    )
    expected = _error_type(lambda: attempt(subject.spec.reference))
    try:
        attempt(subject.build)
    except Exception as error:
        expect(
            type(error) is expected,
            f"fused=True raised {type(error).__name__}: {error}; expected a {expected.__name__}, "
            f"as {subject.spec.reference_name} (which has no fused path) raises",
            snippet,
        )
        return
    raise CheckFailure(
        f"fused=True was accepted; {subject.spec.reference_name} has no fused path and raises "
        f"a {expected.__name__}",
        snippet,
    )


def _error_type(call: Callable[[], Any]) -> type[BaseException]:
    try:
        call()
    except Exception as error:
        return type(error)
    raise AssertionError("the reference accepted fused=True: the spec's capabilities are stale")


def _two_steps(factory: Callable[..., Any], options: dict[str, Any]) -> Callable[..., torch.Tensor]:
    """The param after two steps, as a function of the initial param and the grad."""

    def two_steps(initial: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        param = initial.clone()
        param.grad = grad
        optimizer = factory([param], **options)
        optimizer.step()
        optimizer.step()
        return param

    return two_steps


def _derivative_rtol(spec: OptimizerSpec) -> float:
    """How closely the derivatives must agree. Where the step counter is a float32 tensor,
    torch.optim computes terms of the step count from it (Adam's 1 - β^t) in float32, on the
    differentiable path; a float64 computation differs from that by well under 100 float32
    roundings."""
    if spec.step_key is None:
        return 1e-7
    return max(1e-7, 100 * torch.finfo(spec.step_dtype()).eps)


def _differentiable(subject: Subject) -> None:
    spec = subject.spec
    if "differentiable" not in spec.capabilities:
        raise CheckSkipped(f"{spec.reference_name} has no differentiable=True")
    if not subject.options.takes("differentiable"):
        raise MissingAPI(
            f"{subject.target.name} does not take the option 'differentiable', which this rule "
            f"is about ({spec.reference_name} takes it)"
        )
    options = {**subject.options.taken_of(spec.example_hyperparameters), "differentiable": True}
    generator = torch.Generator().manual_seed(0)
    inputs = tuple(
        torch.randn(4, generator=generator, dtype=torch.float64).to(subject.device)
        for _ in range(2)
    )
    snippet = render_script(
        subject.target,
        str(subject.device),
        f"""
def two_steps(initial, grad):
    param = initial.clone()
    param.grad = grad
    optimizer = Optimizer([param], **{options!r})
    optimizer.step()
    optimizer.step()
    return param
inputs = (torch.randn(4, dtype=torch.float64, device=DEVICE), torch.randn(4, dtype=torch.float64, device=DEVICE))
print(torch.autograd.functional.jacobian(two_steps, inputs))  # expected: {spec.reference_name}'s
""",
    )
    jacobian = torch.autograd.functional.jacobian
    expected = jacobian(_two_steps(spec.reference, options), inputs)
    try:
        actual = jacobian(_two_steps(subject.factory, options), inputs)
    except Exception as error:
        raise CheckFailure(
            f"with differentiable=True, differentiating through two steps {raised(error)}", snippet
        ) from error
    for which, wanted, got in zip(("initial param", "grad"), expected, actual, strict=True):
        expect(
            torch.allclose(got, wanted, rtol=_derivative_rtol(spec), atol=1e-12),
            f"with differentiable=True, the derivative of the param after two steps with "
            f"respect to the {which} is\n{got}\nexpected {spec.reference_name}'s\n{wanted}",
            snippet,
        )


def checks(spec: OptimizerSpec) -> list[Check]:
    return [
        Check(
            "group_options",
            f"every param group, given to the constructor or added with add_param_group, "
            f"stores every option {spec.reference_name} stores (flags such as foreach, "
            "capturable, differentiable included), hyperparameters with the same values",
            _group_options,
        ),
        Check(
            "fused_rejected",
            "fused=True raises the exception type the reference raises when it has no fused "
            "implementation",
            _fused_rejected,
        ),
        Check(
            "differentiable",
            "with differentiable=True, autograd differentiates through step(): the derivatives "
            "of a float64 param after two steps with respect to its initial value and its grad "
            "are the reference's",
            _differentiable,
        ),
    ]
