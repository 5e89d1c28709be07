"""Other work's CPU use during a measurement: busy CPU time minus our own, over wall time."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from adadelta_compiled.bench import contention


def _proc_stat(busy_ticks: int) -> str:
    # user nice system idle iowait irq softirq steal guest guest_nice
    return f"cpu  {busy_ticks - 30} 0 10 5000 7 0 0 20 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"


def test_other_cpus_are_busy_time_less_our_own_over_wall_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stat = tmp_path / "stat"
    ticks = os.sysconf("SC_CLK_TCK")
    stat.write_text(_proc_stat(100 * ticks))
    clocks = {"perf_counter": iter([10.0, 14.0]), "process_time": iter([1.0, 2.0])}
    fake_time = SimpleNamespace(**{name: values.__next__ for name, values in clocks.items()})
    monkeypatch.setattr(contention, "_PROC_STAT", stat)
    monkeypatch.setattr(contention, "time", fake_time)
    with contention.measuring_other_work() as other_work:
        # 3 CPU seconds busy during 4 wall seconds, 1 of them ours (steal counts as busy).
        stat.write_text(_proc_stat(103 * ticks))
    assert other_work.cpus == pytest.approx(0.5)


def test_unknown_without_proc_stat(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(contention, "_PROC_STAT", tmp_path / "missing")
    with contention.measuring_other_work() as other_work:
        pass
    assert other_work.cpus is None


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="needs Linux's /proc/stat")
def test_measures_this_machine() -> None:
    with contention.measuring_other_work() as other_work:
        sum(range(100_000))
    assert other_work.cpus is not None and other_work.cpus >= 0
