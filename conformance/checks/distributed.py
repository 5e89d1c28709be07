"""Distributed: DistributedDataParallel, FSDP2 (DTensor params) and distributed checkpoints.

Optional, since it spawns processes: these checks are not among the default chapters and run
only when asked for (``--distributed``). All of an implementation's scenarios (see
:mod:`conformance.distributed_scenarios`) run once, in one group of 2 spawned gloo ranks on the
CPU whatever device the rest of the run uses, and each check reports its scenario's outcome.
"""

from __future__ import annotations

import functools
import json
import pickle
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch.distributed as dist

from ..specs.adadelta import ADADELTA
from .check import Check
from ..distributed_scenarios import SCENARIOS, WORLD_SIZE, Job, report_path, run_in_rank
from ..failures import CheckFailure, CheckSkipped
from ..spawn import SpawnError, run_in_ranks
from ..spec import OptimizerSpec
from ..subject import Subject
from ..target import Target

__all__ = ["checks", "run_distributed_checks"]


def run_distributed_checks(
    factory: Callable[..., Any],
    spec: OptimizerSpec = ADADELTA,
    *,
    names: Sequence[str] | None = None,
    timeout_s: float = 300.0,
) -> dict[str, str | None]:
    """Run the distributed checks (all, or those named) for ``factory`` in spawned gloo ranks;
    return each check's problem, or None where it passed.

    ``factory`` is pickled into the ranks, so it must be importable by name. The ranks train
    with ``spec.example_hyperparameters`` and compare state layouts with ``spec.reference``.
    ``timeout_s`` bounds the whole run; checks it cuts short report that they did not finish.

    Example::

        if __name__ == "__main__":  # the spawned ranks re-import the main module
            print(run_distributed_checks(adadelta_compiled.Adadelta))

    Raises:
        ValueError: a name in ``names`` is no distributed check's.
    """
    known = [scenario.name for scenario in SCENARIOS]
    selected = tuple(known if names is None else names)
    unknown = sorted(set(selected) - set(known))
    if unknown:
        raise ValueError(f"no distributed check is named {unknown}; they are {known}")
    with tempfile.TemporaryDirectory(prefix="conformance-distributed-") as workdir:
        job = Job(
            factory,
            spec.reference,
            spec.reference_name,
            dict(spec.example_hyperparameters),
            spec.tensor_lr,
            selected,
            Path(workdir),
        )
        failure = "it exited without reporting it"
        try:
            run_in_ranks(run_in_rank, (job,), world_size=WORLD_SIZE, timeout_s=timeout_s)
        except SpawnError as error:
            failure = str(error)
        reports = []
        for rank in range(WORLD_SIZE):
            path = report_path(job.workdir, rank)
            reports.append(json.loads(path.read_text()) if path.exists() else {})
    return {name: _problem(name, reports, failure) for name in selected}


def _problem(name: str, reports: Sequence[Mapping[str, str | None]], failure: str) -> str | None:
    """The first rank's problem with a check, or that a rank never finished it."""
    for rank, report in enumerate(reports):
        if name not in report:
            return f"rank {rank} did not finish this check: {failure}"
        if report[name] is not None:
            return f"rank {rank}: {report[name]}"
    return None


# An implementation's checks all run in one spawned group, the first time one of them runs:
# {(factory, spec name): {check name: problem or None}}.
_problems: dict[tuple[Callable[..., Any], str], dict[str, str | None]] = {}


def _snippet(target: Target, name: str) -> str:
    return (
        f"{target.imports}\n"
        "from conformance.checks.distributed import run_distributed_checks\n\n"
        'if __name__ == "__main__":  # the spawned ranks re-import this script\n'
        f"    print(run_distributed_checks({target.expression}, names=[{name!r}])[{name!r}])\n"
    )


def _check(name: str, subject: Subject) -> None:
    if not dist.is_gloo_available():
        raise CheckSkipped("needs torch.distributed's gloo backend, which this torch build lacks")
    # The ranks build the implementation with every hyperparameter given: its own constructor.
    factory = subject.target.factory
    try:
        pickle.dumps(factory)
    except Exception as error:
        raise CheckSkipped(
            f"the ranks are spawned processes, which get the factory by pickling, and "
            f"{subject.target.name} cannot be pickled ({error}): make it importable by name"
        ) from error
    key = (factory, subject.spec.name)
    if key not in _problems:
        _problems[key] = run_distributed_checks(factory, subject.spec)
    problem = _problems[key][name]
    if problem is not None:
        raise CheckFailure(problem, _snippet(subject.target, name))


def checks(spec: OptimizerSpec) -> list[Check]:
    """The distributed checks, in report order."""
    return [
        Check(scenario.name, scenario.rule, functools.partial(_check, scenario.name))
        for scenario in SCENARIOS
    ]
