"""What a run checks, as names a worker process can rebuild it from."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checks.check import Check
    from .spec import OptimizerSpec
    from .subject import Subject

__all__ = ["Recipe", "available_checks", "subject_and_checks"]


def available_checks(spec: OptimizerSpec, distributed: bool = False) -> tuple[Check, ...]:
    """The spec's checks, plus the optional distributed ones (which spawn processes)."""
    from .checks import checks_for

    if not distributed:
        return checks_for(spec)
    from .checks import distributed as distributed_chapter

    return (*checks_for(spec), *distributed_chapter.checks(spec))


@dataclass(frozen=True)
class Recipe:
    """Everything a worker process needs to rebuild the subject: names, not objects.

    This module imports neither torch nor the checks at load, so that a worker unpickling a
    recipe imports torch only when it builds the subject (see :mod:`conformance.quiet_torch`).
    """

    target: str
    spec: str  # a shipped spec's name or MODULE:ATTR
    device: str
    profile: str
    seed: int | None
    distributed: bool = False

    def subject(self) -> Subject:
        import torch

        from .profiles import settings_for
        from .subject import Subject
        from .specs import load_spec
        from .target import resolve

        spec = load_spec(self.spec)
        settings = settings_for(self.profile)
        return Subject(resolve(self.target), spec, torch.device(self.device), settings, self.seed)


@functools.cache
def subject_and_checks(recipe: Recipe) -> tuple[Subject, dict[str, Check]]:
    """The recipe's subject and its checks by name, built once per process (in a worker)."""
    subject = recipe.subject()
    return subject, {c.name: c for c in available_checks(subject.spec, recipe.distributed)}
