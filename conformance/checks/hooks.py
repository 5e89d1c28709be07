"""Hooks: step pre/post hooks, state_dict and load_state_dict pre/post hooks; that they are
called, and that what they do or return takes effect."""

from __future__ import annotations

from typing import Any

import torch
from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

from ..case import Case, GroupCase, ParamCase, Values
from .check import Check
from ..comparison import OracleComparison
from ..examples import example_param, example_values
from ..expectations import expect, relied_on
from ..failures import OracleMismatch
from ..oracle import run_oracle
from ..replay import Stepped, build_param, snapshot
from ..snippet import render_script
from ..spec import OptimizerSpec
from ..subject import Subject
from ..surface import groups_in, groups_of

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


def _one_step_case(param_case: ParamCase, grad: Values, constructor: dict[str, Any]) -> Case:
    return Case((param_case,), (GroupCase((0,)),), ((grad,),), constructor)


def _expect_one_step(
    subject: Subject, case: Case, optimizer: Any, param: torch.Tensor, what: str, snippet: str
) -> None:
    stepped = Stepped(1, optimizer, [param], [param.grad])
    comparison = OracleComparison(case, subject.spec, run_oracle(case, subject.spec))
    problem = comparison.mismatch(1, snapshot(stepped, subject.spec))
    if problem is not None:
        # Compared with the oracle: the observation relies on the update math of the options used.
        raise OracleMismatch(f"{what}: {problem}", snippet, relied_on(case, subject.spec))


def _pre_hook_changes_the_step(subject: Subject) -> None:
    spec = subject.spec
    param_case = example_param((2, 3), seed=1)
    grad = example_values((2, 3), torch.float32, seed=2)
    constructor = subject.base_of(spec.example_hyperparameters)
    param = build_param(param_case, subject.device).requires_grad_()
    optimizer = subject.factory([param], **constructor)
    new_lr = 0.125

    def rescale(opt: Any, args: Any, kwargs: Any) -> None:
        for group in groups_of(opt):
            group["lr"] = new_lr
            for p in group["params"]:
                p.grad.mul_(0.5)

    optimizer.register_step_pre_hook(rescale)
    param.grad = build_param(param_case, subject.device, grad)
    snippet = render_script(
        subject.target,
        str(subject.device),
        f"""
param = torch.tensor({list(param_case.values)!r}, device=DEVICE).reshape(2, 3).requires_grad_()
optimizer = Optimizer([param], **{constructor!r})
def rescale(opt, args, kwargs):
    for group in opt.param_groups:
        group["lr"] = {new_lr!r}
        for p in group["params"]:
            p.grad.mul_(0.5)
optimizer.register_step_pre_hook(rescale)
param.grad = torch.tensor({list(grad)!r}, device=DEVICE).reshape(2, 3)
optimizer.step()
print(param)  # expected: one step with half the grad and lr={new_lr!r}
""",
    )
    optimizer.step()
    halved = tuple(0.5 * g for g in grad)
    case = _one_step_case(param_case, halved, {**constructor, "lr": new_lr})
    what = "a step pre hook halved the grads and set lr, yet the step did not follow them"
    _expect_one_step(subject, case, optimizer, param, what, snippet)


def _pre_hook_replaces_arguments(subject: Subject) -> None:
    param = torch.ones(3, device=subject.device, requires_grad=True)
    optimizer = subject.factory([param])
    losses: list[torch.Tensor] = []

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        losses.append(loss)
        return loss

    optimizer.register_step_pre_hook(lambda opt, args, kwargs: (args, {"closure": closure}))
    snippet = render_script(
        subject.target,
        str(subject.device),
        """
param = torch.ones(3, device=DEVICE, requires_grad=True)
optimizer = Optimizer([param])
def closure():
    optimizer.zero_grad()
    loss = (param * param).sum()
    loss.backward()
    return loss
optimizer.register_step_pre_hook(lambda opt, args, kwargs: (args, {"closure": closure}))
print(optimizer.step())  # expected: the closure's loss, the closure called once
""",
    )
    returned = optimizer.step()
    expect(
        len(losses) == 1 and returned is losses[0],
        f"a step pre hook returned new (args, kwargs) holding a closure, yet step() called it "
        f"{len(losses)} times and returned {returned!r}: the hook's arguments replace step()'s",
        snippet,
    )


def _global_hooks_order(subject: Subject) -> None:
    param = torch.ones(3, device=subject.device, requires_grad=True)
    optimizer = subject.factory([param])
    order: list[str] = []

    def hook(name: str) -> Any:
        return lambda opt, args, kwargs: order.append(name)

    handles = [
        register_optimizer_step_pre_hook(hook("global pre hook")),
        optimizer.register_step_pre_hook(hook("pre hook")),
        optimizer.register_step_post_hook(hook("post hook")),
        register_optimizer_step_post_hook(hook("global post hook")),
    ]
    snippet = render_script(
        subject.target,
        str(subject.device),
        """
from torch.optim.optimizer import register_optimizer_step_pre_hook, register_optimizer_step_post_hook
param = torch.ones(3, device=DEVICE, requires_grad=True)
optimizer = Optimizer([param])
hook = lambda name: lambda opt, args, kwargs: print(name)
register_optimizer_step_pre_hook(hook("global pre hook"))
optimizer.register_step_pre_hook(hook("pre hook"))
optimizer.register_step_post_hook(hook("post hook"))
register_optimizer_step_post_hook(hook("global post hook"))
param.grad = torch.ones_like(param)
optimizer.step()
""",
    )
    try:
        param.grad = torch.ones_like(param)
        optimizer.step()
    finally:
        for handle in handles:
            handle.remove()
    expected = ["global pre hook", "pre hook", "post hook", "global post hook"]
    expect(order == expected, f"step() called hooks {order}, expected {expected}", snippet)


def _step_hooks_act(subject: Subject) -> None:
    _pre_hook_changes_the_step(subject)
    _pre_hook_replaces_arguments(subject)
    _global_hooks_order(subject)


def _state_dict_hooks_act(subject: Subject) -> None:
    param = torch.ones(3, device=subject.device, requires_grad=True)
    optimizer = subject.factory([param])
    order: list[str] = []
    loaded_lr = 0.125

    def replace_lr(opt: Any, state_dict: dict[str, Any]) -> dict[str, Any]:
        order.append("load pre hook")
        groups = [{**group, "lr": loaded_lr} for group in groups_in(state_dict)]
        return {**state_dict, "param_groups": groups}

    optimizer.register_state_dict_pre_hook(lambda opt: order.append("pre hook"))
    optimizer.register_state_dict_pre_hook(lambda opt: order.append("prepended pre hook"), prepend=True)
    optimizer.register_state_dict_post_hook(lambda opt, sd: {**sd, "returned by post hook": True})
    optimizer.register_load_state_dict_pre_hook(replace_lr)
    optimizer.register_load_state_dict_pre_hook(
        lambda opt, sd: order.append("prepended load pre hook"), prepend=True
    )
    snippet = render_script(
        subject.target,
        str(subject.device),
        f"""
param = torch.ones(3, device=DEVICE, requires_grad=True)
optimizer = Optimizer([param])
optimizer.register_state_dict_pre_hook(lambda opt: print("pre hook"))
optimizer.register_state_dict_pre_hook(lambda opt: print("prepended pre hook"), prepend=True)
optimizer.register_state_dict_post_hook(lambda opt, sd: {{**sd, "returned by post hook": True}})
def replace_lr(opt, state_dict):
    print("load pre hook")
    groups = [{{**group, "lr": {loaded_lr!r}}} for group in state_dict["param_groups"]]
    return {{**state_dict, "param_groups": groups}}
optimizer.register_load_state_dict_pre_hook(replace_lr)
optimizer.register_load_state_dict_pre_hook(lambda opt, sd: print("prepended load pre hook"), prepend=True)
state_dict = optimizer.state_dict()
print("returned by post hook" in state_dict)
del state_dict["returned by post hook"]
optimizer.load_state_dict(state_dict)
print(optimizer.param_groups[0]["lr"])  # expected: {loaded_lr!r}
""",
    )
    state_dict = optimizer.state_dict()
    expect(
        state_dict.get("returned by post hook") is True,
        "state_dict() did not return the dict its post hook returned",
        snippet,
    )
    del state_dict["returned by post hook"]
    optimizer.load_state_dict(state_dict)
    expected = ["prepended pre hook", "pre hook", "prepended load pre hook", "load pre hook"]
    expect(
        order == expected,
        f"hooks were called {order}, expected {expected} (prepend=True puts a hook first)",
        snippet,
    )
    lr = groups_of(optimizer)[0]["lr"]
    expect(
        lr == loaded_lr,
        f"a load_state_dict pre hook returned a state dict with lr={loaded_lr!r}, yet "
        f"param_groups[0]['lr'] is {lr!r} after loading: the returned dict is the one loaded",
        snippet,
    )


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
        Check(
            "step_hooks_act",
            "what a step pre hook does takes effect in that step (grads rescaled in place, lr "
            "changed); (args, kwargs) a pre hook returns replace step()'s; global hooks "
            "(torch.optim.optimizer.register_optimizer_step_pre_hook / _post_hook) run before "
            "the optimizer's pre hooks and after its post hooks",
            _step_hooks_act,
        ),
        Check(
            "state_dict_hooks_act",
            "a dict returned by a state_dict post hook is what state_dict() returns; a dict "
            "returned by a load_state_dict pre hook is what gets loaded; hooks registered with "
            "prepend=True run before the others",
            _state_dict_hooks_act,
        ),
    ]
