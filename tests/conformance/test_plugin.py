"""The pytest plugin, end to end through pytester: inert by default, one test per check."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.specs.adadelta import ADADELTA
from conformance.checks import checks_for

pytest_plugins = ["pytester"]

IMPL = "--optimizer-impl=torch.optim:Adadelta"


@pytest.fixture(scope="module", autouse=True)
def torch_imports_done_before_pytester() -> None:
    """pytester runs pytest in this process and afterwards unloads every module the run
    imported. torch imports some modules lazily, on an optimizer's first use, and one of them
    registers a torch library, which cannot be registered twice: import them here, once."""
    import conformance
    from faulty_targets import IgnoresWeightDecay

    conformance.check(IgnoresWeightDecay, select="closure or weight_decay and not maximize")


@pytest.fixture
def host(pytester: pytest.Pytester) -> pytest.Pytester:
    """Another project, with a test of its own."""
    pytester.makepyfile(test_host="def test_host_project():\n    pass\n")
    return pytester


def test_plugin_module_imports_neither_torch_nor_hypothesis() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, conformance.plugin; print(sorted({'torch', 'hypothesis'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.stdout.strip() == "[]", completed.stderr


def test_plugin_does_nothing_without_its_option(host: pytest.Pytester) -> None:
    result = host.runpytest("-v")
    result.assert_outcomes(passed=1)
    assert "adadelta conformance" not in result.stdout.str()
    assert "adadelta-conformance::" not in result.stdout.str()


def test_option_adds_one_test_per_check_with_readable_ids(host: pytest.Pytester) -> None:
    result = host.runpytest(IMPL, "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if line.startswith("adadelta-conformance::")]
    assert ids == [f"adadelta-conformance::{check.name}" for check in checks_for(ADADELTA)]


def test_k_selects_checks_and_the_header_names_the_implementation(host: pytest.Pytester) -> None:
    result = host.runpytest(IMPL, "-v", "-k", "closure or zero_grad_stepped")
    result.assert_outcomes(passed=2, deselected=len(checks_for(ADADELTA)) - 1)
    result.stdout.fnmatch_lines(
        [
            "Adadelta conformance: torch.optim:Adadelta (torch *) against torch.optim.Adadelta, "
            "device cpu, hypothesis profile conformance-default (derandomized)",
            "adadelta-conformance::closure PASSED*",
            "adadelta-conformance::zero_grad_stepped PASSED*",
        ]
    )


def test_ini_keys_mirror_the_options(host: pytest.Pytester) -> None:
    host.makeini("[pytest]\noptimizer_impl = torch.optim:Adadelta\noptimizer_device = cpu\n")
    result = host.runpytest("-k", "step_hooks and not act")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("prefix", ["adadelta", "conformance"])
def test_older_option_names_stay_aliases(host: pytest.Pytester, prefix: str) -> None:
    result = host.runpytest(f"--{prefix}-impl=torch.optim:Adadelta", "-k", "closure", "-q")
    result.assert_outcomes(passed=1)
    host.makeini(f"[pytest]\n{prefix}_impl = torch.optim:Adadelta\n")
    result = host.runpytest("-k", "closure", "-q")
    result.assert_outcomes(passed=1)


def test_failing_check_fails_its_test_with_the_explanation(host: pytest.Pytester) -> None:
    result = host.runpytest(
        "--optimizer-impl=faulty_targets:IgnoresWeightDecay", "-k", "weight_decay and not maximize"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "weight_decay (faulty_targets:IgnoresWeightDecay):",
            "rule: if weight_decay λ != 0: g <- g + λ θ_{t-1}*",
            "*expected * (float64 oracle)",
            "reproduce:",
        ]
    )


def test_implementation_that_cannot_be_built_fails_each_test_with_one_line(
    host: pytest.Pytester,
) -> None:
    result = host.runpytest("--optimizer-impl=faulty_targets:RaisesInConstructor", "-k", "closure or step_hooks and not act")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["closure (faulty_targets:RaisesInConstructor):", "*raised RuntimeError: this optimizer is "
         "not configured; no check can run"]
    )
    assert "Traceback" not in result.stdout.str()


def test_expected_failures_xfail_and_unknown_names_warn(host: pytest.Pytester) -> None:
    expected = host.path / "expected.json"
    expected.write_text(json.dumps({"weight_decay": "known", "weight_decy": "typo"}))
    result = host.runpytest(
        "--optimizer-impl=faulty_targets:IgnoresWeightDecay",
        f"--optimizer-expected-failures={expected}",
        "-k",
        "weight_decay and not maximize",
    )
    result.assert_outcomes(xfailed=1, warnings=1)
    result.stdout.fnmatch_lines(["*expected failure 'weight_decy' matches no check*"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--optimizer-device=tpu", "--optimizer-device (ini optimizer_device): 'tpu' is not one of cpu, cuda"),
        ("--optimizer-impl=no_such_module:X", "--optimizer-impl (ini optimizer_impl): cannot import"),
        ("--optimizer-profile=nope", "--optimizer-profile (ini optimizer_profile):"),
        ("--optimizer-seed=abc", "--optimizer-seed (ini optimizer_seed): 'abc' is not an integer"),
        ("--optimizer-spec=torch.optim:Adadelta", "--optimizer-spec (ini optimizer_spec): "),
        ("--optimizer-spec=adamax", "--optimizer-spec (ini optimizer_spec): no spec named 'adamax'"),
    ],
    ids=["device", "impl", "profile", "seed", "spec", "spec name"],
)
def test_bad_option_value_is_a_usage_error_naming_the_option(
    host: pytest.Pytester, option: str, message: str
) -> None:
    extra = [] if option.startswith("--optimizer-impl") else [IMPL]
    result = host.runpytest(*extra, option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_a_check_blocked_by_another_failure_is_skipped_as_not_judged_and_summarised(
    host: pytest.Pytester,
) -> None:
    result = host.runpytest(
        "--optimizer-impl=faulty_targets:IgnoresWeightDecay", "-k", "weight_decay", "-rs"
    )
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*optimizer conformance*",
            "note: execution paths the math checks draw: the default path, foreach=False, *",
            "weight_decay: *[[]blocks maximize_with_weight_decay[]]",
            "1 deviation found, 1 check not judged",
            "*not judged, blocked by weight_decay*",
        ]
    )
