"""Progress lines: numbered, with how each measurement ended; rewritten in place on a TTY."""

from __future__ import annotations

import io

import pytest

from adadelta_compiled.bench.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_into_a_pipe_each_measurement_gets_a_start_line_and_an_end_line() -> None:
    stream = io.StringIO()
    progress = Progress(total=2, stream=stream)
    with progress.task("torch-foreach on resnet50") as task:
        task.outcome = "12.0 ms"
    with progress.task("adadelta_compiled on resnet50"):
        pass
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[1/2] torch-foreach on resnet50 ..."
    assert lines[1].startswith("[1/2] torch-foreach on resnet50: 12.0 ms (")
    assert lines[3].startswith("[2/2] adadelta_compiled on resnet50: done (")
    assert "\r" not in stream.getvalue()


def test_on_a_terminal_the_line_is_rewritten_when_the_measurement_ends() -> None:
    stream = _Terminal()
    with Progress(total=1, stream=stream).task("bandwidth"):
        pass
    assert stream.getvalue().startswith("[1/1] bandwidth ...\r\033[K[1/1] bandwidth: done (")


def test_an_exception_is_reported_as_failed_and_propagates() -> None:
    stream = io.StringIO()
    with pytest.raises(KeyError), Progress(total=1, stream=stream).task("trial"):
        raise KeyError("boom")
    assert "[1/1] trial: failed (" in stream.getvalue()
