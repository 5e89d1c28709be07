"""How much CPU other work took while a measurement ran, so a reader can discount its timing.

On a shared machine another process on "our" core stalls every OpenMP parallel region until
the descheduled thread runs again, and a busy neighbour VM shows up as stolen time. Both are
visible in the kernel's CPU accounting: the busy time of all CPUs (``/proc/stat``, steal
included) minus this process's own CPU time, over the wall time, is the number of CPUs that
other work kept busy on average. Linux only; None elsewhere.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OtherWork", "measuring_other_work"]

_PROC_STAT = Path("/proc/stat")


def _busy_cpu_seconds() -> float | None:
    """CPU seconds all CPUs have spent busy (or stolen) since boot."""
    try:
        first_line = _PROC_STAT.read_text().split("\n", 1)[0]
    except OSError:
        return None
    # cpu  user nice system idle iowait irq softirq steal guest guest_nice (clock ticks)
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, first_line.split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class OtherWork:
    """Set when the ``with`` block of :func:`measuring_other_work` ends."""

    cpus: float | None = None  # CPUs other work kept busy on average; None: unknown


@contextmanager
def measuring_other_work() -> Iterator[OtherWork]:
    """Measure how many CPUs processes other than this one kept busy during the block."""
    other_work = OtherWork()
    busy_before, own_before = _busy_cpu_seconds(), time.process_time()
    start = time.perf_counter()
    yield other_work
    wall = time.perf_counter() - start
    busy_after, own_after = _busy_cpu_seconds(), time.process_time()
    if busy_before is not None and busy_after is not None and wall > 0:
        others = (busy_after - busy_before) - (own_after - own_before)
        other_work.cpus = max(others, 0.0) / wall
