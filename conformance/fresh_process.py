"""Resume a case from a checkpoint file in a new Python process, as a training job restarted
from its last checkpoint does.

A new process holds nothing the run before it left behind: no class attributes, module globals
or caches. What the resumed run needs must come through the checkpoint. The child imports the
implementation by name, loads the checkpoint with ``torch.load(weights_only=True)`` and writes
back a :class:`~conformance.replay.Snapshot` after each step it takes.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .case import Case
from .replay import BuildFailed, Checkpoint, Snapshot, resuming, snapshot_of

__all__ = ["ResumeError", "ResumeRequest", "resume_in_fresh_process", "resume_in_this_process"]

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


@dataclass(frozen=True)
class ResumeRequest:
    """A case to resume from ``checkpoint``, a file holding ``{"optimizer": its state dict,
    "params": the param values}`` saved after step ``after_step``; the snapshots read the
    spec's ``buffers`` and ``step_key``."""

    case: Case
    device: str
    checkpoint: Path
    after_step: int
    buffers: tuple[str, ...]
    step_key: str | None


def resume_in_fresh_process(
    target: str, request: ResumeRequest, timeout_s: float = RESUME_TIMEOUT_S
) -> list[Snapshot]:
    """Snapshots of the request's steps after its checkpoint, taken by ``target``
    (``MODULE:ATTR``) resumed in a new Python process.

    The process runs this module (``python -m``), not the caller's main script, with the
    caller's import path.

    Raises:
        ResumeError: the resumed run raised, died, or outlived ``timeout_s``.
    """
    checkpoint = request.checkpoint
    arguments = checkpoint.with_name(checkpoint.name + ".request")
    result = checkpoint.with_name(checkpoint.name + ".result")
    arguments.write_bytes(pickle.dumps((target, request)))
    command = [sys.executable, "-m", "conformance.fresh_process", str(arguments), str(result)]
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


def resume_in_this_process(factory: Callable[..., Any], request: ResumeRequest) -> list[Snapshot]:
    """:func:`resume_in_fresh_process` in this process, with ``factory``: for an implementation
    a fresh process cannot import by name.

    Raises:
        ResumeError: the resumed run raised.
    """
    return _resumed(lambda: factory, request)


def _resumed(load_factory: Callable[[], Callable[..., Any]], request: ResumeRequest) -> list[Snapshot]:
    from .expectations import raised

    loading = "importing the implementation and loading the checkpoint with torch.load(weights_only=True)"
    snapshots: list[Snapshot] = []
    try:
        factory = load_factory()
        saved = torch.load(request.checkpoint, weights_only=True)
        loading = ""
        loaded = Checkpoint(request.after_step, saved["optimizer"], tuple(saved["params"]))
        for stepped in resuming(request.case, factory, torch.device(request.device), loaded):
            snapshots.append(snapshot_of(stepped, request.buffers, request.step_key))
    except BuildFailed as failed:
        where = "building the optimizer anew and loading the state dict into it"
        raise ResumeError(f"{where}, it {raised(failed.error)}", type(failed.error).__name__) from failed
    except Exception as error:
        where = loading or f"during step {request.after_step + len(snapshots) + 1}"
        raise ResumeError(f"{where}, it {raised(error)}", type(error).__name__) from error
    return snapshots


def _main(arguments: str, result: str) -> None:
    target, request = pickle.loads(Path(arguments).read_bytes())
    from .target import resolve

    try:
        outcome: tuple[Any, ...] = ("resumed", _resumed(lambda: resolve(target).factory, request))
    except ResumeError as error:
        outcome = ("raised", error.problem, error.raised)
    Path(result).write_bytes(pickle.dumps(outcome))


if __name__ == "__main__":
    _main(*sys.argv[1:])
