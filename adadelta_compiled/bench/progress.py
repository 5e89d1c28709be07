"""Progress on stderr while a run goes: one line per measurement, numbered, with its duration.

On a terminal the line of the measurement under way is rewritten in place when it ends; into
a file or a pipe, its start and its end are two plain lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

__all__ = ["Progress", "Task"]


@dataclass
class Task:
    """A measurement under way; set ``outcome`` to say how it ended (default "done")."""

    outcome: str = "done"


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        self.live = self.stream.isatty()

    def note(self, message: str) -> None:
        """A line that is not a numbered measurement."""
        print(message, file=self.stream, flush=True)

    @contextmanager
    def task(self, label: str) -> Iterator[Task]:
        """Announce the next measurement, run the ``with`` block, then report how it ended."""
        self.done += 1
        prefix = f"[{self.done}/{self.total}] {label}"
        print(f"{prefix} ...", end="" if self.live else "\n", file=self.stream, flush=True)
        task = Task()
        start = time.perf_counter()
        try:
            yield task
        except BaseException:
            task.outcome = "failed"
            raise
        finally:
            elapsed = time.perf_counter() - start
            ending = f"{prefix}: {task.outcome} ({elapsed:.1f} s)"
            print(f"\r\033[K{ending}" if self.live else ending, file=self.stream, flush=True)
