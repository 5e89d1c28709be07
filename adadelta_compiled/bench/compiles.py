"""Counting what torch.compile does while steps run: graphs compiled and Dynamo recompiles.

Graphs are ``torch._dynamo.utils.counters["stats"]["unique_graphs"]``. Dynamo keeps no
recompile counter, so recompiles are counted from its ``recompiles`` log artifact: one
"Recompiling function ..." record each time a compiled frame's guards fail and it is compiled
again (or the recompile limit is hit). Counts are per process, so a trial counts in a fresh one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch._dynamo.utils import counters

__all__ = ["CompileCount", "CompileCounter", "counting_compiles"]

# The logger behind torch._logging.getArtifactLogger("torch._dynamo.guards", "recompiles").
_RECOMPILES_LOGGER = "torch._dynamo.guards.__recompiles"


@dataclass
class CompileCount:
    """Graphs and recompiles over ``steps`` steps; "first step" is the one that may compile."""

    steps: int
    graphs: int
    graphs_first_step: int
    recompiles: int
    first_recompile_reason: str | None = None

    @property
    def compiles_after_first_step(self) -> bool:
        return self.recompiles > 0 or self.graphs > self.graphs_first_step


@dataclass
class CompileCounter:
    """Live counts while :func:`counting_compiles` is active."""

    recompile_messages: list[str] = field(default_factory=list)
    _graphs_at_start: int = 0

    @property
    def graphs(self) -> int:
        return counters["stats"]["unique_graphs"] - self._graphs_at_start

    def count(self, steps: int, graphs_first_step: int) -> CompileCount:
        """The counts so far, for a run of ``steps`` steps."""
        reason = None
        if self.recompile_messages:
            # "Recompiling function ...\n triggered by ...:\n - <first guard failure>\n ..."
            lines = self.recompile_messages[0].splitlines()
            reason = lines[2].strip().removeprefix("- ") if len(lines) > 2 else lines[0]
            reason = " ".join(reason.split())
        return CompileCount(
            steps, self.graphs, graphs_first_step, len(self.recompile_messages), reason
        )


class _RecompileHandler(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__()
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def counting_compiles() -> Iterator[CompileCounter]:
    """Count graphs and recompiles in the ``with`` block (enables Dynamo's recompile log)."""
    counter = CompileCounter(_graphs_at_start=counters["stats"]["unique_graphs"])
    handler = _RecompileHandler(counter.recompile_messages)
    logger = logging.getLogger(_RECOMPILES_LOGGER)
    torch._logging.set_logs(recompiles=True)
    logger.addHandler(handler)
    try:
        yield counter
    finally:
        logger.removeHandler(handler)
        torch._logging.set_logs()
