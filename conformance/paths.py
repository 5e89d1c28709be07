"""torch's own paths as witnesses: a value one of them produces for the same inputs passes.

The float64 oracle's tolerance covers rounding, not the choices torch itself makes on some of
its paths (Adam's bias correction from a float32 step counter under ``differentiable=True``,
another order of operations under ``foreach``). When an implementation's values leave the
oracle's tolerance, the reference is stepped through the same case on each path it has; if the
implementation's values are within the same tolerance of one path's, they pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import torch
from torch.optim import Optimizer

from .comparison import within_bounds
from .options import FLAGS
from .replay import Snapshot, snapshot, stepping

if TYPE_CHECKING:
    from .case import Case
    from .comparison import OracleComparison
    from .spec import OptimizerSpec
    from .subject import Subject

__all__ = ["reference_paths", "torch_paths_agree"]


def reference_paths(spec: OptimizerSpec) -> list[dict[str, Any]]:
    """The flags that select each of the reference's paths besides its default."""
    paths: list[dict[str, Any]] = []
    if "foreach" in spec.capabilities:
        paths += [{"foreach": False}, {"foreach": True}]
    if "differentiable" in spec.capabilities:
        paths.append({"differentiable": True})
    if "fused" in spec.capabilities:
        paths.append({"fused": True})
    return paths


def _on_path(reference: Callable[..., Optimizer], flags: Mapping[str, Any]) -> Callable[..., Optimizer]:
    def build(params: Any, *args: Any, **kwargs: Any) -> Optimizer:
        # The witness's own path, not the one the case drew for the implementation.
        options = {key: value for key, value in kwargs.items() if key not in FLAGS}
        optimizer = reference(params, *args, **{**options, **flags})
        if flags.get("differentiable"):
            # Its step runs with grad enabled: on params that do not require grad, as when
            # it steps the non-leaf params of a meta-learning loop.
            for group in optimizer.param_groups:
                for param in group["params"]:
                    param.requires_grad_(False)
        return optimizer

    return build


def _path_snapshot(subject: Subject, case: Case, step: int, flags: Mapping[str, Any]) -> Snapshot | None:
    try:
        for stepped in stepping(case, _on_path(subject.spec.reference, flags), subject.device):
            if stepped.step == step:
                return snapshot(stepped, subject.spec)
    except Exception:  # the path does not take this case (fused with complex params, ...)
        return None
    return None


def _agree(actual: Snapshot, witness: Snapshot, bounds: Snapshot, judge_state: bool) -> bool:
    params = all(
        within_bounds(w, a, b)
        for a, w, b in zip(actual.params, witness.params, bounds.params, strict=True)
    )
    if not params or not judge_state:
        return params
    for mine, theirs, bound in zip(actual.buffers, witness.buffers, bounds.buffers, strict=True):
        for key, value in (theirs or {}).items():
            if mine is None or key not in mine or not within_bounds(value, mine[key], (bound or {})[key]):
                return False
    return True


def torch_paths_agree(
    subject: Subject, case: Case, step: int, actual: Snapshot, comparison: OracleComparison
) -> bool:
    """Whether ``actual`` (after 1-based ``step`` of ``case``) is within the oracle's tolerance
    of the values one of the reference's paths produces."""
    bounds = comparison.oracle.bounds(step)
    with torch.random.fork_rng(devices=[]):
        for flags in reference_paths(subject.spec):
            witness = _path_snapshot(subject, case, step, flags)
            if witness is not None and _agree(actual, witness, bounds, comparison.judge_state):
                return True
    return False
