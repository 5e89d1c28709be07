"""Runs the functional core as Inductor-generated kernels: one call per tensor, in the tensor's
own memory.

Compilation strategy: :func:`~adadelta_compiled.functional.adadelta_step_` is compiled,
``fullgraph=True``, over 1-D aliases whose length is a symbolic size traced "size-obliviously"
(no special case for lengths 0 and 1; unbacked sizes would serve too, but make Inductor stage
every intermediate through a temporary buffer, doubling the memory traffic). The generated
kernel (C++/OpenMP on CPU, Triton on CUDA) therefore serves every tensor of every shape, and the
hyperparameters arrive as 0-d tensors, so neither a new shape, nor a scheduler changing lr, nor
rho/eps/weight_decay/maximize changes, nor the growing step count recompile. What does compile a
new graph is a new (device, dtype) pair of params, on CPU once for the single-threaded and once
for the multi-threaded variant, whichever the tensors' sizes need (see PARALLEL_MIN_NUMEL), a
group with weight decay (a group without has a kernel without its arithmetic), and a Tensor lr
on an accelerator rather than on the CPU; each at most once per process.

What the kernel costs beyond moving memory: on a CPU with few cores it is close to
compute-bound, not only bandwidth-bound. With AVX-512 on two cores, its two square roots and a
division per element take about as long as moving the element's 28 bytes, so every further
vector operation shows in the step time. The generated C++ was otherwise the same as
``torch.compile(opt.step)``'s for the same tensor (one pass, the same static OpenMP schedule; the
symbolic length's vector tail, dynamic threads and the precision-emulation options measured no
different), but it did a third more vector operations per element: ``torch.where`` computed the
weight-decayed grad of every element and discarded it when λ = 0, and each multiply-add was a
multiply and an add where torch's kernels fuse them. That put it at 1.07x a streaming kernel of
the same traffic where compiled torch was at 1.01x (in-process rounds, one 32 Mi fp32 tensor).
Without weight decay the kernel now has no weight-decay arithmetic at all, and it fuses
multiply-adds exactly where torch does (:func:`~adadelta_compiled.functional._fma`), which is
also what makes its bits torch's. What still differs from compiled torch's loop is measured as
nothing: the hyperparameters are read from memory rather than folded in as constants (a kernel
with them folded in was no faster), and maximize is one multiply by ±1. What does differ, on a
2-vCPU VM, is where the buffers lie: the tensors a process allocates first step up to 20 %
faster than those allocated after them, whichever kernel steps them (the benchmark therefore
times both build orders).

Each graph's first call goes through Dynamo, which compiles it (or loads it from Inductor's
cache); every later call runs the generated code directly (:mod:`.artifact`), at ~2 µs rather
than ~30 µs a call, which is what makes one call per tensor affordable for a model's many small
tensors. The kernel reads and writes each param, grad and state tensor where it is: nothing is
copied, gathered or kept between steps.

Which graph steps which tensors follows from the tensors' metadata alone (:func:`layout_of`), so
a param group keeps it from step to step while that metadata stays the same (:mod:`.plan`).

A tensor that cannot be seen as one dense run of memory laid out alike in param, grad and state
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

import functools
import os
import types
import warnings
from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Literal, NamedTuple

import torch
import torch.fx.experimental._config as fx_config
from torch import Tensor
from torch._dynamo.exc import TorchDynamoException

try:
    from torch.distributed.tensor import DTensor
except ImportError:  # a torch built without torch.distributed: no DTensor can reach us
    DTensor = ()  # type: ignore[assignment,misc]  # isinstance(x, ()) is always False

from . import functional, many
from .artifact import CapturingBackend, DirectCall
from .functional import Hyperparameters, adadelta_step_

__all__ = [
    "PARALLEL_MIN_NUMEL",
    "STRICT_ENV_VAR",
    "CompileFallbackWarning",
    "Layout",
    "layout_of",
    "step_tensors",
]

STRICT_ENV_VAR = "ADADELTA_COMPILED_STRICT"


class CompileFallbackWarning(RuntimeWarning):
    """Inductor could not compile the step; it runs eagerly with the same math instead."""


# Below this length a CPU kernel runs on one thread (ATen's own grain size): OpenMP threads
# that went to sleep between steps take milliseconds to wake on a small VM, far more than the
# work. At or above it, the kernel always has an OpenMP loop sized at run time; otherwise
# Inductor would decide serial-vs-parallel once, from the length of whichever tensor compiled it.
PARALLEL_MIN_NUMEL = 32768


def _packed_step_(
    param: Tensor, grad: Tensor, square_avg: Tensor, acc_delta: Tensor, scalars: Tensor,
    lr: Tensor, decays: bool = False,
) -> None:
    """:func:`~adadelta_compiled.functional.adadelta_step_` with its hyperparameters packed as
    :func:`packed` packs them: the function the kernel compiles, with weight decay or without
    (``decays``, a constant to Dynamo: each :class:`_Variant` sets its own default).

    Dynamo takes a 0-d float64 CPU tensor input for a Python float, fails to keep it symbolic
    and starts its analysis over (~0.4 s per graph). Packed into 1-D tensors and indexed in the
    graph, the values are plain inputs, and still 0-d tensors to the math, so they promote as
    the functional core's 0-d hyperparameters do.
    """
    weight_decay = scalars[2] if decays else None
    hp = Hyperparameters(lr[0], scalars[0], scalars[1], weight_decay, scalars[3] != 0)
    functional.adadelta_step_(param, grad, square_avg, acc_delta, hp)


def packed(hp: Hyperparameters) -> tuple[Tensor, Tensor]:
    """``hp`` as the kernel takes it: (rho, eps, weight_decay, maximize) as one float64 vector
    (weight_decay 0 where it is None), and lr as a 1-element tensor on its own device and of
    its own dtype."""
    weight_decay = hp.rho.new_zeros(()) if hp.weight_decay is None else hp.weight_decay
    scalars = torch.stack([hp.rho, hp.eps, weight_decay, hp.maximize.to(torch.float64)])
    return scalars, hp.lr.reshape(1)


# Values for checking a graph's direct call: every output changes (lr, weight decay, maximize on).
_CHECK_SCALARS = (0.9, 1e-6, 0.1, 1.0)
_CHECK_LR = 0.5


class _Variant:
    """:func:`_packed_step_` compiled with one set of Inductor options, under a code object of
    its own, so that each variant has its own Dynamo cache (Dynamo caches graphs per code
    object)."""

    def __init__(self, name: str, cpu_threads: Literal["one", "all"], probe_isa: bool,
                 decays: bool) -> None:
        code = _packed_step_.__code__.replace(co_name=name)
        step_ = types.FunctionType(code, _packed_step_.__globals__, name, (decays,))
        threads = {"cpp.threads": 1} if cpu_threads == "one" else {"cpp.dynamic_threads": True}
        # emulate_precision_casts keeps the bf16/fp16 roundings the functional core spells out,
        # so low-precision params see torch.optim.Adadelta's arithmetic precision;
        # division_rounding makes Triton divide correctly rounded, as eager CUDA does, instead of
        # approximately. vec_isa_ok=True takes the CPU's vector ISA from /proc/cpuinfo instead
        # of compiling a probe of ATen's vector headers per ISA, ~4 s each on 2 cores, ~9 of a
        # cold first step's 13 s; the probing variant is the fallback should the compiler not
        # support that ISA.
        self.options = {
            "emulate_precision_casts": True,
            "eager_numerics.division_rounding": True,
            **({} if probe_isa else {"cpp.vec_isa_ok": True}),
            **threads,
        }
        self.backend = CapturingBackend(self.options)
        self.through_dynamo = torch.compile(step_, backend=self.backend, fullgraph=True,
                                            dynamic=True)  # fmt: skip


# The compiled variants by (parallel, probe_isa, decays); see PARALLEL_MIN_NUMEL and _Variant.
_variants = {
    (parallel, probe_isa, decays): _Variant(
        f"adadelta_step_{'parallel' if parallel else 'serial'}{'_decaying' if decays else ''}"
        f"{'_probing' if probe_isa else ''}_",
        cpu_threads="all" if parallel else "one",
        probe_isa=probe_isa,
        decays=decays,
    )
    for parallel in (False, True)
    for probe_isa in (False, True)
    for decays in (False, True)
}

# What selects a graph: whether it is parallel, the tensors' device and dtype, the lr's device
# and dtype, whether it decays weights.
_GraphKey = tuple[bool, torch.device, torch.dtype, torch.device, torch.dtype, bool]
# Keys whose graph exists, with its direct call (None: it is called through Dynamo); keys whose
# graph failed to compile with the CPU's ISA trusted (they use the probing variant); keys whose
# compilation failed (they step eagerly, no retry).
_compiled: dict[_GraphKey, DirectCall | None] = {}
_isa_untrusted: set[_GraphKey] = set()
_failed_to_compile: set[_GraphKey] = set()


class Run(NamedTuple):
    """The tensors of a :class:`Layout` that one graph variant steps."""

    parallel: bool
    indices: list[int]  # positions in the columns, in order
    numels: list[int]  # the numel of each tensor at ``indices``
    chunk_numels: list[list[int]]  # ``numels`` K at a time, the last filled up with zeros
    take: Callable[[Sequence[Tensor]], Sequence[Tensor]]  # a column's tensors at ``indices``


class Layout(NamedTuple):
    """What :func:`step_tensors` works out from plain tensors' metadata before stepping them:
    which graph variant steps which tensors, their numels, and whether multi-tensor graphs may
    count the steps. It depends on nothing else, so it holds for any tensors whose metadata is
    the same (see :mod:`.plan`)."""

    runs: list[Run]
    # The step counters are torch's default kind, plain 0-d float32 tensors, on the CPU like
    # the params: a multi-tensor graph adds one to them (see :mod:`.many`).
    counts: bool


def layout_of(columns: tuple[Sequence[Tensor], ...], state_steps: Sequence[Tensor]
              ) -> Layout | None:
    """The :class:`Layout` of ``columns`` (params, grads, square_avgs, acc_deltas) and their
    ``state_steps`` if every tensor of ``columns`` is a plain contiguous tensor of one real
    floating dtype and one device, each the numel of its param; else None (each tensor is then
    stepped by :func:`_step_one`).

    Loops in C (map): without a plan (:mod:`.plan`) this runs at every step over every tensor,
    and it is what lets a step call the kernel with no check of its own.
    """
    tensors = list(chain.from_iterable(columns))
    first = tensors[0]
    dtype, device = first.dtype, first.device
    if not (
        dtype.is_floating_point
        and _PLAIN_TYPES.issuperset(map(type, tensors))
        and all(map(Tensor.is_contiguous, tensors))
        and {dtype} == set(map(_dtype_of, tensors))
        # is_cpu is cheaper than building a torch.device per tensor, on the CPU where many
        # small tensors make that cost count.
        and (
            all(map(_is_cpu, tensors))
            if device.type == "cpu"
            else {device} == set(map(_device_of, tensors))
        )
    ):
        return None
    numels = list(map(Tensor.numel, columns[0]))
    if any(list(map(Tensor.numel, column)) != numels for column in columns[1:]):
        return None
    # Which variant each length takes, as in _run_kernel: on an accelerator, always parallel.
    on_accelerator = device.type != "cpu"
    by_variant: dict[bool, list[int]] = {}
    for index, numel in enumerate(numels):
        by_variant.setdefault(on_accelerator or numel >= PARALLEL_MIN_NUMEL, []).append(index)
    runs = [_run(parallel, indices, numels) for parallel, indices in by_variant.items()]
    counts = (
        device.type == "cpu"
        and _PLAIN_TYPES.issuperset(map(type, state_steps))
        and {torch.float32} == set(map(_dtype_of, state_steps))
        and all(map(_is_cpu, state_steps))
        and not any(map(Tensor.dim, state_steps))
    )
    return Layout(runs, counts)


def _run(parallel: bool, indices: list[int], numels: list[int]) -> Run:
    """The run of the tensors at ``indices``, with what stepping it takes worked out."""
    k = many.K
    run_numels = [numels[i] for i in indices]
    chunk_numels = [run_numels[start : start + k] for start in range(0, len(indices), k)]
    chunk_numels[-1] += [0] * (k - len(chunk_numels[-1]))
    take: Callable[[Sequence[Tensor]], Sequence[Tensor]]
    if indices == list(range(len(numels))):
        take = _whole
    elif len(indices) == 1:
        take = functools.partial(_one, indices[0])
    else:
        take = itemgetter(*indices)
    return Run(parallel, indices, run_numels, chunk_numels, take)


def _whole(column: Sequence[Tensor]) -> Sequence[Tensor]:
    return column


def _one(index: int, column: Sequence[Tensor]) -> Sequence[Tensor]:
    return (column[index],)


_PLAIN_TYPES = frozenset({Tensor, torch.nn.Parameter})
_dtype_of = attrgetter("dtype")
_device_of = attrgetter("device")
_is_cpu = attrgetter("is_cpu")


def step_tensors(
    params: Sequence[Tensor],
    grads: Sequence[Tensor],
    square_avgs: Sequence[Tensor],
    acc_deltas: Sequence[Tensor],
    state_steps: Sequence[Tensor],
    hp: Hyperparameters,
    *,
    compiled: bool = True,
    layout: Layout | None = None,
    kernel_hp: tuple[Tensor, Tensor] | None = None,
) -> None:
    """Apply one Adadelta step in place to each (param, grad, square_avg, acc_delta), and add
    one to each of ``state_steps``.

    ``compiled=False`` runs the same math eagerly (differentiable steps). Inside a user's own
    ``torch.compile`` region the math is traced into the user's graph instead. ``layout`` and
    ``kernel_hp``, when given, must be :func:`layout_of` the tensors (a plan vouches for that)
    and :func:`packed` ``hp``; else they are worked out here.
    """
    if not params:
        return
    if not compiled or torch.compiler.is_compiling():
        _increment(state_steps)
        for tensors in zip(params, grads, square_avgs, acc_deltas, strict=True):
            adadelta_step_(*_as_real(tensors), hp)
        return
    columns = (params, grads, square_avgs, acc_deltas)
    if kernel_hp is None:
        kernel_hp = packed(hp)
    if layout is None:
        layout = layout_of(columns, state_steps)
    if layout is None:
        _increment(state_steps)
        for tensors in zip(*columns, strict=True):
            _step_one(tensors, hp, kernel_hp)
    else:
        _step_plain(layout, columns, state_steps, hp, kernel_hp)
    # The kernel wrote through raw pointers: tell autograd the tensors changed in place, as
    # torch's in-place ops do, so that a graph that saved a param before the step raises.
    torch._C._increment_version([*params, *square_avgs, *acc_deltas])


def _step_plain(layout: Layout, columns: tuple[Sequence[Tensor], ...],
                state_steps: Sequence[Tensor], hp: Hyperparameters,
                kernel_hp: tuple[Tensor, Tensor]) -> None:
    """Step tensors laid out as ``layout`` says, each run by its graph: :data:`~.many.K` at a
    time by that graph's multi-tensor version once it is loaded (:mod:`.many`), which also
    counts their steps where the layout allows, else one at a time by its direct call, else one
    by one through Dynamo (the first step of a graph compiles it)."""
    first = columns[0][0]
    lr = kernel_hp[1]
    decays = hp.weight_decay is not None
    uncounted: list[Sequence[Tensor]] = []
    # A param listed twice, or two sharing memory, is stepped twice, one step after the other:
    # in one multi-tensor call both would read the memory as it was before either step (on a
    # GPU, where its loops run concurrently). Data pointers are not metadata a layout holds.
    distinct = len(set(map(Tensor.data_ptr, columns[0]))) == len(columns[0])
    for run in layout.runs:
        key = (run.parallel, first.device, first.dtype, lr.device, lr.dtype, decays)
        direct = _compiled.get(key)
        many_call = None
        if direct is not None and distinct and len(run.indices) >= many.MIN_TENSORS:
            many_call = _many_graph(key, layout.counts, direct)
        if many_call is not None and layout.counts:
            _step_many(many_call(kernel_hp), run, (*columns, state_steps), first.new_empty(0))
            continue
        uncounted.append(run.take(state_steps))
        if many_call is not None:
            _step_many(many_call(kernel_hp), run, columns, first.new_empty(0))
        elif direct is not None:
            step = direct(kernel_hp)
            for numel, *tensors in zip(run.numels, *map(run.take, columns)):
                step(numel, *tensors)
        else:
            for i, numel in zip(run.indices, run.numels):
                if numel != 0:
                    _step_one(tuple(column[i] for column in columns), hp, kernel_hp)
    if uncounted:
        _increment(list(chain.from_iterable(uncounted)))


def _step_many(step: Callable[[Sequence[int], Sequence[Tensor]], None], run: Run,
               columns: tuple[Sequence[Tensor], ...], empty: Tensor) -> None:
    """Step ``run``'s tensors of ``columns`` (four, or five with the step counters) by a
    loaded multi-tensor graph, K at a time, the last chunk filled up with ``empty`` tensors
    (the generated loops run no iteration for them) and, where it counts, a counter made for
    the call (no buffer is shared between steps, optimizers or threads)."""
    interleaved = list(chain.from_iterable(zip(*map(run.take, columns))))
    width = len(columns)
    per_chunk = width * many.K
    for start, numels in zip(range(0, len(interleaved), per_chunk), run.chunk_numels):
        tensors = interleaved[start : start + per_chunk]
        if len(tensors) < per_chunk:
            padding = [empty] * 4 + [torch.zeros(())] * (width - 4)
            tensors += padding * ((per_chunk - len(tensors)) // width)
        step(numels, tensors)


def _increment(state_steps: Sequence[Tensor]) -> None:
    """Add one to every ``state["step"]``.

    For CPU steps a CPU tensor operand keeps ``_foreach_add_`` from wrapping the scalar 1 into
    a new tensor once per param (torch.optim does the same).
    """
    if not state_steps:
        return
    if not torch.compiler.is_compiling() and state_steps[0].is_cpu:
        torch._foreach_add_(state_steps, torch.tensor(1.0), alpha=1.0)
    else:
        torch._foreach_add_(state_steps, 1)


def _many_graph(key: _GraphKey, counts: bool, direct: DirectCall) -> many.ManyCall | None:
    """The loaded multi-tensor graph of ``key`` (counting steps or not), or None while there
    is none (see :mod:`.many`)."""
    if key in _isa_untrusted:
        return None
    options = _variants[key[0], False, key[5]].options
    if key[1].type != "cpu":
        # One generated kernel for the K loops, so that one call is one launch, not K.
        options = {**options, "combo_kernels": True}
    many_key = (*key, counts)
    return many.graph_for(
        many_key, options, lambda many_call: _many_agrees(many_call, direct, many_key)
    )


def _many_agrees(many_call: many.ManyCall, direct: DirectCall, key: many.ManyKey) -> bool:
    """Whether ``many_call`` steps K tensors of assorted lengths (0 and 1 among them) exactly
    as ``direct`` steps each, and adds one to each counter where it counts steps."""
    device, dtype, lr = key[1], key[2], _check_hyperparameters(key)
    width = many.group_width(key)
    generator = torch.Generator().manual_seed(0)
    lengths = [(7 * group) % 40 for group in range(many.K)]
    tensors = [
        torch.rand(length, generator=generator).to(device=device, dtype=dtype) if kind < 4
        else torch.tensor(float(3 * group))  # a step counter
        for group, length in enumerate(lengths) for kind in range(width)
    ]  # fmt: skip
    expected = [t.clone() for t in tensors]
    step = direct(lr)
    for group, length in enumerate(lengths):
        step(length, *expected[width * group : width * group + 4])
        if width == 5:
            expected[width * group + 4] += 1
    try:
        many_call(lr)(lengths, tensors)
    except Exception:  # noqa: BLE001 - any failure only means: keep the per-tensor graph
        return False
    return all(torch.equal(a, e) for a, e in zip(tensors, expected, strict=True))


def _check_hyperparameters(key: _GraphKey | many.ManyKey) -> tuple[Tensor, Tensor]:
    """Packed values that change every output of ``key``'s graph (lr, weight decay, maximize
    on), for checking a direct call against a reference."""
    lr_device, lr_dtype = key[3], key[4]
    return (
        torch.tensor(_CHECK_SCALARS, dtype=torch.float64),
        torch.full((1,), _CHECK_LR, dtype=lr_dtype, device=lr_device),
    )


def _step_one(
    tensors: tuple[Tensor, ...], hp: Hyperparameters, kernel_hp: tuple[Tensor, Tensor]
) -> None:
    """Step one (param, grad, square_avg, acc_delta) of any kind."""
    if any(isinstance(t, DTensor) for t in tensors):
        if not _sharded_alike(tensors):
            # DTensor's own ops redistribute the operands, as under torch.optim.Adadelta.
            adadelta_step_(*_as_real(tensors), hp)
            return
        tensors = tuple(t.to_local() for t in tensors)
    tensors = _as_real(tensors)
    numel = tensors[0].numel()
    if numel != 0 and not (
        _laid_out_alike(tensors)
        and _run_kernel(tensors, numel, kernel_hp, decays=hp.weight_decay is not None)
    ):
        adadelta_step_(*tensors, hp)


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


def _laid_out_alike(tensors: tuple[Tensor, ...]) -> bool:
    """Whether the tensors share one dtype, device and dense memory layout, so that element i
    of each is the i-th element of its run of memory."""
    first = tensors[0]
    stride, dtype, device = first.stride(), first.dtype, first.device
    return all(
        t.stride() == stride and t.dtype == dtype and t.device == device for t in tensors[1:]
    ) and (first.is_contiguous() or _is_dense(first))


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


def _run_kernel(tensors: tuple[Tensor, ...], numel: int, kernel_hp: tuple[Tensor, Tensor], *,
                decays: bool) -> bool:
    """Step ``tensors`` (laid out alike) by the compiled kernel, with weight decay or without;
    False if it cannot be compiled for them."""
    param = tensors[0]
    parallel = numel >= PARALLEL_MIN_NUMEL or param.device.type != "cpu"
    lr = kernel_hp[1]
    key = (parallel, param.device, param.dtype, lr.device, lr.dtype, decays)
    direct = _compiled.get(key)
    if direct is not None:
        direct(kernel_hp)(numel, *tensors)
        return True
    if key in _failed_to_compile:
        return False
    variant = _variants[parallel, key in _isa_untrusted, decays]
    # 1-D aliases: what the graph is compiled for. detach() makes each a plain alias rather
    # than a view, so Dynamo guards on no base tensor's shape; it shares the param's version
    # counter, so autograd still sees the in-place update.
    flat = tuple(t.as_strided((numel,), (1,)).detach() for t in tensors)
    if key in _compiled:
        variant.through_dynamo(*flat, *kernel_hp)
        return True
    with variant.backend.lock:
        if key in _compiled:  # another thread compiled it meanwhile
            return _run_kernel(tensors, numel, kernel_hp, decays=decays)
        return _compile(key, variant, flat, kernel_hp)


def _compile(key: _GraphKey, variant: _Variant, flat: tuple[Tensor, ...],
             kernel_hp: tuple[Tensor, Tensor]) -> bool:
    """The first call of ``key``'s graph, through Dynamo: compile, step, keep its direct call."""
    # The packed hyperparameters have fixed sizes: no symbols for them.
    for packed_tensor in kernel_hp:
        torch._dynamo.mark_static(packed_tensor)
    try:
        # Only tracing reads this flag, so only a key's first call sets it.
        with fx_config.patch(backed_size_oblivious=True):
            variant.through_dynamo(*flat, *kernel_hp)
    except TorchDynamoException as error:
        param = flat[0]
        if key not in _isa_untrusted and param.device.type == "cpu":
            _isa_untrusted.add(key)
            return _run_kernel(flat, param.numel(), kernel_hp, decays=key[-1])
        if os.environ.get(STRICT_ENV_VAR, "") not in ("", "0"):
            raise
        _failed_to_compile.add(key)
        cause = getattr(error, "inner_exception", None) or error
        reason = (str(cause).strip().splitlines() or [""])[0]
        warnings.warn(
            f"adadelta_compiled: Inductor could not compile the step for {param.dtype} params on "
            f"{param.device.type} ({type(cause).__name__}: {reason}); stepping them eagerly with "
            f"the same math. Set {STRICT_ENV_VAR}=1 to raise instead.",
            CompileFallbackWarning,
            stacklevel=4,
        )
        return False
    _compiled[key] = variant.backend.direct_call(
        variant.through_dynamo, flat, _check_hyperparameters(key)
    )
    return True
