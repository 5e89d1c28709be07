"""The step contract: closure, None and zero grads, grads left alone, zero_grad, sparse grads,
gradient release (one optimizer per param, stepped during backward)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import torch
from hypothesis import strategies as st

from ..case import Case, GroupCase, logical_tensor
from .check import Check
from ..comparison import OracleComparison
from ..examples import example_case, example_param
from ..expectations import expect, expect_same_error, expect_trajectory, fitted_case, raised, relied_on
from ..failures import CheckFailure, CheckSkipped, OracleMismatch
from ..oracle import run_oracle
from ..properties import run_property
from ..replay import Snapshot, Stepped, as_real64, build_grad, build_param, snapshot
from ..snippet import render_script
from ..spec import OptimizerSpec
from ..strategies import single_group_case, sparse_grad
from ..subject import Subject

__all__ = ["checks"]


def _closure(subject: Subject) -> None:
    param_case = example_param((2, 3), seed=1)
    param = build_param(param_case, subject.device).requires_grad_()
    optimizer = subject.factory([param])
    calls: list[bool] = []
    losses: list[torch.Tensor] = []

    def closure() -> torch.Tensor:
        calls.append(torch.is_grad_enabled())
        optimizer.zero_grad()
        loss = (param * param).sum()
        if calls[-1]:  # without grad, backward would raise here and hide the broken rule
            loss.backward()
        losses.append(loss)
        return loss

    snippet = render_script(
        subject.target,
        str(subject.device),
        f"""
param = torch.tensor({list(param_case.values)!r}, device=DEVICE).reshape(2, 3).requires_grad_()
optimizer = Optimizer([param])
calls = []
def closure():
    calls.append(torch.is_grad_enabled())
    optimizer.zero_grad()
    loss = (param * param).sum()
    loss.backward()
    return loss
with torch.no_grad():
    returned = optimizer.step(closure)
print(calls, returned, param)
param.grad = torch.ones_like(param)
print(optimizer.step())
""",
    )
    with torch.no_grad():
        try:
            returned = optimizer.step(closure)
        except Exception as error:
            raise CheckFailure(
                f"step(closure), called under torch.no_grad(), {raised(error)}", snippet
            ) from error
    expect(len(calls) == 1, f"step(closure) called the closure {len(calls)} times, expected once", snippet)
    expect(
        calls[0],
        "step(closure), called under torch.no_grad(), ran the closure with grad disabled: "
        "expected it to run under torch.enable_grad()",
        snippet,
    )
    expect(
        returned is losses[0],
        f"step(closure) returned {returned!r}, expected the closure's loss {losses[0]!r}",
        snippet,
    )
    doubled = tuple(2 * v for v in param_case.values)
    case = Case((param_case,), (GroupCase((0,)),), ((doubled,),))
    stepped = Stepped(1, optimizer, [param], [param.grad])
    problem = OracleComparison(case, subject.spec, run_oracle(case, subject.spec)).mismatch(
        1, snapshot(stepped, subject.spec)
    )
    if problem is not None:
        # Compared with the oracle: the observation relies on the update math it used.
        raise OracleMismatch(
            f"the step did not use the grads the closure computed: {problem}",
            snippet,
            relied_on(case, subject.spec),
        )
    param.grad = torch.ones_like(param)
    returned = optimizer.step()
    expect(returned is None, f"step() without a closure returned {returned!r}, expected None", snippet)


def _untouched_when_grad_is_none(spec: OptimizerSpec, case: Case) -> Callable[[Stepped], str | None]:
    initial = tuple(
        as_real64(logical_tensor(p.values, p.shape, p.dtype)) for p in case.params
    )
    before = [Snapshot(initial, (None,) * len(initial), (None,) * len(initial))]

    def inspect(stepped: Stepped) -> str | None:
        now, then = snapshot(stepped, spec), before[0]
        before[0] = now
        for i, grad in enumerate(stepped.grads):
            if grad is not None:
                continue
            never = all(grads[i] is None for grads in case.grads[: stepped.step])
            if never and now.state_exposed and (now.buffers[i] is None) == spec.state_at_construction:
                return (
                    f"param {i}: its grad has been None at every step, and the optimizer holds "
                    f"no state for it, yet {spec.reference_name} creates every param's initial "
                    "state in its constructor"
                    if spec.state_at_construction
                    else f"param {i}: its grad has been None at every step, yet the optimizer "
                    "created state for it"
                )
            if not torch.equal(now.params[i], then.params[i]):
                return f"param {i} had grad None at step {stepped.step}, yet its value changed"
            kept = then.buffers[i]
            if kept is not None and any(not torch.equal(now.buffers[i][k], v) for k, v in kept.items()):
                return f"param {i} had grad None at step {stepped.step}, yet its state changed"
            if kept is not None and now.steps[i] != then.steps[i]:
                return (
                    f"param {i} had grad None at step {stepped.step}, yet its step counter "
                    f"went from {then.steps[i]!r} to {now.steps[i]!r}"
                )
        return None

    return inspect


def _none_grad_skipped(subject: Subject) -> None:
    def follows_the_oracle(data: st.DataObject) -> None:
        drawn = single_group_case(data, subject.all_options_spec, none_grads=True)
        case = dataclasses.replace(drawn, grads=tuple((None, *g[1:]) for g in drawn.grads))
        expect_trajectory(subject, case, inspect=_untouched_when_grad_is_none(subject.spec, case))

    run_property(subject, follows_the_oracle)


def _zero_grad_stepped(subject: Subject) -> None:
    def follows_the_oracle(data: st.DataObject) -> None:
        drawn = single_group_case(data, subject.all_options_spec)
        zeros = (0.0,) * len(drawn.params[0].values)
        case = dataclasses.replace(drawn, grads=tuple((zeros, *g[1:]) for g in drawn.grads))
        expect_trajectory(subject, case, judge_state=True)

    run_property(subject, follows_the_oracle)


def _grads_left_alone(case: Case) -> Callable[[Stepped], str | None]:
    def inspect(stepped: Stepped) -> str | None:
        given = case.grads[stepped.step - 1]
        for i, (param, grad, values) in enumerate(zip(stepped.params, stepped.grads, given, strict=True)):
            if param.grad is not grad:
                return f"step {stepped.step} replaced param {i}'s .grad with another object"
            if values is None:
                continue
            param_case = case.params[i]
            original = as_real64(logical_tensor(values, param_case.shape, param_case.dtype))
            if not torch.equal(as_real64(grad), original):
                return f"step {stepped.step} modified param {i}'s .grad in place"
        return None

    return inspect


def _grads_not_modified(subject: Subject) -> None:
    def follows_the_oracle(data: st.DataObject) -> None:
        case = single_group_case(data, subject.all_options_spec, none_grads=True)
        # The rule is about the grads alone: the params' values are the math checks' to judge.
        expect_trajectory(subject, case, inspect=_grads_left_alone(case), compare=False)

    run_property(subject, follows_the_oracle)


def _zero_grad(subject: Subject) -> None:
    snippet = render_script(
        subject.target,
        str(subject.device),
        """
params = [torch.zeros(2, 3, device=DEVICE, requires_grad=True) for _ in range(3)]
optimizer = Optimizer(params)
params[0].grad, params[1].grad = torch.ones(2, 3, device=DEVICE), torch.ones(2, 3, device=DEVICE)
optimizer.zero_grad()
print([p.grad for p in params])  # expected: all None
grads = [torch.ones(2, 3, device=DEVICE), torch.ones(2, 3, device=DEVICE)]
params[0].grad, params[1].grad = grads
optimizer.zero_grad(set_to_none=False)
print([p.grad for p in params], [p.grad is g for p, g in zip(params, grads)])
weight = torch.ones(2, 3, device=DEVICE, requires_grad=True)
params[0].grad = weight * 2
optimizer.zero_grad(set_to_none=False)
print(params[0].grad.grad_fn)  # expected: None
""",
    )
    params = [torch.zeros(2, 3, device=subject.device, requires_grad=True) for _ in range(3)]
    optimizer = subject.factory(params)
    for param in params[:2]:
        param.grad = torch.ones(2, 3, device=subject.device)
    optimizer.zero_grad()
    left = [i for i, p in enumerate(params) if p.grad is not None]
    expect(not left, f"zero_grad() left .grad of params {left} set, expected None", snippet)
    grads = [torch.ones(2, 3, device=subject.device) for _ in range(2)]
    for param, grad in zip(params, grads, strict=False):
        param.grad = grad
    optimizer.zero_grad(set_to_none=False)
    for i, param in enumerate(params[:2]):
        expect(
            param.grad is grads[i],
            f"zero_grad(set_to_none=False) replaced param {i}'s .grad, expected it zeroed in place",
            snippet,
        )
        expect(
            not bool(param.grad.any()),
            f"zero_grad(set_to_none=False) left param {i}'s .grad = {param.grad}, expected zeros",
            snippet,
        )
    expect(
        params[2].grad is None,
        f"zero_grad(set_to_none=False) created a .grad for a param that had none: {params[2].grad}",
        snippet,
    )
    weight = torch.ones(2, 3, device=subject.device, requires_grad=True)
    params[0].grad = weight * 2  # a grad with a grad_fn, as backward(create_graph=True) leaves
    optimizer.zero_grad(set_to_none=False)
    expect(
        params[0].grad.grad_fn is None and not params[0].grad.requires_grad,
        "zero_grad(set_to_none=False) left a grad that had a grad_fn attached to the graph "
        f"(grad_fn {params[0].grad.grad_fn}): such a grad is detached, then zeroed",
        snippet,
    )


def _sparse_grads(subject: Subject) -> None:
    region = subject.spec.sparse_hyperparameters
    if region is None:
        raise CheckSkipped(f"{subject.spec.name} does not support sparse gradients")

    def follows_the_oracle(data: st.DataObject) -> None:
        # Sparse COO tensors of 0-d, complex or low-precision params are out of scope.
        drawn = single_group_case(
            data, subject.all_options_spec, layouts=("vector", "matrix"), overrides=region
        )
        grads = tuple(
            tuple(
                data.draw(sparse_grad(values), label=f"sparse grad of param {i} at step {t}")
                for i, values in enumerate(step)
            )
            for t, step in enumerate(drawn.grads, start=1)
        )
        expect_trajectory(subject, dataclasses.replace(drawn, grads=grads))

    run_property(subject, follows_the_oracle)


def _sparse_step(
    factory: Callable[..., torch.optim.Optimizer], device: torch.device, arguments: dict[str, Any]
) -> None:
    param = torch.zeros(3, device=device, requires_grad=True)
    optimizer = factory([param], **arguments)
    param.grad = torch.sparse_coo_tensor(
        [[0, 2]], [1.0, -1.0], (3,), device=device, check_invariants=True
    )
    optimizer.step()


def _sparse_grad_error(subject: Subject) -> None:
    spec = subject.spec
    if spec.sparse_gradients and not spec.sparse_invalid_arguments:
        raise CheckSkipped(f"{spec.name} supports sparse gradients under every valid argument")
    rejected = (
        [(arguments.description, arguments.build()) for arguments in spec.sparse_invalid_arguments]
        if spec.sparse_gradients
        else [("", {})]
    )
    for description, arguments in rejected:
        snippet = render_script(
            subject.target,
            str(subject.device),
            f"""
param = torch.zeros(3, device=DEVICE, requires_grad=True)
optimizer = Optimizer([param], **{arguments!r})
param.grad = torch.sparse_coo_tensor([[0, 2]], [1.0, -1.0], (3,), device=DEVICE, check_invariants=True)
optimizer.step()
""",
        )
        situation = "stepping a param whose grad is sparse"
        expect_same_error(
            functools.partial(_sparse_step, spec.reference, subject.device, arguments),
            functools.partial(_sparse_step, subject.factory, subject.device, arguments),
            f"{situation}, with {description}" if description else situation,
            snippet,
        )


_RELEASE_SNIPPET = """
params = [torch.randn(2, 3, device=DEVICE, requires_grad=True), torch.randn(3, device=DEVICE, requires_grad=True)]
# Gradient release: one optimizer per param, stepped as soon as its grad is accumulated.
optimizers = {{p: Optimizer([p], **{options!r}) for p in params}}
for p in params:
    p.register_post_accumulate_grad_hook(lambda p: (optimizers[p].step(), optimizers[p].zero_grad()))
whole = [p.detach().clone().requires_grad_() for p in params]
optimizer = Optimizer(whole, **{options!r})  # the whole model, stepped after backward
for step in range(4):
    grads = [torch.randn_like(p) for p in params]
    sum((p * g).sum() for p, g in zip(params, grads)).backward()
    for p, g in zip(whole, grads):
        p.grad = g.clone()
    optimizer.step()
    print([torch.equal(a, b) for a, b in zip(params, whole)])  # expected: all True
"""


def _gradient_release(subject: Subject) -> None:
    spec = subject.spec
    params = [
        example_param((2, 3), seed=1),
        example_param((3,), seed=2),
        example_param((4,), torch.float64, seed=3),
    ]
    options = subject.options.taken_of(spec.example_hyperparameters)
    case = fitted_case(example_case(params, steps=4, constructor=options), subject)
    snippet = render_script(subject.target, str(subject.device), _RELEASE_SNIPPET.format(options=options))
    comparison = OracleComparison(case, spec, run_oracle(case, spec))
    built = [build_param(p, subject.device).requires_grad_() for p in case.params]
    try:
        optimizers = [subject.factory([param], **case.constructor) for param in built]
    except Exception as error:
        raise CheckFailure(
            f"building one optimizer per param, it {raised(error)}",
            snippet,
            raised=type(error).__name__,
            relies_on_if_raised=relied_on(case, spec),
        ) from error

    def release(optimizer: Any) -> Callable[[torch.Tensor], None]:
        def hook(_: torch.Tensor) -> None:
            optimizer.step()
            optimizer.zero_grad()

        return hook

    for param, optimizer in zip(built, optimizers, strict=True):
        param.register_post_accumulate_grad_hook(release(optimizer))
    unknown = (None,) * len(built)
    for step in range(1, case.steps + 1):
        grads = [
            build_grad(p, subject.device, values)
            for p, values in zip(case.params, case.grads[step - 1], strict=True)
        ]
        try:
            # d(loss)/d(param) is exactly its grad of the case.
            sum((param * grad).sum() for param, grad in zip(built, grads, strict=True)).backward()
        except Exception as error:
            raise CheckFailure(
                f"during backward {step}, stepping from a post-accumulate-grad hook {raised(error)}",
                snippet,
                raised=type(error).__name__,
                relies_on_if_raised=relied_on(case, spec),
            ) from error
        current = Snapshot(tuple(as_real64(p) for p in built), unknown, unknown, state_exposed=False)
        problem = comparison.mismatch(step, current)
        if problem is not None:
            raise OracleMismatch(
                f"one optimizer per param, each stepped from its param's post-accumulate-grad "
                f"hook, left the trajectory of one step() over all params: {problem}",
                snippet,
                relied_on(case, spec),
            )


def checks(spec: OptimizerSpec) -> list[Check]:
    return [
        Check(
            "closure",
            "step(closure) calls the closure exactly once, under torch.enable_grad() even when "
            "step is called under torch.no_grad(), steps with the grads it computed and returns "
            "its loss; step() without a closure returns None",
            _closure,
        ),
        Check(
            "none_grad_skipped",
            "a param whose .grad is None is skipped: its value, state and step counter stay "
            "untouched, "
            + (
                "and it keeps the initial state the constructor gave it"
                if spec.state_at_construction
                else "and no state is created for it"
            ),
            _none_grad_skipped,
        ),
        Check(
            "zero_grad_stepped",
            "a param whose grad is zero is stepped like any other: its state "
            + ("(created at construction) advances" if spec.state_at_construction else "is created")
            + ", its step counter advances and its values follow the algorithm",
            _zero_grad_stepped,
        ),
        Check(
            "grads_not_modified",
            "step() neither modifies nor replaces any param's .grad (maximize and weight decay "
            "included)",
            _grads_not_modified,
        ),
        Check(
            "gradient_release",
            "one optimizer per param, each stepped (and its grads zeroed) from its param's "
            "post-accumulate-grad hook during backward, steps every param exactly as one "
            "optimizer over all params stepping after backward: no state is shared between "
            "optimizers, none kept per class",
            _gradient_release,
        ),
        Check(
            "zero_grad",
            "zero_grad() sets every .grad to None; zero_grad(set_to_none=False) zeroes them in "
            "place (detaching a grad that has a grad_fn first) and leaves None grads None",
            _zero_grad,
        ),
        Check(
            "sparse_grads",
            "sparse COO grads (coalesced, or uncoalesced with repeated indices in any order) "
            "are stepped as their dense equivalent grad.to_dense() is, where sparse grads are "
            "supported",
            _sparse_grads,
        ),
        Check(
            "sparse_grad_error",
            "where sparse gradients are not supported"
            + "".join(f" (with {i.description})" for i in spec.sparse_invalid_arguments)
            + f", a sparse grad makes step() raise the exception {spec.reference_name} "
            "raises, with its message",
            _sparse_grad_error,
        ),
    ]
