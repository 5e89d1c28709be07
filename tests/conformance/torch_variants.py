"""torch.optim's own classes on each of their code paths, as conformance targets.

``variant(spec_name, path)`` is a factory with the reference's constructor that builds the
spec's reference on one path: ``for_loop`` (``foreach=False``), ``foreach`` (``foreach=True``),
``fused`` (``fused=True``, where the reference has a fused path) or ``compiled`` (the default
path, with ``optimizer.step = torch.compile(optimizer.step)``, as users compile a step).

``_foreach`` and fused ops do not support autograd, so with ``differentiable=True`` torch itself
rejects those paths; the factories then take the for-loop path, as torch does by default.

Each factory is also a module attribute named ``<spec>_<path>`` (``adamw_fused``), so reports
and snippets import it as ``torch_variants:adamw_fused``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from conformance.specs import SPECS, load_spec

__all__ = ["PATHS", "paths_of", "variant"]

PATHS = ("for_loop", "foreach", "fused", "compiled")


def paths_of(spec_name: str) -> tuple[str, ...]:
    """The paths the spec's reference has on the CPU."""
    fused = "fused" in load_spec(spec_name).capabilities
    return tuple(path for path in PATHS if path != "fused" or fused)


def _flags(path: str, options: dict[str, Any]) -> dict[str, Any]:
    # A call choosing foreach or fused itself (validation of the flags) keeps its choice.
    if path == "compiled" or options.get("differentiable") or {"foreach", "fused"} & options.keys():
        return {}
    return {"for_loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}[path]


def variant(spec_name: str, path: str) -> Callable[..., torch.optim.Optimizer]:
    """The spec's reference on ``path`` (one of :data:`PATHS`), as a factory."""
    reference = load_spec(spec_name).reference

    def factory(params: Any, *args: Any, **kwargs: Any) -> torch.optim.Optimizer:
        flags = _flags(path, kwargs)
        optimizer = reference(params, *args, **{**kwargs, **flags})
        if path == "compiled":
            optimizer.step = torch.compile(optimizer.step)  # type: ignore[method-assign]
        return optimizer

    name = f"{spec_name}_{path}"
    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = __name__
    factory.__doc__ = f"{load_spec(spec_name).reference_name} on its {path} path."
    return factory


globals().update(
    {f"{name}_{path}": variant(name, path) for name in SPECS for path in paths_of(name)}
)
