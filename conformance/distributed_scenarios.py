"""What the spawned ranks of the distributed checks run: a small model, its data, and one
scenario per check.

An Adadelta update is elementwise, so sharding must change nothing: trained params and state
are compared with one process training the same model on the whole batch, state layouts with
the reference's under the same sharding, and checkpoints with the run they were taken from.
Each scenario returns its problem (a sentence saying where and how results differ) or None.
"""

from __future__ import annotations

import functools
import json
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch import Tensor, nn
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_optimizer_state_dict,
    set_model_state_dict,
    set_optimizer_state_dict,
)
from torch.distributed.device_mesh import DeviceMesh, init_device_mesh
from torch.distributed.fsdp import fully_shard
from torch.distributed.tensor import (
    DTensor,
    Partial,
    Placement,
    Replicate,
    Shard,
    distribute_tensor,
)
from torch.nn.parallel import DistributedDataParallel
from torch.optim import Optimizer

__all__ = ["SCENARIOS", "WORLD_SIZE", "Job", "Scenario", "report_path", "run_in_rank"]

WORLD_SIZE = 2
# Each training run takes STEPS steps; runs that resume from a checkpoint take it after
# CHECKPOINT_STEP of them.
STEPS = 5
CHECKPOINT_STEP = 3
# Samples per step, split evenly between the ranks.
GLOBAL_BATCH = 8

# Params and state are compared with another computation of the same values: one process,
# whose grads sum the batch in another order than a reduction over ranks does, or the reference,
# which may round differently (a fused multiply-add). They differ in the last bits, and so do
# the params and state a few normalised steps later (measured on float32: at most 3.1e-7
# relative, 3e-8 absolute). rtol is some 80 ulps; atol covers entries that cross zero.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-7}
# A checkpoint round trip and what continues from it must be bit-exact: same ops, same data.
EXACT = {"rtol": 0.0, "atol": 0.0}


# --- The model, the data, and runs of both --------------------------------------------------


class _Model(nn.Module):
    """Two linear layers and a 1-element scale. Sharded over 2 ranks, ``out`` splits unevenly
    (3 + 2 rows) and ``scale`` leaves one rank an empty shard."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(8, 16)
        self.out = nn.Linear(16, 5)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x: Tensor) -> Tensor:
        return self.out(torch.tanh(self.hidden(x))) * self.scale


def _new_model() -> _Model:
    """The same initial params in every process."""
    torch.manual_seed(0)
    return _Model()


def _shard(model: _Model, mesh: DeviceMesh) -> _Model:
    """``model`` under FSDP2 on ``mesh``: each linear layer one unit, the root holding ``scale``."""
    for module in (model.hidden, model.out, model):
        fully_shard(module, mesh=mesh)
    return model


def _batch(step: int) -> tuple[Tensor, Tensor]:
    generator = torch.Generator().manual_seed(1000 + step)
    inputs = torch.randn(GLOBAL_BATCH, 8, generator=generator)
    targets = torch.randn(GLOBAL_BATCH, 5, generator=generator)
    return inputs, targets


def _train(model: nn.Module, optimizer: Optimizer, steps: range, rows: slice) -> None:
    """Mean squared error on ``rows`` of each step's batch: averaged over ranks that each hold
    their share of the rows, the grads are those of the whole batch."""
    for step in steps:
        inputs, targets = _batch(step)
        (model(inputs[rows]) - targets[rows]).square().mean().backward()
        optimizer.step()
        optimizer.zero_grad()


def _full(value: Any) -> Any:
    return value.full_tensor() if isinstance(value, DTensor) else value


def _snapshot(model: nn.Module, optimizer: Optimizer) -> dict[str, Any]:
    """Every param and state value, DTensors gathered whole (a collective: all ranks call it)."""
    snapshot: dict[str, Any] = {}
    for name, param in model.named_parameters():
        snapshot[f"param {name}"] = _full(param.detach())
        for key, value in sorted(optimizer.state.get(param, {}).items()):
            snapshot[f"state[{name!r}][{key!r}]"] = _full(value)
    return snapshot


def _layout(value: Any) -> str:
    """What kind of value a state entry is, as a noun phrase."""
    if isinstance(value, DTensor):
        placements = ", ".join(map(str, value.placements))
        return f"a DTensor ({value.dtype}, shape {list(value.shape)}, placements [{placements}])"
    if isinstance(value, Tensor):
        return f"a plain {value.dim()}-d {value.dtype} tensor on {value.device}"
    return f"a {type(value).__name__}"


def _state_layouts(model: nn.Module, optimizer: Optimizer) -> dict[str, str]:
    return {
        f"state[{name!r}][{key!r}]": _layout(value)
        for name, param in model.named_parameters()
        for key, value in sorted(optimizer.state.get(param, {}).items())
    }


def _layout_mismatch(
    actual: Mapping[str, str], expected: Mapping[str, str], reference_name: str
) -> str | None:
    """The first state entry whose layout differs from the reference's, described."""
    for key in sorted(actual.keys() | expected.keys()):
        got, want = actual.get(key, "absent"), expected.get(key, "absent")
        if got != want:
            return f"{key} is {got}; {reference_name} has {want}"
    return None


def _mismatch(
    actual: Mapping[str, Any], expected: Mapping[str, Any], tolerance: Mapping[str, float]
) -> str | None:
    """The first entry where ``actual`` differs from ``expected``, described; None if none."""
    if actual.keys() != expected.keys():
        return f"has entries {sorted(actual)}, expected {sorted(expected)}"
    for key, want in expected.items():
        got = actual[key]
        if isinstance(want, Tensor) and isinstance(got, Tensor):
            try:
                torch.testing.assert_close(got, want, **tolerance)
            except AssertionError as error:
                return f"{key}: {error}"
        elif got != want:
            return f"{key} is {got!r}, expected {want!r}"
    return None


# --- Scenarios, run in every rank ------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """What every rank is asked to do; pickled into each of them.

    Attributes:
        factory: the implementation under test, called like the optimizer's constructor.
        reference: the reference implementation, whose state layouts are the expected ones.
        reference_name: how failures name the reference, e.g. ``torch.optim.Adadelta``.
        hyperparameters: constructor arguments besides the params; ``lr`` a float.
        tensor_lr: whether to train with a Tensor lr too, where scenarios vary the lr.
        scenarios: names of the scenarios to run.
        workdir: a directory all ranks share, for checkpoints and reports.
    """

    factory: Callable[..., Optimizer]
    reference: Callable[..., Optimizer]
    reference_name: str
    hyperparameters: Mapping[str, Any]
    tensor_lr: bool
    scenarios: tuple[str, ...]
    workdir: Path


@dataclass(frozen=True)
class _RankContext:
    """What a scenario gets: the job, and where in the process group it runs."""

    job: Job
    rank: int
    mesh: DeviceMesh

    @property
    def factory(self) -> Callable[..., Optimizer]:
        return self.job.factory

    @property
    def hyperparameters(self) -> Mapping[str, Any]:
        return self.job.hyperparameters

    @property
    def rows(self) -> slice:
        """This rank's rows of each batch."""
        share = GLOBAL_BATCH // self.mesh.size()
        return slice(self.rank * share, (self.rank + 1) * share)

    def constructor_arguments(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The hyperparameters with a float lr, then (if supported) a Tensor lr; built afresh
        per call, so that no run shares a Tensor lr with another."""
        yield "a float lr", dict(self.hyperparameters)
        if self.job.tensor_lr:
            lr = torch.tensor(self.hyperparameters["lr"])
            yield "a Tensor lr", {**self.hyperparameters, "lr": lr}

    def one_process_run(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Params and state after STEPS steps on whole batches, without any parallelism."""
        model = _new_model()
        optimizer = self.factory(model.parameters(), **arguments)
        _train(model, optimizer, range(STEPS), slice(None))
        return _snapshot(model, optimizer)


def _matches_one_process(
    context: _RankContext, wrap: Callable[[_Model], nn.Module], under: str
) -> str | None:
    for lr, arguments in context.constructor_arguments():
        expected = context.one_process_run(arguments)
        model = _new_model()
        wrapped = wrap(model)
        optimizer = context.factory(wrapped.parameters(), **arguments)
        _train(wrapped, optimizer, range(STEPS), context.rows)
        problem = _mismatch(_snapshot(model, optimizer), expected, TOLERANCE)
        if problem is not None:
            return f"with {lr}, after {STEPS} steps under {under}, vs one process: {problem}"
    return None


def _ddp_matches_one_process(context: _RankContext) -> str | None:
    return _matches_one_process(context, DistributedDataParallel, "DistributedDataParallel")


def _fsdp2_matches_one_process(context: _RankContext) -> str | None:
    return _matches_one_process(context, functools.partial(_shard, mesh=context.mesh), "FSDP2")


def _fsdp2_state_like_reference(context: _RankContext) -> str | None:
    layouts = []
    for factory in (context.factory, context.job.reference):
        model = _shard(_new_model(), context.mesh)
        optimizer = factory(model.parameters(), **context.hyperparameters)
        _train(model, optimizer, range(1), context.rows)
        layouts.append(_state_layouts(model, optimizer))
    problem = _layout_mismatch(*layouts, context.job.reference_name)
    return None if problem is None else f"after a step under FSDP2, {problem}"


def _step_one_param(
    factory: Callable[..., Optimizer], param: Tensor, grads: Sequence[Tensor], context: _RankContext
) -> tuple[dict[str, Any], dict[str, str]]:
    """The snapshot and state layouts of ``param`` after a step with each of ``grads``."""
    optimizer = factory([param], **context.hyperparameters)
    for grad in grads:
        param.grad = grad
        optimizer.step()
    model = nn.ParameterDict({"weight": param})
    return _snapshot(model, optimizer), _state_layouts(model, optimizer)


def _dtensor_grads_of_other_placements(context: _RankContext) -> str | None:
    generator = torch.Generator().manual_seed(7)
    initial = torch.randn(6, 4, generator=generator)
    grads = [torch.randn(6, 4, generator=generator) for _ in range(2)]

    def as_dtensor(tensor: Tensor, placement: Placement) -> Tensor:
        if isinstance(placement, Partial):
            # Each rank holds an equal part of a sum that is still to be reduced.
            part = tensor / context.mesh.size()
            return DTensor.from_local(part, context.mesh, [placement], run_check=False)
        # A replicated DTensor would share the tensor's memory, which the step updates.
        return distribute_tensor(tensor.clone(), context.mesh, [placement])

    expected, _ = _step_one_param(
        context.factory, nn.Parameter(initial.clone()), [g.clone() for g in grads], context
    )
    for param_placement, grad_placement in (
        (Shard(0), Replicate()),
        (Shard(0), Partial()),
        (Shard(0), Shard(1)),
        (Replicate(), Partial()),
    ):
        ours, reference = (
            _step_one_param(
                factory,
                nn.Parameter(as_dtensor(initial, param_placement)),
                [as_dtensor(grad, grad_placement) for grad in grads],
                context,
            )
            for factory in (context.factory, context.job.reference)
        )
        where = (
            f"a {param_placement!r} DTensor param with {grad_placement!r} grads, after "
            f"{len(grads)} steps"
        )
        problem = _mismatch(ours[0], expected, TOLERANCE)
        if problem is not None:
            return f"{where}, vs the same steps of a plain tensor: {problem}"
        problem = _layout_mismatch(ours[1], reference[1], context.job.reference_name)
        if problem is not None:
            return f"{where}: {problem}"
    return None


def _state_dict_options() -> Iterator[tuple[str, StateDictOptions]]:
    yield "sharded", StateDictOptions()
    yield "full", StateDictOptions(full_state_dict=True)


def _checkpoint(
    model: nn.Module, optimizer: Optimizer, options: StateDictOptions
) -> dict[str, Any]:
    """The model's and the optimizer's state dicts, as DCP saves and loads them."""
    return {
        "model": get_model_state_dict(model, options=options),
        "optimizer": get_optimizer_state_dict(model, optimizer, options=options),
    }


def _restore(model: nn.Module, optimizer: Optimizer, path: Path, options: StateDictOptions) -> None:
    """Load a DCP checkpoint of :func:`_checkpoint` into ``model`` and ``optimizer``."""
    state = _checkpoint(model, optimizer, options)
    dcp.load(state, checkpoint_id=path)
    set_model_state_dict(model, state["model"], options=options)
    set_optimizer_state_dict(model, optimizer, state["optimizer"], options=options)


def _dcp_round_trip(context: _RankContext) -> str | None:
    for kind, options in _state_dict_options():
        trained, restored = (_shard(_new_model(), context.mesh) for _ in range(2))
        optimizer = context.factory(trained.parameters(), **context.hyperparameters)
        _train(trained, optimizer, range(CHECKPOINT_STEP), context.rows)
        path = context.job.workdir / f"round-trip-{kind}"
        dcp.save(_checkpoint(trained, optimizer, options), checkpoint_id=path)
        restored_optimizer = context.factory(restored.parameters(), **context.hyperparameters)
        _restore(restored, restored_optimizer, path, options)
        after_loading = _mismatch(
            _snapshot(restored, restored_optimizer), _snapshot(trained, optimizer), EXACT
        )
        for model, stepped in ((trained, optimizer), (restored, restored_optimizer)):
            _train(model, stepped, range(CHECKPOINT_STEP, STEPS), context.rows)
        continued = _mismatch(
            _snapshot(restored, restored_optimizer), _snapshot(trained, optimizer), EXACT
        )
        where = f"{kind} state dicts saved with DCP and loaded under FSDP2"
        if after_loading is not None:
            return f"{where}, right after loading: {after_loading}"
        if continued is not None:
            return f"{where}, after {STEPS - CHECKPOINT_STEP} more steps: {continued}"
    return None


def _resume_checkpoint(context: _RankContext) -> tuple[Path, Path]:
    """Where the FSDP2 run saves its checkpoint, and its params and state at the end."""
    return context.job.workdir / "resume", context.job.workdir / "resume-expected.pt"


def _train_and_checkpoint_under_fsdp2(context: _RankContext) -> str | None:
    """Train under FSDP2, checkpoint after CHECKPOINT_STEP steps, and record where the run ends."""
    checkpoint, expected = _resume_checkpoint(context)
    model = _shard(_new_model(), context.mesh)
    optimizer = context.factory(model.parameters(), **context.hyperparameters)
    _train(model, optimizer, range(CHECKPOINT_STEP), context.rows)
    dcp.save(_checkpoint(model, optimizer, StateDictOptions()), checkpoint_id=checkpoint)
    _train(model, optimizer, range(CHECKPOINT_STEP, STEPS), context.rows)
    snapshot = _snapshot(model, optimizer)
    if context.rank == 0:
        torch.save(snapshot, expected)
    return None


def _resume_in_one_process(context: _RankContext) -> str | None:
    """Load the FSDP2 checkpoint without any process group and continue on whole batches."""
    checkpoint, expected = _resume_checkpoint(context)
    model = _new_model()
    optimizer = context.factory(model.parameters(), **context.hyperparameters)
    with warnings.catch_warnings():
        # DCP warns that it loads in a single process, which is the point here.
        warnings.filterwarnings("ignore", "torch.distributed is disabled", UserWarning)
        _restore(model, optimizer, checkpoint, StateDictOptions())
    _train(model, optimizer, range(CHECKPOINT_STEP, STEPS), slice(None))
    problem = _mismatch(_snapshot(model, optimizer), torch.load(expected), TOLERANCE)
    if problem is not None:
        return (
            f"a checkpoint taken under FSDP2 after {CHECKPOINT_STEP} steps, loaded in one "
            f"process and continued for {STEPS - CHECKPOINT_STEP} steps, vs continuing under "
            f"FSDP2: {problem}"
        )
    return None


@dataclass(frozen=True)
class Scenario:
    """One check's work: ``in_ranks`` runs in every rank, returning a problem or None; then,
    once the process group is gone, ``in_one_process`` (if any) runs in rank 0 alone."""

    name: str
    rule: str
    in_ranks: Callable[[_RankContext], str | None]
    in_one_process: Callable[[_RankContext], str | None] | None = None


SCENARIOS = (
    Scenario(
        "ddp_matches_one_process",
        "under DistributedDataParallel, with a float or a Tensor lr, params and state after "
        "several steps equal those of one process training the same model on the whole batch",
        _ddp_matches_one_process,
    ),
    Scenario(
        "fsdp2_matches_one_process",
        "under FSDP2 (fully_shard, DTensor params), with a float or a Tensor lr, the gathered "
        "params and state after several steps equal those of one process training the same "
        "model on the whole batch",
        _fsdp2_matches_one_process,
    ),
    Scenario(
        "fsdp2_state_like_reference",
        "under FSDP2, each state value is what the reference keeps: param-shaped buffers are "
        "DTensors with the param's placements, the step counter a plain 0-d tensor",
        _fsdp2_state_like_reference,
    ),
    Scenario(
        "dtensor_grads_of_other_placements",
        "a DTensor param whose grad has other placements (replicated, Partial: not yet "
        "reduced, or sharded along another dim) is stepped as the whole tensors would be, and "
        "its state has the placements the reference gives it",
        _dtensor_grads_of_other_placements,
    ),
    Scenario(
        "dcp_round_trip",
        "optimizer state saved and loaded with torch.distributed.checkpoint, through "
        "get_optimizer_state_dict and set_optimizer_state_dict with sharded and with full "
        "state dicts, equals the saved state and continues exactly as the saved run does",
        _dcp_round_trip,
    ),
    Scenario(
        "fsdp2_checkpoint_resumes_in_one_process",
        "a DCP checkpoint taken under FSDP2 loads into the optimizer of a single process, "
        "which continues as the FSDP2 run does",
        _train_and_checkpoint_under_fsdp2,
        _resume_in_one_process,
    ),
)


# --- The rank's entry point -----------------------------------------------------------------


def _attempt(part: Callable[[_RankContext], str | None], context: _RankContext) -> str | None:
    """The part's problem; an exception it raises, with the frames nearest to it, is one too."""
    try:
        return part(context)
    except Exception as error:
        frames = "".join(traceback.format_tb(error.__traceback__, limit=-4))
        return f"raised {type(error).__name__}: {error}\n{frames.rstrip()}"


def report_path(workdir: Path, rank: int) -> Path:
    """Where a rank writes {scenario name: problem or None}."""
    return workdir / f"rank-{rank}.json"


def run_in_rank(rank: int, world_size: int, job: Job) -> None:
    """Run the job's scenarios in this rank of a process group, writing its report after each
    one, so that a rank that dies still reports the scenarios it finished."""
    context = _RankContext(job, rank, init_device_mesh("cpu", (world_size,)))
    report = report_path(job.workdir, rank)
    scenarios = [scenario for scenario in SCENARIOS if scenario.name in job.scenarios]
    problems: dict[str, str | None] = {}
    for scenario in scenarios:
        problems[scenario.name] = _attempt(scenario.in_ranks, context)
        report.write_text(json.dumps(problems))
    dist.destroy_process_group()
    if rank != 0:
        return
    for scenario in scenarios:
        if scenario.in_one_process is not None and problems[scenario.name] is None:
            problems[scenario.name] = _attempt(scenario.in_one_process, context)
            report.write_text(json.dumps(problems))
