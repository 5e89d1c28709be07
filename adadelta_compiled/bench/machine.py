"""What the numbers were measured on: CPU, cores, accelerator, Python, torch, threads, load."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

import torch

__all__ = ["Machine", "describe_machine"]


@dataclass(frozen=True)
class Machine:
    cpu_model: str
    cpu_count: int | None  # logical CPUs this process may run on
    accelerator: str | None  # the CUDA device's name, when the run uses one
    platform: str
    python: str
    torch_version: str
    threads: int  # torch.get_num_threads() for the measurements
    # 1, 5 and 15-minute load averages when the run started; None where the OS does not
    # report it.
    load_average: tuple[float, float, float] | None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # not Linux
        pass
    return platform.processor() or platform.machine()


def _cpu_count() -> int | None:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def describe_machine(device: torch.device, threads: int) -> Machine:
    return Machine(
        cpu_model=_cpu_model(),
        cpu_count=_cpu_count(),
        accelerator=torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        platform=platform.platform(),
        python=platform.python_version(),
        torch_version=torch.__version__,
        threads=threads,
        load_average=os.getloadavg() if hasattr(os, "getloadavg") else None,
    )
