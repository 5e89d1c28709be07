"""Hooks: step pre/post hooks, state_dict and load_state_dict pre/post hooks."""

from __future__ import annotations

from typing import Any

import torch

from .check import Check
from ..expectations import expect
from ..snippet import render_script
from ..spec import OptimizerSpec
from ..subject import Subject

__all__ = ["checks"]


def _step_hooks(subject: Subject) -> None:
    param = torch.ones(3, device=subject.device, requires_grad=True)
    optimizer = subject.factory([param])
    events: list[tuple[str, bool, torch.Tensor]] = []

    def hook(name: str) -> Any:
        return lambda opt, args, kwargs: events.append((name, opt is optimizer, param.detach().clone()))

    first = optimizer.register_step_pre_hook(hook("pre hook 1"))
    optimizer.register_step_pre_hook(hook("pre hook 2"))
    optimizer.register_step_post_hook(hook("post hook"))
    snippet = render_script(
        subject.target,
        str(subject.device),
        """
param = torch.ones(3, device=DEVICE, requires_grad=True)
optimizer = Optimizer([param])
hook = lambda name: lambda opt, args, kwargs: print(name, opt is optimizer, param)
first = optimizer.register_step_pre_hook(hook("pre hook 1"))
optimizer.register_step_pre_hook(hook("pre hook 2"))
optimizer.register_step_post_hook(hook("post hook"))
param.grad = torch.ones_like(param)
optimizer.step()
first.remove()
optimizer.step()
""",
    )
    before = param.detach().clone()
    param.grad = torch.ones_like(param)
    optimizer.step()
    order = [name for name, _, _ in events]
    expected = ["pre hook 1", "pre hook 2", "post hook"]
    expect(order == expected, f"step() called hooks {order}, expected {expected}", snippet)
    expect(all(given for _, given, _ in events), "a hook did not receive the optimizer", snippet)
    saw_before = [name for name, _, seen in events if torch.equal(seen, before)]
    expect(
        saw_before == expected[:2],
        f"hooks that saw the param before the update: {saw_before}, expected {expected[:2]} "
        "(pre hooks run before the step, post hooks after)",
        snippet,
    )
    first.remove()
    events.clear()
    optimizer.step()
    order = [name for name, _, _ in events]
    expect(
        order == expected[1:],
        f"after removing pre hook 1, step() called {order}, expected {expected[1:]}",
        snippet,
    )


def _state_dict_hooks(subject: Subject) -> None:
    param = torch.ones(3, device=subject.device, requires_grad=True)
    optimizer = subject.factory([param])
    events: list[tuple[str, bool]] = []

    def mark(state_dict: dict[str, Any]) -> None:
        state_dict["marked by post hook"] = True

    optimizer.register_state_dict_pre_hook(lambda opt: events.append(("state_dict pre", opt is optimizer)))
    optimizer.register_state_dict_post_hook(
        lambda opt, sd: events.append(("state_dict post", opt is optimizer)) or mark(sd)
    )
    optimizer.register_load_state_dict_pre_hook(
        lambda opt, sd: events.append(("load_state_dict pre", opt is optimizer and "state" in sd))
    )
    optimizer.register_load_state_dict_post_hook(
        lambda opt: events.append(("load_state_dict post", opt is optimizer))
    )
    snippet = render_script(
        subject.target,
        str(subject.device),
        """
param = torch.ones(3, device=DEVICE, requires_grad=True)
optimizer = Optimizer([param])
optimizer.register_state_dict_pre_hook(lambda opt: print("state_dict pre"))
optimizer.register_state_dict_post_hook(lambda opt, sd: print("state_dict post"))
optimizer.register_load_state_dict_pre_hook(lambda opt, sd: print("load_state_dict pre"))
optimizer.register_load_state_dict_post_hook(lambda opt: print("load_state_dict post"))
param.grad = torch.ones_like(param)
optimizer.step()
optimizer.load_state_dict(optimizer.state_dict())
""",
    )
    param.grad = torch.ones_like(param)
    optimizer.step()
    state_dict = optimizer.state_dict()
    expect(
        state_dict.get("marked by post hook") is True,
        "the state dict returned by state_dict() lacks what its post hook added",
        snippet,
    )
    del state_dict["marked by post hook"]
    optimizer.load_state_dict(state_dict)
    order = [name for name, _ in events]
    expected = ["state_dict pre", "state_dict post", "load_state_dict pre", "load_state_dict post"]
    expect(order == expected, f"hooks were called {order}, expected {expected}", snippet)
    wrong = [name for name, given in events if not given]
    expect(not wrong, f"hooks {wrong} did not receive the optimizer (and state dict)", snippet)


def checks(spec: OptimizerSpec) -> list[Check]:
    return [
        Check(
            "step_hooks",
            "step() calls the step pre hooks, in registration order, before updating, then the "
            "post hooks; each receives the optimizer; a removed hook is no longer called",
            _step_hooks,
        ),
        Check(
            "state_dict_hooks",
            "state_dict() calls its pre hooks then its post hooks (which may modify the dict); "
            "load_state_dict() calls its pre hooks then its post hooks; each receives the "
            "optimizer",
            _state_dict_hooks,
        ),
    ]
