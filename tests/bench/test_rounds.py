"""In-process rounds: every implementation and the streaming kernel timed in one process."""

from __future__ import annotations

from adadelta_compiled.bench.rounds import STREAM, RoundTimes, render, run_rounds


def test_rounds_time_each_implementation_and_the_stream_every_round() -> None:
    times = run_rounds("many-small", ["torch-forloop", "torch-foreach"], rounds=5,
                       fresh_grads=True, quick=True)  # fmt: skip
    assert list(times) == ["torch-forloop", "torch-foreach", STREAM]
    for measured in times.values():
        assert measured.rounds == 5
        assert 0 < measured.q1 <= measured.median <= measured.q3


def test_render_gives_each_implementation_its_multiple_of_the_stream_and_the_candidate() -> None:
    times = {
        "torch-compiled": RoundTimes(median=0.020, q1=0.019, q3=0.021, rounds=30),
        "adadelta_compiled": RoundTimes(median=0.010, q1=0.009, q3=0.012, rounds=30),
        STREAM: RoundTimes(median=0.008, q1=0.008, q3=0.009, rounds=30),
    }
    assert render("resnet50", times, "adadelta_compiled").splitlines() == [
        "| resnet50 | torch-compiled | 20 ms | 19-21 | 2.50x | 2.00x |",
        "| resnet50 | adadelta_compiled | 10 ms | 9-12 | 1.25x | 1.00x |",
        f"| resnet50 | {STREAM} | 8 ms | 8-9 | 1.00x |  |",
    ]
