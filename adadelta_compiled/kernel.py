"""Runs the functional core as Inductor-generated kernels: one call per dense tensor (a large
param, or a segment's flat buffers, see :mod:`adadelta_compiled.segments`), one per
(device, dtype) for the small tensors that no segment holds.

Compilation strategy: :func:`~adadelta_compiled.functional.adadelta_step_` is compiled,
``fullgraph=True``, over 1-D aliases whose length is a symbolic size traced "size-obliviously"
(no special case for lengths 0 and 1; unbacked sizes would serve too, but make Inductor stage
every intermediate through a temporary buffer, doubling the memory traffic). The generated
kernel (C++/OpenMP on CPU, Triton on CUDA) therefore serves every tensor of every shape, and the
hyperparameters arrive as 0-d tensors, so neither a new shape, nor a scheduler changing lr, nor
rho/eps/weight_decay/maximize changes, nor the growing step count recompile. What does compile a
new graph is a new (device, dtype) pair of params, on CPU once for the single-threaded and once
for the multi-threaded variant, whichever the tensors' sizes need (see PARALLEL_MIN_NUMEL), and
a Tensor lr on an accelerator
rather than on the CPU; each at most once per process.

A tensor that cannot be seen as one dense 1-D run of memory shared by param, grad and state
(e.g. a param that is a strided slice, or a grad with other strides than its param) takes the
eager path through the same math. If Inductor fails to compile (no C++ compiler, an Inductor
error), the step warns once with :class:`CompileFallbackWarning` and runs eagerly from then on;
setting the environment variable ``ADADELTA_COMPILED_STRICT=1`` raises the error instead.

DTensor params (FSDP2, tensor parallel) whose grad and state share the param's device mesh and
placements, none of them ``Partial``, are stepped through their local shards by the same
kernels: the update is elementwise, so each rank steps its own shard exactly as it would the
whole tensor. Any other mix (e.g. a ``Partial`` or replicated grad of a sharded param) steps
eagerly on the DTensors, whose ops redistribute their operands as they do under
torch.optim.Adadelta.
"""

from __future__ import annotations

import os
import types
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Literal

import torch
import torch.fx.experimental._config as fx_config
from torch import Tensor
from torch._dynamo.exc import TorchDynamoException

try:
    from torch.distributed.tensor import DTensor
except ImportError:  # a torch built without torch.distributed: no DTensor can reach us
    DTensor = ()  # type: ignore[assignment,misc]  # isinstance(x, ()) is always False

from .functional import Hyperparameters, adadelta_step_

__all__ = ["SMALL_TENSOR_NUMEL", "STRICT_ENV_VAR", "CompileFallbackWarning", "step_tensors"]

STRICT_ENV_VAR = "ADADELTA_COMPILED_STRICT"

# A kernel call costs ~35 µs of fixed overhead on a 2-core CPU; copying a tensor through a
# shared buffer costs ~56 bytes/element (gather θ, g, v, u; scatter θ, v, u), ~1.2 ns/element at
# ~48 GB/s. Below ~30 K elements the copy is cheaper, so smaller tensors of one device and dtype
# are gathered, stepped by one kernel call, and scattered back.
SMALL_TENSOR_NUMEL = 32768


class CompileFallbackWarning(RuntimeWarning):
    """Inductor could not compile the step; it runs eagerly with the same math instead."""


# Below this length a CPU kernel runs on one thread (ATen's own grain size): OpenMP threads
# that went to sleep between steps take milliseconds to wake on a small VM, far more than the
# work. At or above it, the kernel always has an OpenMP loop sized at run time; otherwise
# Inductor would decide serial-vs-parallel once, from the length of whichever tensor compiled it.
PARALLEL_MIN_NUMEL = 32768


def _compile_step(
    name: str, cpu_threads: Literal["one", "all"], probe_isa: bool
) -> Callable[..., None]:
    """:func:`adadelta_step_` compiled under a code object of its own, so that each variant has
    its own Dynamo cache (Dynamo caches graphs per code object)."""
    code = adadelta_step_.__code__.replace(co_name=name)
    step_ = types.FunctionType(code, adadelta_step_.__globals__, name)
    threads = {"cpp.threads": 1} if cpu_threads == "one" else {"cpp.dynamic_threads": True}
    # emulate_precision_casts keeps the bf16/fp16 roundings the functional core spells out, so
    # low-precision params see torch.optim.Adadelta's arithmetic precision; division_rounding
    # makes Triton divide correctly rounded, as eager CUDA does, instead of approximately.
    # vec_isa_ok=True takes the CPU's vector ISA from /proc/cpuinfo instead of compiling a probe
    # of ATen's vector headers per ISA, ~4 s each on 2 cores, ~9 of a cold first step's 13 s;
    # the probing variant is the fallback should the compiler not support that ISA.
    return torch.compile(
        step_,
        fullgraph=True,
        dynamic=True,
        options={
            "emulate_precision_casts": True,
            "eager_numerics.division_rounding": True,
            **({} if probe_isa else {"cpp.vec_isa_ok": True}),
            **threads,
        },
    )


# The compiled variants by (parallel, probe_isa); see PARALLEL_MIN_NUMEL and _compile_step.
_variants = {
    (parallel, probe_isa): _compile_step(
        f"adadelta_step_{'parallel' if parallel else 'serial'}{'_probing' if probe_isa else ''}_",
        cpu_threads="all" if parallel else "one",
        probe_isa=probe_isa,
    )
    for parallel in (False, True)
    for probe_isa in (False, True)
}

# What selects a graph: the variant, the tensors' device and dtype, the lr's device and dtype.
_GraphKey = tuple[bool, torch.device, torch.dtype, torch.device, torch.dtype]
# Keys whose graph exists, keys whose graph failed to compile with the CPU's ISA trusted (they
# use the probing variant), and keys whose compilation failed (they step eagerly, no retry).
_compiled: set[_GraphKey] = set()
_isa_untrusted: set[_GraphKey] = set()
_failed_to_compile: set[_GraphKey] = set()
# Gather buffers of the small-tensor path, one per (device, dtype); see _scratch.
_scratch_buffers: dict[tuple[torch.device, torch.dtype], Tensor] = {}


def step_tensors(
    params: Sequence[Tensor],
    grads: Sequence[Tensor],
    square_avgs: Sequence[Tensor],
    acc_deltas: Sequence[Tensor],
    hp: Hyperparameters,
    *,
    compiled: bool = True,
) -> None:
    """Apply one Adadelta step in place to each (param, grad, square_avg, acc_delta).

    ``compiled=False`` runs the same math eagerly (differentiable steps). Inside a user's own
    ``torch.compile`` region the math is traced into the user's graph instead.
    """
    use_kernel = compiled and not torch.compiler.is_compiling()
    small: dict[tuple[torch.device, torch.dtype], list[tuple[Tensor, ...]]] = defaultdict(list)
    for tensors in zip(params, grads, square_avgs, acc_deltas, strict=True):
        if use_kernel and any(isinstance(t, DTensor) for t in tensors):
            if not _sharded_alike(tensors):
                # DTensor's own ops redistribute the operands, as under torch.optim.Adadelta.
                adadelta_step_(*_as_real(tensors), hp)
                continue
            tensors = tuple(t.to_local() for t in tensors)
        tensors = _as_real(tensors)
        param = tensors[0]
        if param.numel() == 0:
            continue
        if not use_kernel:
            adadelta_step_(*tensors, hp)
        elif param.numel() < SMALL_TENSOR_NUMEL and all(t.is_contiguous() for t in tensors):
            small[param.device, param.dtype].append(tensors)
        else:
            _step_in_place(tensors, hp)
    for bucket in small.values():
        if len(bucket) == 1:
            _step_in_place(bucket[0], hp)
        else:
            _step_bucket(bucket, hp)


def _sharded_alike(tensors: tuple[Tensor, ...]) -> bool:
    """Whether all are DTensors of one global shape, mesh and placements, none ``Partial``, so
    that their local shards line up element for element.

    Sums pending over ranks (``Partial``) would have to be reduced before the nonlinear update.
    """
    param = tensors[0]
    if not isinstance(param, DTensor) or any(p.is_partial() for p in param.placements):
        return False
    return all(
        isinstance(t, DTensor)
        and t.shape == param.shape
        and t.device_mesh == param.device_mesh
        and t.placements == param.placements
        for t in tensors[1:]
    )


def _as_real(tensors: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Complex tensors as real views with a trailing dim of 2 (re, im), stepped elementwise."""
    if tensors[0].is_complex():
        return tuple(torch.view_as_real(t) for t in tensors)
    return tensors


def _step_in_place(tensors: tuple[Tensor, ...], hp: Hyperparameters) -> None:
    """Step one tensor in its own memory: by the kernel where it is dense, else eagerly."""
    flat = _flat_views(tensors)
    if flat is None or not _run_kernel(flat, hp):
        adadelta_step_(*tensors, hp)


def _step_bucket(bucket: list[tuple[Tensor, ...]], hp: Hyperparameters) -> None:
    """Step small contiguous tensors of one device and dtype by one kernel call on copies."""
    columns = [[t.flatten() for t in column] for column in zip(*bucket)]
    sizes = [t.numel() for t in columns[0]]
    scratch = _scratch(columns[0][0], sum(sizes))
    gathered = tuple(torch.cat(column, out=row) for column, row in zip(columns, scratch))
    if not _run_kernel(gathered, hp):
        adadelta_step_(*gathered, hp)
    params, _, square_avgs, acc_deltas = columns
    for targets, source in zip((params, square_avgs, acc_deltas), gathered[:1] + gathered[2:]):
        torch._foreach_copy_(targets, list(source.split(sizes)))


def _scratch(like: Tensor, numel: int) -> tuple[Tensor, ...]:
    """Four 1-D buffers of ``numel`` elements, kept between steps per device and dtype.

    Fresh multi-MB allocations are returned to the OS and page-faulted back in on every step,
    which cost more than the step itself on the 2-core CPU measured (4 ms per 8 MB buffer).
    They are plain aliases (detached), not views, so Dynamo guards on no base tensor's shape.
    """
    key = (like.device, like.dtype)
    buffer = _scratch_buffers.get(key)
    if buffer is None or buffer.shape[1] < numel:
        buffer = torch.empty((4, numel), dtype=like.dtype, device=like.device)
        _scratch_buffers[key] = buffer
    return tuple(row[:numel].detach() for row in buffer)


def _flat_views(tensors: tuple[Tensor, ...]) -> tuple[Tensor, ...] | None:
    """1-D views of tensors that share one dense memory layout, else None."""
    first = tensors[0]
    stride = first.stride()
    if any(t.stride() != stride for t in tensors[1:]):
        return None
    if not (first.is_contiguous() or _is_dense(first)):
        return None
    numel = first.numel()
    # detach() makes each a plain alias rather than a view, so Dynamo guards on no base
    # tensor's shape; the alias shares the param's version counter, so autograd still sees
    # the in-place update.
    return tuple(t.as_strided((numel,), (1,)).detach() for t in tensors)


def _is_dense(tensor: Tensor) -> bool:
    """Whether the elements fill one run of memory without gaps or overlap, in any dim order."""
    expected_stride = 1
    for size, stride in sorted(zip(tensor.shape, tensor.stride()), key=lambda dim: dim[1]):
        if size == 1:
            continue
        if stride != expected_stride:
            return False
        expected_stride *= size
    return True


def _run_kernel(flat: tuple[Tensor, ...], hp: Hyperparameters) -> bool:
    """Run the compiled kernel; False if it cannot be compiled for these tensors."""
    param = flat[0]
    parallel = param.device.type != "cpu" or param.numel() >= PARALLEL_MIN_NUMEL
    key = (parallel, param.device, param.dtype, hp.lr.device, hp.lr.dtype)
    if key in _failed_to_compile:
        return False
    probe_isa = key in _isa_untrusted
    compiled_step_ = _variants[parallel, probe_isa]
    try:
        if key in _compiled:
            compiled_step_(*flat, hp)
        else:
            # Only tracing reads this flag, and patching it costs more than a step of a small
            # tensor, so only a key's first call (the one that may compile) sets it.
            with fx_config.patch(backed_size_oblivious=True):
                compiled_step_(*flat, hp)
            _compiled.add(key)
    except TorchDynamoException as error:
        if not probe_isa and param.device.type == "cpu":
            _isa_untrusted.add(key)
            return _run_kernel(flat, hp)
        if os.environ.get(STRICT_ENV_VAR, "") not in ("", "0"):
            raise
        _failed_to_compile.add(key)
        cause = getattr(error, "inner_exception", None) or error
        reason = (str(cause).strip().splitlines() or [""])[0]
        warnings.warn(
            f"adadelta_compiled: Inductor could not compile the step for {param.dtype} params on "
            f"{param.device.type} ({type(cause).__name__}: {reason}); stepping them eagerly with the same "
            f"math. Set {STRICT_ENV_VAR}=1 to raise instead.",
            CompileFallbackWarning,
            stacklevel=2,
        )
        return False
    return True
