"""One spawned run of every distributed check, shared by the tests here.

Spawning the ranks costs most of the time (each imports torch and compiles the kernel, from the
Inductor cache the ranks inherit through TORCHINDUCTOR_CACHE_DIR), so it happens once per test
session: under pytest-xdist, the first worker to need it runs it and the others read its
results.
"""

from __future__ import annotations

import json
import os

import pytest
from filelock import FileLock

# pytest's default import mode puts this directory on sys.path; the spawned ranks get the same
# sys.path, and so import the optimizer by this module's name.
from spawned import KernelCheckedAdadelta

from conformance.checks.distributed import run_distributed_checks


@pytest.fixture(scope="session")
def problems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """{check name: problem, or None where it passed} of the distributed checks, for
    adadelta_compiled.Adadelta checked to take the compiled kernel wherever it should."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return run_distributed_checks(KernelCheckedAdadelta)
    # xdist workers' temporary directories share this run's parent directory.
    results = tmp_path_factory.getbasetemp().parent / "distributed-scenarios.json"
    with FileLock(f"{results}.lock"):
        if not results.exists():
            results.write_text(json.dumps(run_distributed_checks(KernelCheckedAdadelta)))
        return json.loads(results.read_text())
