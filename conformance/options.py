"""Which options an implementation's constructor takes, and what a check passes it.

Found by trying: each option of the spec (and each of torch's implementation flags) is passed
alone at torch's default value, with ``lr``; a ``TypeError`` means the constructor does not take
it. A signature cannot tell this for wrappers and ``**kwargs`` adapters; trying can.

A check passes the options its rule is about, plus ``lr`` (always, so that a class whose lr is
required or has another default is judged on that by ``constructor_defaults`` alone). Any
other option is left out where the constructor's signature states torch's default for it, and
pinned to torch's default otherwise. An option the constructor does not take is left out at
torch's default; a check that needs it at another value reports :class:`MissingOption`, which
the check about that option owns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from .failures import MissingOption
from .spec import OptimizerSpec

__all__ = ["FLAGS", "Options"]

# torch's implementation flags and their defaults, for the specs whose reference takes them.
FLAGS: Mapping[str, Any] = {"foreach": None, "capturable": False, "differentiable": False, "fused": None}


def _signature_defaults(factory: Callable[..., Any]) -> dict[str, Any]:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _same(value: Any, default: Any) -> bool:
    plain = (bool, int, float, tuple, type(None))
    return isinstance(value, plain) and isinstance(default, plain) and value == default


@dataclass(frozen=True)
class Options:
    """The options an implementation takes, and how a check's options are fitted to them.

    Attributes:
        spec: the spec whose options these are.
        taken: the options the constructor takes (``lr`` included where it does).
        stated: the defaults the constructor's signature states, by name.
        name: the implementation's name, for messages.
    """

    spec: OptimizerSpec
    taken: frozenset[str]
    stated: Mapping[str, Any]
    name: str

    @classmethod
    def probe(cls, factory: Callable[..., Any], spec: OptimizerSpec, name: str, device: torch.device) -> Options:
        """Try each option on ``factory`` over one param on ``device``."""
        param = torch.zeros(2, device=device, requires_grad=True)
        defaults = {**spec.defaults, **{k: v for k, v in FLAGS.items() if k in spec.capabilities or k == "fused"}}
        lr = {"lr": spec.defaults["lr"]} if "lr" in spec.defaults else {}

        def takes(options: Mapping[str, Any]) -> bool:
            try:
                factory([param], **options)
            except TypeError:
                return False
            except Exception:  # it took the keyword and objected to something else
                return True
            return True

        if lr and not takes(lr):
            lr = {}
        taken = {key for key, value in defaults.items() if key != "lr" and takes({**lr, key: value})}
        return cls(spec, frozenset(taken | set(lr)), _signature_defaults(factory), name)

    def takes(self, key: str) -> bool:
        return key in self.taken

    def owner(self, key: str) -> tuple[str, ...]:
        """The check that reports a missing option: the scenario named after it, else the
        scenario of the base update rule."""
        names = [s.name for s in self.spec.scenarios]
        if key in names:
            return (key,)
        return (names[0],) if names else ()

    def taken_of(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` without those the constructor does not take."""
        return {key: value for key, value in options.items() if key in self.taken}

    def fitted(self, options: Mapping[str, Any], *, constructor: bool) -> dict[str, Any]:
        """``options`` as passed to the implementation: at torch's default and not taken, left
        out; for a constructor call, ``lr`` added and options the signature does not state at
        torch's default pinned to it.

        Raises:
            MissingOption: an option the constructor does not take, at another value.
        """
        fitted: dict[str, Any] = {}
        for key, value in options.items():
            if key in self.taken:
                fitted[key] = value
            elif key not in self.spec.defaults and key not in FLAGS:
                fitted[key] = value
            elif not _same(value, self.spec.defaults.get(key, FLAGS.get(key))):
                raise MissingOption(
                    f"{self.name} does not take the option {key!r}, which this rule needs "
                    f"({key}={value!r}; {self.spec.reference_name} takes it)",
                    relies_on=self.owner(key),
                )
        if not constructor:
            return fitted
        for key, default in self.spec.defaults.items():
            if key in fitted or key not in self.taken:
                continue
            if key == "lr" or key not in self.stated or not _same(self.stated[key], default):
                fitted[key] = default
        return fitted
