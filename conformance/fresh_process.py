"""Resume a case from a checkpoint file in a freshly spawned Python process, as a training job
restarted from its last checkpoint does.

A fresh process holds nothing the run before it left behind: no class attributes, module
globals or caches. What the resumed run needs must come through the checkpoint. The child
imports the implementation by name, loads the checkpoint with ``torch.load(weights_only=True)``
and sends back a :class:`~conformance.replay.Snapshot` after each step it takes.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from .case import Case
from .replay import Checkpoint, ResumeFailed, Snapshot, resuming, snapshot_of

__all__ = ["ResumeError", "resume_in_fresh_process", "resume_in_this_process"]

# Spawning, importing torch and the implementation, and (for a compiled one) loading its
# kernels from the on-disk cache take seconds; a resumed run of a few steps, no more.
RESUME_TIMEOUT_S = 240.0


class ResumeError(Exception):
    """The resumed run raised or died.

    Attributes:
        problem: what happened, one line (where, and what was raised).
        raised: the type name of what the implementation raised; "" if it died or timed out.
    """

    def __init__(self, problem: str, raised: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.raised = raised


def resume_in_fresh_process(
    target: str,
    case: Case,
    device: torch.device,
    checkpoint: Path,
    after_step: int,
    buffers: Sequence[str],
    step_key: str | None,
    timeout_s: float = RESUME_TIMEOUT_S,
) -> list[Snapshot]:
    """Snapshots of ``case``'s steps after ``after_step``, taken by ``target`` (``MODULE:ATTR``)
    resumed in a new Python process from ``checkpoint`` (a file holding ``{"optimizer": its
    state dict, "params": the param values}``).

    The process runs this module (``python -m``), not the caller's main script, with the
    caller's ``sys.path``.

    Raises:
        ResumeError: the resumed run raised, died, or outlived ``timeout_s``.
    """
    request = checkpoint.with_name(checkpoint.name + ".request")
    result = checkpoint.with_name(checkpoint.name + ".result")
    arguments = (target, case, str(device), str(checkpoint), after_step, tuple(buffers), step_key)
    request.write_bytes(pickle.dumps(arguments))
    command = [sys.executable, "-m", "conformance.fresh_process", str(request), str(result)]
    # The caller's import path, so that what it imports (test modules included) imports there.
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False, env=environment
        )
    except subprocess.TimeoutExpired:
        raise ResumeError(f"the resumed process did not finish within {timeout_s:.0f} s") from None
    if not result.exists():
        last = (finished.stderr.strip().splitlines() or ["no output"])[-1]
        raise ResumeError(f"the resumed process died (exit code {finished.returncode}: {last})")
    outcome = pickle.loads(result.read_bytes())
    if outcome[0] == "raised":
        _, problem, raised = outcome
        raise ResumeError(problem, raised)
    return list(outcome[1])


def resume_in_this_process(
    factory: Callable[..., Any],
    case: Case,
    device: torch.device,
    checkpoint: Path,
    after_step: int,
    buffers: Sequence[str],
    step_key: str | None,
) -> list[Snapshot]:
    """:func:`resume_in_fresh_process` in this process, with ``factory``: for an implementation
    a fresh process cannot import by name.

    Raises:
        ResumeError: the resumed run raised.
    """
    return _resumed(lambda: factory, case, device, checkpoint, after_step, buffers, step_key)


def _resumed(
    load_factory: Callable[[], Callable[..., Any]],
    case: Case,
    device: torch.device,
    checkpoint: Path,
    after_step: int,
    buffers: Sequence[str],
    step_key: str | None,
) -> list[Snapshot]:
    from .expectations import raised

    loading = "importing the implementation and loading the checkpoint with torch.load(weights_only=True)"
    snapshots: list[Snapshot] = []
    try:
        factory = load_factory()
        saved = torch.load(checkpoint, weights_only=True)
        loading = ""
        loaded = Checkpoint(after_step, saved["optimizer"], tuple(saved["params"]))
        for stepped in resuming(case, factory, device, loaded):
            snapshots.append(snapshot_of(stepped, buffers, step_key))
    except ResumeFailed as failed:
        where = "building the optimizer anew and loading the state dict into it"
        raise ResumeError(f"{where}, it {raised(failed.error)}", type(failed.error).__name__) from failed
    except Exception as error:
        where = loading or f"during step {after_step + len(snapshots) + 1}"
        raise ResumeError(f"{where}, it {raised(error)}", type(error).__name__) from error
    return snapshots


def _main(request: str, result: str) -> None:
    target, case, device, checkpoint, after_step, buffers, step_key = pickle.loads(Path(request).read_bytes())
    from .target import resolve

    try:
        snapshots = _resumed(
            lambda: resolve(target).factory, case, torch.device(device), Path(checkpoint), after_step, buffers, step_key
        )
        outcome: tuple[Any, ...] = ("resumed", snapshots)
    except ResumeError as error:
        outcome = ("raised", error.problem, error.raised)
    Path(result).write_bytes(pickle.dumps(outcome))


if __name__ == "__main__":
    _main(*sys.argv[1:])
