"""Multi-tensor graphs: one generated-code call steps up to :data:`K` tensors, compiled out of
sight in a spawned process.

A graph over K (param, grad, square_avg, acc_delta) groups of K symbolic lengths takes each
tensor as an input of its own and steps it in its own memory, exactly as K calls of the
per-tensor graph would (:mod:`.kernel`); nothing is gathered into a flat buffer. On the CPU the
graph also adds one to each group's ``state["step"]`` (a fifth tensor per group), which
``torch._foreach_add_`` would otherwise do one 0-d tensor at a time (~0.4 µs each, as much as
stepping 1,024 elements). A step of N tensors then runs generated code ceil(N / K) times per
graph instead of N times: on a GPU, where each call is a kernel launch, that is most of the
step for a model's many small tensors.
A chunk of fewer than K tensors fills the rest with empty tensors, which the generated loops
skip.

Compiling such a graph takes Inductor tens of seconds, so no step waits for it. The first step
that would use one starts a fresh Python process (``subprocess``: no thread and no fork in the
user's process) that compiles it into Inductor's on-disk caches and writes the generated
module's source; until that is done, steps take the per-tensor graph. The step after the
process has finished loads the module (its C++ or Triton binaries come from the cache),
checks it once, bit for bit, against the per-tensor graph, and uses it from then on. A process
forked meanwhile (a DataLoader worker) never looks at its parent's compiling process.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import torch
import torch.fx.experimental._config as fx_config
from torch import Tensor

from . import functional
from .artifact import CapturingBackend
from .functional import Hyperparameters

__all__ = [
    "K", "MIN_TENSORS", "ManyCall", "ManyKey", "graph_for", "group_width", "wait_for_compiles"
]  # fmt: skip

# Tensors per multi-tensor graph: the smallest power of two that steps 2,000 tensors in at most
# 70 calls (63; ResNet-50's 161 take 6). Measured on 2 cores shared with other work, a K = 32
# graph compiles in ~20 s with an empty cache (K = 8 and 16 took 41 and 56 s under heavier
# load: the time is the machine's more than K's); on the CPU a larger K saves little, a call
# costing ~2 µs beside the kernel's own work there, but on a GPU each call is a launch.
K = 32
# Fewer tensors of one graph than this in a step are not worth a compiling process.
MIN_TENSORS = K // 2

# A loaded multi-tensor graph, given a step's packed hyperparameters, as a function of the
# numels and the (param, grad, square_avg, acc_delta[, step]) groups it steps, at most K.
ManyCall = Callable[[Sequence[Tensor]], Callable[[Sequence[int], Sequence[Tensor]], None]]

# What selects a graph, as in kernel._GraphKey: parallel, device, dtype, lr device and dtype,
# weight decay; and whether it counts steps (float32 counters on the CPU, torch's default).
ManyKey = tuple[bool, torch.device, torch.dtype, torch.device, torch.dtype, bool, bool]


def group_width(key: ManyKey) -> int:
    """Tensors per group of ``key``'s graph: param, grad, square_avg, acc_delta, and the step
    counter where it counts steps."""
    return 5 if key[6] else 4


def _packed_step_many_(
    scalars: Tensor, lr: Tensor, *tensors: Tensor, decays: bool = False, counts: bool = False
) -> None:
    """:func:`~adadelta_compiled.kernel._packed_step_` over the groups of ``tensors``, four
    tensors each, or five where the fifth is the step counter it ``counts``."""
    weight_decay = scalars[2] if decays else None
    hp = Hyperparameters(lr[0], scalars[0], scalars[1], weight_decay, scalars[3] != 0)
    width = 5 if counts else 4
    for start in range(0, len(tensors), width):
        functional.adadelta_step_(*tensors[start : start + 4], hp)
        if counts:
            tensors[start + 4].add_(1)  # torch's state_steps += 1


# Group g is traced with tensors of this length + g; any length above 1 would do.
_FIRST_LENGTH = 17


def compile_source(key: ManyKey, options: dict[str, Any]) -> dict[str, Any]:
    """Compile the K-group graph of ``key`` with Inductor ``options``; return its generated
    module's source and the order of its inputs (``["length", i]``, ``["tensor", j]``,
    ``["scalars"]``, ``["lr"]``). Runs in the compiling process."""
    parallel, device, dtype, lr_device, lr_dtype, decays, counts = key
    name = f"adadelta_step_many_{'parallel' if parallel else 'serial'}_"
    step_ = types.FunctionType(
        _packed_step_many_.__code__.replace(co_name=name), _packed_step_many_.__globals__, name
    )
    step_.__kwdefaults__ = {"decays": decays, "counts": counts}
    # One C++ function for the K loops (and K counters), not one per 16 (Inductor's default
    # fusion limit).
    width = group_width(key)
    backend = CapturingBackend({**options, "cpp.max_horizontal_fusion_size": width * K})
    compiled = torch.compile(step_, backend=backend, fullgraph=True, dynamic=True)
    # Distinct lengths, so that Dynamo gives each group a symbol of its own.
    tensors = [
        torch.zeros(_FIRST_LENGTH + group, device=device, dtype=dtype) if kind < 4
        else torch.zeros((), device=device)  # the step counter
        for group in range(K) for kind in range(width)
    ]  # fmt: skip
    scalars = torch.tensor([0.9, 1e-6, 0.0, 0.0], dtype=torch.float64)
    lr = torch.ones(1, device=lr_device, dtype=lr_dtype)
    for packed_tensor in (scalars, lr):
        torch._dynamo.mark_static(packed_tensor)
    with fx_config.patch(backed_size_oblivious=True):
        compiled(scalars, lr, *tensors)
    captured = backend.take_captured()
    if captured is None:
        raise RuntimeError("Inductor compiled no single graph")
    placeholders, generated = captured
    order: list[list[Any]] = []
    for name_or_length in placeholders:
        if isinstance(name_or_length, int):  # a symbolic length, as its hint
            order.append(["length", name_or_length - _FIRST_LENGTH])
        elif name_or_length in ("l_scalars_", "l_lr_"):
            order.append([name_or_length[2:-1]])
        else:  # l_tensors_<j>_
            order.append(["tensor", int(name_or_length.removeprefix("l_tensors_")[:-1])])
    return {"source": generated.source_code, "order": order}


class _Compiling:
    """A spawned process compiling one key's graph."""

    def __init__(self, key: ManyKey, options: dict[str, Any]) -> None:
        self.out = Path(tempfile.mkdtemp(prefix="adadelta_compiled_")) / "graph.json"
        spec = {
            "key": [key[0], str(key[1]), str(key[2]).removeprefix("torch."), str(key[3]),
                    str(key[4]).removeprefix("torch."), key[5], key[6]],
            "options": options,
            "out": str(self.out),
        }  # fmt: skip
        # The same package and the same Inductor caches as this process.
        package_root = str(Path(__file__).resolve().parents[1])
        python_path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": _inductor_cache_dir(),
               "PYTHONPATH": python_path}  # fmt: skip
        self.pid = os.getpid()
        self.width = group_width(key)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "adadelta_compiled.many", json.dumps(spec)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip


def _stop_compiling() -> None:
    """At exit, stop this process's compiling processes rather than leave them running."""
    for compiling in _compiling.values():
        if compiling.pid == os.getpid() and compiling.process.poll() is None:
            compiling.process.kill()
            compiling.process.wait()
        shutil.rmtree(compiling.out.parent, ignore_errors=True)


atexit.register(_stop_compiling)


def _inductor_cache_dir() -> str:
    from torch._inductor.runtime.cache_dir_utils import cache_dir

    return cache_dir()


# Per key: the process compiling its graph, the loaded graph, or None where it could not be
# compiled or loaded (the per-tensor graph serves, for good).
_compiling: dict[ManyKey, _Compiling] = {}
_loaded: dict[ManyKey, ManyCall | None] = {}


def graph_for(
    key: ManyKey, options: dict[str, Any], check: Callable[[ManyCall], bool]
) -> ManyCall | None:
    """The loaded multi-tensor graph of ``key``, or None while it is not (yet) there: starts
    its compiling process on the first call, loads it (``check``-ed, with Inductor
    ``options``) on the first call after that process has finished."""
    if key in _loaded:
        return _loaded[key]
    compiling = _compiling.get(key)
    if compiling is None:
        try:
            _compiling[key] = _Compiling(key, options)
        except OSError:  # no interpreter to start, no temporary directory: per-tensor graphs
            _loaded[key] = None
        return None
    # A forked child never waits on, nor loads what, its parent's process is compiling.
    if compiling.pid != os.getpid() or compiling.process.poll() is None:
        return None
    del _compiling[key]
    loaded = _load(compiling, options) if compiling.process.returncode == 0 else None
    _loaded[key] = loaded if loaded is not None and check(loaded) else None
    return _loaded[key]


def wait_for_compiles() -> None:
    """Block until every spawned compiling process has finished (benchmarks and tests)."""
    for compiling in list(_compiling.values()):
        if compiling.pid == os.getpid():
            compiling.process.wait()


def _load(compiling: _Compiling, options: dict[str, Any]) -> ManyCall | None:
    from torch._inductor import config as inductor_config
    from torch._inductor.codecache import PyCodeCache

    try:
        result = json.loads(compiling.out.read_text())
        with inductor_config.patch(options):
            module = PyCodeCache.load(result["source"])
    except Exception:  # noqa: BLE001 - any failure only means: keep the per-tensor graph
        return None
    finally:
        shutil.rmtree(compiling.out.parent, ignore_errors=True)
    return _many_call(
        module.call, [tuple(entry) for entry in result["order"]], compiling.width
    )


def _many_call(
    call: Callable[[list[Any]], Any], order: list[tuple[Any, ...]], width: int
) -> ManyCall:
    # Positions in [*numels, *tensors, scalars, lr] of the generated code's inputs, in order.
    tensors_end = K + width * K
    position = {"length": 0, "tensor": K, "scalars": tensors_end, "lr": tensors_end + 1}
    in_graph_order = itemgetter(*(position[kind] + sum(index) for kind, *index in order))

    def with_hyperparameters(
        hyperparameters: Sequence[Tensor],
    ) -> Callable[[Sequence[int], Sequence[Tensor]], None]:
        scalars, lr = hyperparameters

        def step(numels: Sequence[int], tensors: Sequence[Tensor]) -> None:
            call(list(in_graph_order([*numels, *tensors, scalars, lr])))

        return step

    return with_hyperparameters


def _main(spec_json: str) -> None:
    spec = json.loads(spec_json)
    parallel, device, dtype, lr_device, lr_dtype, decays, counts = spec["key"]
    key = (parallel, torch.device(device), getattr(torch, dtype), torch.device(lr_device),
           getattr(torch, lr_dtype), decays, counts)  # fmt: skip
    result = compile_source(key, spec["options"])
    out = Path(spec["out"])
    partial = out.with_suffix(".partial")
    partial.write_text(json.dumps(result))
    partial.replace(out)  # the parent reads it only whole


if __name__ == "__main__":
    _main(sys.argv[1])
