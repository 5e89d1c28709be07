"""Shared test configuration: hypothesis profiles, the CUDA marker, one Inductor cache."""

from __future__ import annotations

import os
from pathlib import Path

# Compiled artifacts are shared between tests, xdist workers and runs through one on-disk cache;
# this must be set before torch._inductor reads its config.
os.environ.setdefault(
    "TORCHINDUCTOR_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".inductor-cache")
)

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Compiled code has no meaningful per-example deadline: the first example of a new layout
# compiles a kernel. "ci" derives from hypothesis's own CI profile (derandomized, no database).
settings.register_profile(
    "ci",
    parent=settings.get_profile("ci"),
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# "ci" unless asked otherwise, e.g. `pytest --hypothesis-profile dev`.
settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-cuda",
        action="store_true",
        help="fail the run, instead of skipping tests marked cuda, when no CUDA device is present",
    )
    parser.addoption(
        "--run-exhaustive",
        action="store_true",
        help="run the tests marked exhaustive (minutes each), which are skipped otherwise",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    import torch

    if session.config.getoption("--require-cuda") and not torch.cuda.is_available():
        raise pytest.UsageError("--require-cuda was given but torch sees no CUDA device")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import torch

    skips = {}
    if not torch.cuda.is_available():
        skips["cuda"] = pytest.mark.skip(reason="needs a CUDA device; torch.cuda.is_available() is False")
    if not config.getoption("--run-exhaustive"):
        skips["exhaustive"] = pytest.mark.skip(reason="takes minutes; run with --run-exhaustive")
    for item in items:
        for marker, skip in skips.items():
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)
