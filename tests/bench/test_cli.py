"""The command line: options, their errors, and one --quick run end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from adadelta_compiled.bench.cli import main, parse_settings
from adadelta_compiled.bench.implementations import BUILTIN_NAMES
from adadelta_compiled.bench.report import JSON_SCHEMA


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The message of the usage error that ``argv`` makes (exit status 2)."""
    with pytest.raises(SystemExit) as exit_info:
        parse_settings(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_defaults_measure_every_builtin_on_every_workload_without_first_steps() -> None:
    settings, _ = parse_settings([])
    assert settings.implementations == BUILTIN_NAMES
    assert settings.workloads == ("resnet50", "gpt2-small", "many-small", "one-big")
    assert (settings.dtype, settings.device, settings.steps) == ("fp32", "cpu", 100)
    assert settings.first_step == () and not settings.quick
    assert settings.grads == "fresh", "torch's default loop: new grads every step"
    assert settings.rounds == 30 and not settings.step_time_only


def test_kept_grads_steps_with_the_same_grads() -> None:
    assert parse_settings(["--kept-grads"])[0].grads == "kept"


def test_options_are_parsed() -> None:
    settings, args = parse_settings([
        "--impl", "adadelta_compiled", "--impl", "torch.optim:Adadelta",
        "--impl", "adadelta_compiled",
        "--workload", "one-big", "--dtype", "bf16", "--steps", "1000", "--quick",
        "--timeout", "30", "--rounds", "12", "--threads", "1", "--json", "out.json",
    ])  # fmt: skip
    assert settings.implementations == ("adadelta_compiled", "torch.optim:Adadelta")
    assert settings.workloads == ("one-big",)
    assert (settings.dtype, settings.steps, settings.quick) == ("bf16", 1000, True)
    assert (settings.timeout, settings.rounds, settings.threads) == (30.0, 12, 1)
    assert args.json == Path("out.json")


def test_quick_runs_few_rounds_unless_told_otherwise() -> None:
    assert parse_settings(["--quick"])[0].rounds == 5
    assert parse_settings(["--quick", "--rounds", "9"])[0].rounds == 9


def test_step_time_only_is_parsed() -> None:
    assert parse_settings(["--step-time-only"])[0].step_time_only


def test_first_step_alone_measures_every_implementation() -> None:
    settings, _ = parse_settings(
        ["--impl", "torch-foreach", "--impl", "adadelta_compiled", "--first-step"]
    )
    assert settings.first_step == ("torch-foreach", "adadelta_compiled")


def test_first_step_can_name_implementations() -> None:
    settings, _ = parse_settings(["--first-step", "adadelta_compiled"])
    assert settings.first_step == ("adadelta_compiled",)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--impl", "torch-fused"], "unknown implementation 'torch-fused'"),
        (["--impl", "no_such_module_xyz:Adadelta"], "cannot import module 'no_such_module_xyz'"),
        (["--workload", "resnet18"], "invalid choice: 'resnet18'"),
        (["--dtype", "fp16"], "invalid choice: 'fp16'"),
        (["--steps", "0"], "--steps: expected a positive number, got '0'"),
        (["--steps", "many"], "--steps: expected a positive number, got 'many'"),
        (["--timeout", "-1"], "--timeout: expected a positive number, got '-1'"),
        (["--rounds", "0"], "--rounds: expected a positive number, got '0'"),
        (["--rounds", "1"], "--rounds 1: quartiles need at least 2 rounds"),
        (["--min-run-time", "1"], "unrecognized arguments: --min-run-time"),
        (["--step-time-only", "--first-step"],
         "--first-step: --step-time-only measures no first steps"),
        (["--impl", "torch-foreach", "--first-step", "adadelta_compiled"],
         "--first-step adadelta_compiled: not among the measured implementations"),
        (["--impl", "torch-foreach", "--candidate", "torch-forloop"],
         "--candidate torch-forloop: not among the measured implementations"),
        (["--json", "/no/such/directory/out.json"], "directory /no/such/directory does not exist"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)  # fmt: skip
def test_bad_options_exit_with_a_message_naming_them(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert message in _usage_error(argv, capsys)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_cuda_without_a_device_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--device cuda: torch sees no CUDA device" in _usage_error(["--device", "cuda"], capsys)


def test_plot_without_matplotlib_is_a_usage_error_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    error = _usage_error(["--plot", str(tmp_path / "out.png")], capsys)
    assert "pip install adadelta-compiled[plot]" in error


def test_the_module_runs_as_a_program() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "adadelta_compiled.bench", "--impl", "nope"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "unknown implementation 'nope'" in completed.stderr


def test_quick_run_writes_the_table_the_json_and_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Eager implementations only (nothing compiles but the streaming kernel); one of them named
    as MODULE:ATTR, so its graphs and recompiles are counted (and are zero)."""
    path = tmp_path / "bench.json"
    status = main([
        "--quick", "--workload", "resnet50", "--steps", "3",
        "--impl", "torch-forloop", "--impl", "torch.optim:Adadelta",
        "--first-step", "torch-forloop", "--json", str(path),
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 0, out + err

    assert "resnet50  torch-forloop" in out and "resnet50  torch.optim:Adadelta" in out
    assert "over 5 rounds, each round one step of every implementation" in out
    assert "targets: not checked, adadelta_compiled was not measured" in out
    assert "[1/7] torch-forloop on resnet50: peak memory, compiles ..." in err
    assert "[3/7] torch-forloop on resnet50: first step, warm Inductor cache: done" in err
    assert "[5/7] torch.optim:Adadelta on resnet50: compiles with a Tensor lr: done" in err
    assert (
        "[6/7] resnet50: step times of 2 implementations and the streaming kernel in 3 rounds: "
        "done"
    ) in err
    assert (
        "[7/7] resnet50: step times of 2 implementations and the streaming kernel in 2 rounds, "
        "built in reverse order: done"
    ) in err

    document = json.loads(path.read_text())
    assert document["schema"] == JSON_SCHEMA
    machine = document["machine"]
    assert machine["cpu_count"] >= 1 and machine["cpu_model"]
    assert machine["torch_version"] == torch.__version__ and machine["threads"] >= 1
    rounds = document["rounds"]["resnet50"]
    assert rounds["error"] is None and rounds["stream_bytes_per_second"] > 0
    forloop, named = document["results"]
    assert (forloop["implementation"], forloop["numel"], forloop["tensors"]) == (
        "torch-forloop", 1080, 16
    )  # fmt: skip
    assert forloop["step_time"]["rounds"] == 5 and forloop["roofline"]["multiple"] > 0
    assert forloop["stream_time"] == rounds["rounds"]["stream"]
    steady = forloop["trials"]["steady"]
    assert steady["error"] is None and "step_time" not in steady and "rounds" in steady
    assert steady["peak_bytes"] > 0 and steady["compiles"] is None
    assert forloop["trials"]["cold_first_step"]["first_step_seconds"] > 0
    assert forloop["trials"]["warm_first_step"]["first_step_seconds"] > 0
    assert named["step_time"]["median"] > 0
    for role, lr_kind in (("steady", "float"), ("other_lr", "tensor")):
        trial = named["trials"][role]
        assert trial["lr_kind"] == lr_kind
        assert (trial["compiles"]["graphs"], trial["compiles"]["recompiles"]) == (0, 0)
    assert document["targets"] == []
