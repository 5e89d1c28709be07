"""Graph and recompile counts, and what counts as compiling after the first step."""

from __future__ import annotations

import logging

from adadelta_compiled.bench.compiles import CompileCount, counting_compiles

RECOMPILE_MESSAGE = (
    "Recompiling function step in optim/adadelta.py:127\n"
    "    triggered by the following guard failure(s):\n"
    "    - 0/0: self.param_groups[0]['lr'] == 1.0\n"
)


def test_one_graph_at_the_first_step_and_nothing_after_is_no_recompile() -> None:
    count = CompileCount(steps=100, graphs=1, graphs_first_step=1, recompiles=0)
    assert not count.compiles_after_first_step


def test_a_graph_after_the_first_step_counts_even_without_a_dynamo_recompile() -> None:
    count = CompileCount(steps=100, graphs=2, graphs_first_step=1, recompiles=0)
    assert count.compiles_after_first_step


def test_recompile_log_records_are_counted_with_the_first_guard_failure() -> None:
    with counting_compiles() as counter:
        logger = logging.getLogger("torch._dynamo.guards.__recompiles")
        logger.debug(RECOMPILE_MESSAGE)
        logger.debug(RECOMPILE_MESSAGE)
        count = counter.count(steps=10, graphs_first_step=0)
    assert (count.recompiles, count.graphs) == (2, 0)
    assert count.first_recompile_reason == "0/0: self.param_groups[0]['lr'] == 1.0"


def test_counting_stops_with_the_block() -> None:
    with counting_compiles() as counter:
        pass
    logging.getLogger("torch._dynamo.guards.__recompiles").debug(RECOMPILE_MESSAGE)
    assert counter.recompile_messages == []
