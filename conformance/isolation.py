"""Run checks in worker processes, so that an implementation that hangs or crashes costs one
check, not the run.

Each worker is a spawned process that rebuilds the subject from a :class:`Recipe` and runs the
checks it is sent, one at a time. A check still running ``timeout_s`` after it was sent has its
worker killed and is reported FAILED as timed out; a worker that dies mid-check (a segfault, an
``os._exit``, the out-of-memory killer) has its check reported FAILED with the exit status. Either
way a fresh worker takes over the remaining checks. A worker that cannot even start (it dies,
or is not ready within ``START_UP_TIMEOUT_S`` or ``timeout_s``, whichever is longer) fails every
check still to run, with that reason, rather than being restarted once per check.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from .quiet_torch import import_torch
from .recipe import Recipe, subject_and_checks
from .report import CheckResult, Outcome

if TYPE_CHECKING:
    from .checks.check import Check

__all__ = ["DEFAULT_TIMEOUT_S", "START_UP_TIMEOUT_S", "run_isolated"]

# The slowest check of a compiled implementation compiles a few graphs (bf16, fp16, fp64): tens
# of seconds on a 2-core machine with a cold Inductor cache. Five minutes is far beyond that.
DEFAULT_TIMEOUT_S = 300.0
# A worker's start-up (spawning, importing torch and the target) has a limit of its own, so
# that a short per-check timeout does not fail a worker that is merely slow to import on a
# loaded machine.
START_UP_TIMEOUT_S = 120.0


@dataclass
class _Worker:
    process: Any  # a multiprocessing SpawnProcess
    connection: Connection
    ready: bool = False
    check: str | None = None  # the check it is running
    started: float = 0.0  # when it was started, or sent its check
    deadline: float = 0.0  # when that check (or, before ready, the start-up) times out


def run_isolated(
    recipe: Recipe, checks: Sequence[Check], *, workers: int, timeout_s: float
) -> list[CheckResult]:
    """Run ``checks`` in ``workers`` processes that rebuild them from ``recipe`` and are sent
    only their names; results in the order of ``checks``."""
    context = multiprocessing.get_context("spawn")
    rules = {check.name: check.rule for check in checks}
    pending = deque(rules)
    results: dict[str, CheckResult] = {}
    pool: list[_Worker] = []

    def start() -> None:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_serve, args=(recipe, child_end), daemon=False)
        process.start()
        child_end.close()
        now = time.monotonic()
        deadline = now + max(timeout_s, START_UP_TIMEOUT_S)
        pool.append(_Worker(process, parent_end, started=now, deadline=deadline))

    def fail(name: str, message: str, started: float) -> None:
        results[name] = CheckResult(
            name, Outcome.FAILED, rules[name], message, duration_s=time.monotonic() - started
        )

    def retire(worker: _Worker) -> None:
        pool.remove(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.connection.close()

    def dispatch(worker: _Worker) -> None:
        if not pending:
            worker.connection.send(None)
            retire(worker)
            return
        worker.check, worker.started = pending.popleft(), time.monotonic()
        worker.deadline = worker.started + timeout_s
        worker.connection.send(worker.check)

    def lost(worker: _Worker, why: str) -> None:
        retire(worker)
        if not worker.ready:  # start-up failed: another worker would fail the same way
            while pending:
                fail(pending.popleft(), f"not run: a worker could not start: {why}", worker.started)
            return
        assert worker.check is not None
        fail(worker.check, f"{why}, while running this check", worker.started)
        if pending:
            start()

    try:
        for _ in range(min(workers, len(pending))):
            start()
        while pool:
            connections = [w.connection for w in pool]
            sentinels = [w.process.sentinel for w in pool]
            next_deadline = min(w.deadline for w in pool)
            ready = wait(connections + sentinels, timeout=max(next_deadline - time.monotonic(), 0))
            for worker in list(pool):
                message = _receive(worker) if worker.connection in ready else None
                if message is not None:
                    kind, payload = message
                    if kind == "unusable":
                        lost(worker, payload)
                        continue
                    if kind == "result":
                        results[payload.name] = payload
                    worker.ready = True
                    dispatch(worker)
                elif worker.connection in ready or not worker.process.is_alive():
                    lost(worker, f"the worker process died ({_exit_status(worker.process.exitcode)})")
                elif time.monotonic() >= worker.deadline:
                    limit = timeout_s if worker.ready else max(timeout_s, START_UP_TIMEOUT_S)
                    lost(worker, f"it did not finish within {limit:g} s, so its worker was killed")
    finally:
        for worker in list(pool):
            retire(worker)
    return [results[name] for name in rules]


def _receive(worker: _Worker) -> tuple[str, Any] | None:
    """The worker's next message, or None if it closed its end (it is dying: wait for it)."""
    try:
        return worker.connection.recv()
    except EOFError:
        worker.process.join(timeout=10)
        return None


def _exit_status(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def _serve(recipe: Recipe, connection: Connection) -> None:
    """A worker: build the subject, say so, then run each check it is sent until told to stop.

    Messages to the parent: ``("ready", None)``, ``("result", CheckResult)``, or
    ``("unusable", why)`` when the subject cannot be built here.
    """
    import_torch()
    # Only now: running checks imports torch, which must come after import_torch.
    from .execution import run_check

    try:
        subject, checks = subject_and_checks(recipe)
    except Exception as error:
        connection.send(("unusable", f"building the subject raised {type(error).__name__}: {error}"))
        return
    connection.send(("ready", None))
    while True:
        try:
            name = connection.recv()
        except EOFError:  # the parent is gone
            return
        if name is None:
            return
        connection.send(("result", run_check(checks[name], subject)))
