"""Render a :class:`Case` as a short, copy-pasteable script that replays it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .case import Case, FillLR, Grad, ParamCase, SeededValues, SparseGrad, TensorLR
from .replay import Relay
from .target import Target

__all__ = ["render_case", "render_script"]

_MAKE = '''\
def make(values, shape, stride, dtype, device=DEVICE):
    wide = torch.complex128 if dtype.is_complex else torch.float64
    exact = torch.as_tensor(values, dtype=wide).reshape(shape)
    return torch.empty_strided(shape, stride, dtype=dtype, device=device).copy_(exact)
'''
_SPARSE = '''\
def sparse(indices, values, shape, dtype, coalesce=False, device=DEVICE):
    flat = torch.tensor(indices)
    coordinates = torch.stack(torch.unravel_index(flat, shape)) if shape else torch.zeros((0, len(indices)), dtype=torch.long)
    grad = torch.sparse_coo_tensor(coordinates, torch.tensor(values, dtype=dtype), shape, device=device)
    return grad.coalesce() if coalesce else grad
'''
_SEEDED = '''\
def seeded(seed, count, period=None):
    drawn = torch.randn(period or count, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return drawn.repeat(-(-count // len(drawn)))[:count]
'''


def _value(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_value, value)) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, TensorLR):
        data = [value.value] if value.shape else value.value
        device = ", device=DEVICE" if value.on_params_device else ""
        return f"torch.tensor({data!r}{device})"
    return repr(value)


def _group(case: Case, index: int) -> str:
    group = case.groups[index]
    params = ", ".join(f"params[{i}]" for i in group.params)
    options = "".join(f", {key!r}: {_value(value)}" for key, value in group.options.items())
    return f"{{'params': [{params}]{options}}}"


def _build(expression: str, case: Case, constructor: Mapping[str, Any] | None) -> list[str]:
    given = len(case.groups) - case.added_groups
    groups = "params"
    if not case.plain_params:
        groups = "[" + ", ".join(_group(case, g) for g in range(given)) + "]"
    keywords = case.constructor if constructor is None else constructor
    arguments = "".join(f", {key}={_value(value)}" for key, value in keywords.items())
    lines = [f"optimizer = {expression}({groups}{arguments})"]
    lines += [f"optimizer.add_param_group({_group(case, g)})" for g in range(given, len(case.groups))]
    return lines


def _make(param: ParamCase, values: Any) -> str:
    device = "" if param.device is None else f", device={param.device!r}"
    spelled = (
        f"seeded({values.seed}, {values.count}{'' if values.period is None else f', {values.period}'})"
        if isinstance(values, SeededValues)
        else repr(list(values))
    )
    return f"make({spelled}, {param.shape!r}, {param.stride!r}, {param.dtype}{device})"


def _grad(param: ParamCase, grad: Grad) -> str:
    if not isinstance(grad, SparseGrad):
        return _make(param, grad)
    device = "" if param.device is None else f", device={param.device!r}"
    coalesce = ", coalesce=True" if grad.coalesce else ""
    return (
        f"sparse({list(grad.indices)!r}, {list(grad.values)!r}, {param.shape!r}, {param.dtype}"
        f"{coalesce}{device})"
    )


def _sparse(case: Case) -> bool:
    return any(isinstance(grad, SparseGrad) for step in case.grads for grad in step)


def _seeded(case: Case) -> bool:
    every = [p.values for p in case.params] + [v for step in case.grads for v in step]
    return any(isinstance(values, SeededValues) for values in every)


def _changes(case: Case, step: int) -> list[str]:
    lines = []
    for group, options in case.changes_before(step).items():
        for key, value in options.items():
            option = f"optimizer.param_groups[{group}][{key!r}]"
            if isinstance(value, FillLR) and isinstance(value.value, tuple):
                lines += [f"{option}[{i}].fill_({v!r})" for i, v in enumerate(value.value)]
            elif isinstance(value, FillLR):
                lines.append(f"{option}.fill_({value.value!r})")
            else:
                lines.append(f"{option} = {_value(value)}")
    return lines


def render_case(
    case: Case, target: Target, device: str, relay: Relay | None = None, setup: str = ""
) -> str:
    """A script replaying ``case`` on ``target``, handed over to ``relay.target`` if relayed;
    ``setup`` (e.g. ``torch.set_default_dtype(torch.float64)``) runs first."""
    imports = ["import torch", target.imports]
    if relay is not None:
        imports = ["import copy", "import io", *imports, relay.target.imports]
    lines = list(dict.fromkeys(imports)) + ["", *([setup] if setup else []), f"DEVICE = {device!r}", "", _MAKE]
    if _seeded(case):
        lines.append(_SEEDED)
    if _sparse(case):
        lines.append(_SPARSE)
    # As replay builds them: a differentiable step's params do not require grad.
    requires = "" if case.constructor.get("differentiable") else ".requires_grad_()"
    lines += [f"p{i} = {_make(param, param.values)}{requires}" for i, param in enumerate(case.params)]
    lines.append("params = [" + ", ".join(f"p{i}" for i in range(len(case.params))) + "]")
    lines += _build(target.expression, case, None)
    for step in range(1, case.steps + 1):
        lines.append(f"# step {step}")
        if relay is not None and step == relay.after_step + 1:
            lines += [
                relay.transfer_code,
                "params = [p.detach().clone().requires_grad_() for p in params]"
                if relay.dtypes is None
                else f"dtypes = [{', '.join(str(d) for d in relay.dtypes)}]\n"
                "params = [p.detach().to(d).requires_grad_() for p, d in zip(params, dtypes)]",
                *_build(relay.target.expression, case, relay.constructor),
                "optimizer.load_state_dict(state_dict)",
            ]
        lines += _changes(case, step)
        relayed = relay is not None and relay.dtypes is not None and step > relay.after_step
        for i, (param, values) in enumerate(zip(case.params, case.grads[step - 1], strict=True)):
            if relayed:
                param = dataclasses.replace(param, dtype=relay.dtypes[i])
            grad = "None" if values is None else _grad(param, values)
            lines.append(f"params[{i}].grad = {grad}")
        lines.append("optimizer.step()")
    lines += ["for i, p in enumerate(params):", "    print(i, p, getattr(optimizer, 'state', {}).get(p))"]
    return "\n".join(lines)


def render_script(target: Target, device: str, body: str) -> str:
    """A script around ``body``, in which ``Optimizer`` names the target and ``DEVICE`` the
    device."""
    header = ["import torch", target.imports, f"Optimizer = {target.expression}", f"DEVICE = {device!r}"]
    return "\n".join([*header, "", body.strip("\n")])
