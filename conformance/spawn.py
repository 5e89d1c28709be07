"""Run a function in freshly spawned processes joined in one gloo process group.

Rendezvous is a file in a temporary directory (no network), and the whole run is bounded by a
timeout: a rank that hangs (e.g. in a collective its peer never reaches) is killed rather than
holding the caller forever. Children inherit the parent's environment, so a shared
``TORCHINDUCTOR_CACHE_DIR`` spares each rank most of its compile time.
"""

from __future__ import annotations

import datetime
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch.distributed as dist
import torch.multiprocessing as mp

__all__ = ["SpawnError", "run_in_ranks"]

# A rank waiting this long in one collective is taken to wait for a peer that failed.
COLLECTIVE_TIMEOUT = datetime.timedelta(seconds=60)


class SpawnError(RuntimeError):
    """A rank raised, died, or the run outlived its timeout; the message says which."""


def run_in_ranks(
    function: Callable[..., None],
    args: tuple[Any, ...] = (),
    *,
    world_size: int = 2,
    timeout_s: float = 300.0,
) -> None:
    """Call ``function(rank, world_size, *args)`` in ``world_size`` spawned processes, each in
    a gloo process group of them all; return once every rank has returned.

    ``function`` and ``args`` are pickled into the children, so ``function`` must be importable
    by name. The process group is destroyed after ``function`` returns, unless it did so itself.

    Raises:
        SpawnError: a rank raised or exited abnormally, or ``timeout_s`` passed first.
    """
    with tempfile.TemporaryDirectory(prefix="conformance-rendezvous-") as directory:
        rendezvous = f"file://{Path(directory) / 'store'}"
        context = mp.start_processes(
            _rank_main,
            args=(function, world_size, rendezvous, args),
            nprocs=world_size,
            join=False,
            start_method="spawn",
        )
        deadline = time.monotonic() + timeout_s
        try:
            while not context.join(timeout=max(deadline - time.monotonic(), 0.0)):
                if time.monotonic() >= deadline:
                    raise SpawnError(
                        f"{world_size} ranks of {function.__qualname__} did not finish within "
                        f"{timeout_s:.0f} s"
                    )
        except (mp.ProcessRaisedException, mp.ProcessExitedException) as error:
            raise SpawnError(str(error)) from error
        finally:
            for process in context.processes:
                if process.is_alive():
                    process.kill()
                    process.join()


def _rank_main(
    rank: int,
    function: Callable[..., None],
    world_size: int,
    rendezvous: str,
    args: tuple[Any, ...],
) -> None:
    dist.init_process_group(
        "gloo",
        init_method=rendezvous,
        rank=rank,
        world_size=world_size,
        timeout=COLLECTIVE_TIMEOUT,
    )
    try:
        function(rank, world_size, *args)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
