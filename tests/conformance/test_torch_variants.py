"""torch.optim's own classes pass their shipped spec on every code path they have on the CPU,
and on CUDA where a GPU is present.

The default suite checks each spec's reference once: its math checks draw every execution path
it offers (for-loop, foreach, fused where torch has one, differentiable). Every check on each of
the for-loop, foreach and fused paths separately runs under ``--run-exhaustive``. ``torch.compile(optimizer.step)`` recompiles for nearly every drawn
case, which takes many minutes per spec: the default suite runs it on three checks that step
fixed cases; every check runs under ``--run-exhaustive``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch_variants import paths_of, variant
from verdicts import expected_skips

import conformance
from conformance import Outcome
from conformance.specs import SPECS, load_spec

REPO_ROOT = Path(__file__).resolve().parents[2]

# torch documents its fused paths for float64, float32, float16 and bfloat16 params only (no
# complex params, no sparse grads); its fused CPU kernels also ignore strides (a param
# torch.zeros(6)[::2] steps the wrong elements) and fused SGD with momentum raises when a param
# gets its first grad after others have a buffer. A check a fused path passes anyway is XPASS.
FUSED_LIMITS = {
    "complex_params": "fused=True supports float64, float32, float16 and bfloat16 params only",
    "state_layout": "its params include a complex64 one, which fused=True rejects",
    "sparse_grads": "fused=True rejects sparse grads",
    "sparse_grad_error": "fused=True rejects sparse grads with its own message",
    "memory_layouts": "torch 2.13's fused CPU kernels ignore a non-contiguous param's strides",
    "none_grad_skipped": "torch 2.13's fused SGD raises for a param first stepped after others",
    "grads_not_modified": "torch 2.13's fused SGD raises for a param first stepped after others",
}
# torch 2.13's fused CPU SGD with momentum mixes up the elements of bf16 params of 16 elements or
# more from its second step on (its vectorized bf16 path; the scalar tail is right): 300 units in
# the last place from the oracle where the for-loop is 2 (test_fused_sgd_bf16_bug_of_torch_2_13).
# low_precision_bar steps every path the class offers, so SGD fails it whichever path it starts on.
FUSED_SGD_BF16 = {
    "low_precision_bar": "torch 2.13's fused CPU SGD with momentum scrambles bf16 params of 16+ elements",
}
# torch.optim.Adam and AdamW document that a Tensor lr is "not yet supported for all our
# implementations": their foreach path rejects one unless capturable=True, at construction or,
# assigned to a group later, at the step.
FOREACH_TENSOR_LR_LIMITS = {
    "tensor_lr": "foreach=True rejects a Tensor lr without capturable=True",
    "hyperparameter_changes": "foreach=True rejects a Tensor lr assigned to a group",
    "constructor_validation": "foreach=True rejects a Tensor lr before validating its value",
}
# torch 2.13's Inductor on the CPU: torch.compile(optimizer.step) leaves the buffers of a 0-d
# float64 param at their initial value (torch.optim.Adadelta over that one param: square_avg is
# still 0 after a step; eager computes it). state_layout steps such a param.
_ZERO_DIM_FLOAT64 = "torch 2.13 Inductor (CPU) does not update the state of a 0-d float64 param"
# dtypes draws float64 params, 0-d ones among them.
COMPILED_TORCH_BUGS = {
    "state_layout": _ZERO_DIM_FLOAT64,
    "state_values": _ZERO_DIM_FLOAT64,
    "dtypes": _ZERO_DIM_FLOAT64,
}
# The math checks whose drawn cases include such a param, in the exhaustive run (and, for Adam,
# Inductor computing the bias corrections of a float64 param in float32).
COMPILED_MATH_BUGS = {
    "adadelta": ("weight_decay",),
    "rmsprop": ("update_math", "eps"),
    "adagrad": ("update_math", "lr_decay"),
    "sgd": ("momentum",),
    "adam": ("update_math", "bias_correction"),
    "adamw": ("update_math", "bias_correction"),
}
# A compiled Adam resumed in a new process continues exactly when mid_run_resume runs alone, and
# not after the dtypes check ran in the same worker: the compiled step's arithmetic depends on
# what the process compiled before (torch 2.13 computes a compiled Adam's bias corrections in
# float32 where eager torch uses float64).
COMPILED_PROCESS_STATE = {"adam": ("mid_run_resume",), "adamw": ("mid_run_resume",)}
# Checks that step a few fixed cases, each followed against the oracle step by step.
COMPILED_SMOKE = ("closure", "step_counter", "state_dict_roundtrip")


def _rejects_tensor_lr_on_foreach(spec_name: str) -> bool:
    param = torch.zeros(1, requires_grad=True)
    try:
        load_spec(spec_name).reference([param], lr=torch.tensor(0.01), foreach=True)
    except ValueError:
        return True
    return False


def _eager_limits(spec_name: str, path: str) -> dict[str, str]:
    """The checks torch's own path fails by its documented limits or known torch bugs."""
    sgd = FUSED_SGD_BF16 if spec_name == "sgd" else {}
    if path == "fused":
        return {**FUSED_LIMITS, **sgd}
    if path == "foreach" and _rejects_tensor_lr_on_foreach(spec_name):
        return {**FOREACH_TENSOR_LR_LIMITS, **sgd}
    return sgd


def _paths(include_compiled: bool) -> list[tuple[str, str]]:
    return [
        (name, path)
        for name in SPECS
        for path in paths_of(name)
        if (path == "compiled") == include_compiled
    ]


@pytest.mark.parametrize("spec_name", list(SPECS))
def test_torch_passes_its_spec_with_its_math_drawn_on_every_path(spec_name: str) -> None:
    spec = load_spec(spec_name)
    expected = FUSED_SGD_BF16 if spec_name == "sgd" else {}
    report = conformance.check(spec.reference, spec=spec_name, expected_failures=expected)
    assert report.passed, report.render()
    outcomes = {r.name: r.outcome for r in report.results}
    assert {n for n, o in outcomes.items() if o is Outcome.SKIPPED} == expected_skips(spec)
    drawn = {"foreach=False", "foreach=True", "differentiable=True"}
    drawn |= {"fused=True"} if "fused" in spec.capabilities else set()
    paths = next(n for n in report.notes if n.startswith("execution paths"))
    assert all(path in paths for path in drawn), paths
    assert not any(n.startswith("does not offer") for n in report.notes), report.notes


@pytest.mark.exhaustive
@pytest.mark.parametrize(("spec_name", "path"), _paths(include_compiled=False))
def test_torch_passes_its_spec_on_every_eager_path(spec_name: str, path: str) -> None:
    expected = _eager_limits(spec_name, path)
    report = conformance.check(variant(spec_name, path), spec=spec_name, expected_failures=expected)
    assert report.passed, report.render()
    outcomes = {r.name: r.outcome for r in report.results}
    assert {n for n, o in outcomes.items() if o is Outcome.SKIPPED} == expected_skips(
        load_spec(spec_name)
    )
    assert {n for n, o in outcomes.items() if o is Outcome.XFAIL} <= set(expected)


def _has_fused_cuda_kernel(spec_name: str) -> bool:
    param = torch.zeros(1, device="cuda", requires_grad=True)
    param.grad = torch.ones_like(param)
    try:
        load_spec(spec_name).reference([param], fused=True).step()
    except RuntimeError:
        return False
    return True


@pytest.mark.cuda
@pytest.mark.parametrize(("spec_name", "path"), _paths(include_compiled=False))
def test_torch_passes_its_spec_on_every_cuda_path(spec_name: str, path: str) -> None:
    # The CPU's limits are expected here too; a check that passes on CUDA anyway is XPASS.
    if path == "fused" and not _has_fused_cuda_kernel(spec_name):
        pytest.skip(f"{load_spec(spec_name).reference_name} has no fused CUDA kernel")
    expected = _eager_limits(spec_name, path)
    report = conformance.check(
        variant(spec_name, path), spec=spec_name, device="cuda", expected_failures=expected
    )
    assert report.passed, report.render()
    outcomes = {r.name: r.outcome for r in report.results}
    assert {n for n, o in outcomes.items() if o is Outcome.SKIPPED} == expected_skips(
        load_spec(spec_name)
    )


def _run_compiled(
    spec_name: str, tmp_path: Path, *options: str, bugs: dict[str, str] = COMPILED_TORCH_BUGS
) -> dict[str, str]:
    """The CLI's verdicts on the compiled path (in a worker process, with a time limit), with
    torch's known compile bugs as expected failures."""
    report_path = tmp_path / "report.json"
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps(bugs))
    completed = subprocess.run(
        [
            sys.executable, "-m", "conformance", f"tests.conformance.torch_variants:{spec_name}_compiled",
            "--spec", spec_name, "--json", str(report_path), "--expected-failures", str(expected),
            *options,
        ],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return {c["name"]: c["outcome"] for c in json.loads(report_path.read_text())["checks"]}


@pytest.mark.parametrize("spec_name", list(SPECS))
def test_torch_compiled_step_passes_the_checks_of_fixed_cases(spec_name: str, tmp_path: Path) -> None:
    outcomes = _run_compiled(spec_name, tmp_path, "-k", " or ".join(COMPILED_SMOKE))
    assert set(outcomes) == set(COMPILED_SMOKE)


@pytest.mark.cuda
@pytest.mark.parametrize("spec_name", list(SPECS))
def test_torch_compiled_cuda_step_passes_the_checks_of_fixed_cases(
    spec_name: str, tmp_path: Path
) -> None:
    outcomes = _run_compiled(
        spec_name, tmp_path, "-k", " or ".join(COMPILED_SMOKE), "--device", "cuda"
    )
    assert set(outcomes) == set(COMPILED_SMOKE)


@pytest.mark.exhaustive
@pytest.mark.parametrize("spec_name", list(SPECS))
def test_torch_compiled_step_passes_every_check(spec_name: str, tmp_path: Path) -> None:
    bugs = {
        **COMPILED_TORCH_BUGS,
        **dict.fromkeys(COMPILED_MATH_BUGS.get(spec_name, ()), _ZERO_DIM_FLOAT64),
        **dict.fromkeys(COMPILED_PROCESS_STATE.get(spec_name, ()), "a compiled step's numerics depend on the process"),
        **(FUSED_SGD_BF16 if spec_name == "sgd" else {}),
    }
    outcomes = _run_compiled(spec_name, tmp_path, "-n", "2", "--timeout", "1200", bugs=bugs)
    skipped = {name for name, outcome in outcomes.items() if outcome == "skipped"}
    assert skipped == expected_skips(load_spec(spec_name))


def test_fused_sgd_bf16_bug_of_torch_2_13() -> None:
    """The torch bug FUSED_SGD_BF16 expects, shown without the suite: fused=True and the
    for-loop disagree by whole units on bf16 params after two steps with momentum. When a torch
    release fixes it, this fails and the expectation goes."""
    generator = torch.Generator().manual_seed(0)
    start, first, second = (torch.randn(16, generator=generator) for _ in range(3))
    results = []
    for fused in (False, True):
        param = start.bfloat16().requires_grad_()
        optimizer = torch.optim.SGD([param], lr=0.5, momentum=0.9, fused=fused)
        for grad in (first, second):
            param.grad = grad.bfloat16()
            optimizer.step()
        results.append(param.detach().float())
    assert (results[0] - results[1]).abs().max() > 0.5
