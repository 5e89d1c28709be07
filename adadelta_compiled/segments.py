"""Flat segments: a param group's small params and their state in flat buffers, one segment
per device and dtype, stepped by one kernel call.

Why: a kernel call costs 30-100 µs of fixed overhead on a 2-core CPU (Dynamo's guards, the
wrappers, an OpenMP fork/join), the time to stream ~300 K fp32 elements or more. A model's biases and
norms, or thousands of small embeddings, would spend their step in that overhead. So every
param below :data:`SEGMENT_MAX_NUMEL` elements lives in its segment: its data is a view of the
segment's param buffer (``param.data`` is re-pointed once; the Parameter object stays the
user's), its ``square_avg``, ``acc_delta`` and ``step`` are views of the segment's state
buffers (``state_dict()`` sees torch's keys, shapes and dtypes), and a step copies the grads
into the segment's grad buffer (one ``_foreach_copy_``: grads are autograd's fresh tensors
after every ``zero_grad()``, so they cannot live there), runs one kernel call over the
buffers, and adds one to all step counters at once.

A param joins a segment only if nothing else can see its memory: a plain, contiguous, real
floating-point tensor whose storage no tensor but the group's params uses (a fresh param is
alone on its storage; a segment's members, or their deep copies, share one), so re-pointing
its data cannot detach a view or alias someone holds. Everything else is stepped tensor by
tensor.

Before every step, each segment checks that its members still live in it (a user may assign
``param.data``, ``load_state_dict`` replaces state tensors, a user may replace a state entry);
if not, or if a new param with a grad can join, the group's segments are rebuilt from the
current values. A step in which some members have no grad steps those that do tensor by
tensor, through the same views.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from itertools import accumulate, repeat
from typing import Any

import torch
from torch import Tensor

from .functional import Hyperparameters
from .kernel import step_tensors

__all__ = ["SEGMENT_MAX_NUMEL", "Segment", "Segments"]

# Below this many elements a param is cheaper to step in a segment (its grad copied there,
# 8 bytes per fp32 element, ~0.17 ns/element at ~48 GB/s) than by a kernel call of its own
# (~50 µs): the break-even is ~300 K elements on the 2-core CPU measured.
SEGMENT_MAX_NUMEL = 2**18

_STATE_KEYS = ("step", "square_avg", "acc_delta")
_grad_of = operator.attrgetter("grad")


def _exclusively_owned(params: Sequence[Tensor]) -> set[int]:
    """The ids of the ``params`` whose storage no tensor but these params uses."""
    params_on: dict[int, list[Tensor]] = {}
    storages: dict[int, torch.UntypedStorage] = {}
    for p in params:
        storage = p.untyped_storage()
        params_on.setdefault(storage.data_ptr(), []).append(p)
        storages.setdefault(storage.data_ptr(), storage)
    # A storage's uses: each tensor on it, plus the one storage object kept in `storages`.
    return {
        id(p)
        for key, on in params_on.items()
        if torch._C._storage_Use_Count(storages[key]._cdata) == len(on) + 1
        for p in on
    }


def _fits(param: Tensor) -> bool:
    """Whether ``param``'s kind and layout let a flat buffer hold it."""
    return (
        type(param) in (Tensor, torch.nn.Parameter)
        and param.layout == torch.strided
        and param.is_floating_point()
        and param.device.type != "meta"
        and 0 < param.numel() < SEGMENT_MAX_NUMEL
        and param.is_contiguous()
    )


def _state_fits(param: Tensor, p_state: dict[str, Any]) -> bool:
    """Whether ``p_state`` is empty or torch's state for ``param``."""
    return not p_state or (
        all(isinstance(p_state.get(key), Tensor) for key in _STATE_KEYS)
        and p_state["square_avg"].shape == p_state["acc_delta"].shape == param.shape
    )


class Segment:
    """Params of one group, device and dtype whose data and state are views of flat buffers."""

    def __init__(
        self, params: Sequence[Tensor], state: dict[Tensor, dict[str, Any]], capturable: bool
    ) -> None:
        """Move ``params`` and their state (zeros where they have none) into new buffers."""
        first = params[0]
        sizes = [p.numel() for p in params]
        offsets = [0, *accumulate(sizes)]
        like = {"dtype": first.dtype, "device": first.device}

        def views(buffer: Tensor) -> list[Tensor]:
            return [buffer[start:end].view(p.shape) for p, start, end in
                    zip(params, offsets, offsets[1:])]  # fmt: skip

        self.params = list(params)
        # One buffer at a time, each filled before the next is allocated: the memory each
        # replaces is freed as it goes, so the peak stays one buffer above the steady state.
        self.param_buffer = torch.empty(offsets[-1], **like)
        with torch.no_grad():
            for p, data in zip(params, views(self.param_buffer), strict=True):
                data.copy_(p)
                p.data = data
        step_device = first.device if capturable else torch.device("cpu")
        self.step_buffer = torch.zeros(len(params), dtype=torch.float32, device=step_device)
        steps = list(self.step_buffer.unbind())
        for i, p in enumerate(params):
            if state[p]:
                steps[i].copy_(state[p]["step"])
            # torch's order of keys, for a state that is new.
            state[p]["step"] = steps[i]
        self.square_avg_buffer = _buffer_of(params, offsets, "square_avg", state, like)
        square_avgs = views(self.square_avg_buffer)
        for p, square_avg in zip(params, square_avgs, strict=True):
            state[p]["square_avg"] = square_avg
        self.acc_delta_buffer = _buffer_of(params, offsets, "acc_delta", state, like)
        acc_deltas = views(self.acc_delta_buffer)
        for p, acc_delta in zip(params, acc_deltas, strict=True):
            state[p]["acc_delta"] = acc_delta
        self.grad_buffer = torch.empty(offsets[-1], **like)
        self.grad_views = views(self.grad_buffer)
        self._data_ptrs = [p.data_ptr() for p in params]
        self._views_by_key = dict(zip(_STATE_KEYS, (steps, square_avgs, acc_deltas), strict=True))

    def intact(self, state: dict[Tensor, dict[str, Any]]) -> bool:
        """Whether every member's data and state are still this segment's views."""
        # Loops in C (map) rather than Python: this runs before every step, for every member.
        if list(map(Tensor.data_ptr, self.params)) != self._data_ptrs:
            return False
        p_states = list(map(state.get, self.params))
        try:
            return all(
                all(map(operator.is_, map(operator.itemgetter(key), p_states), views))
                for key, views in self._views_by_key.items()
            )
        except (KeyError, TypeError):  # a member's state lost a key, or is gone
            return False

    def grads(self) -> list[Tensor] | None:
        """The members' grads, in order; None if some member has none."""
        grads = list(map(_grad_of, self.params))
        return grads if all(map(operator.is_not, grads, repeat(None))) else None

    def step(self, grads: list[Tensor], hp: Hyperparameters) -> None:
        """Step every member by one kernel call; ``grads`` are the members' grads, in order."""
        torch._foreach_copy_(self.grad_views, grads)
        step_tensors(
            [self.param_buffer], [self.grad_buffer], [self.square_avg_buffer],
            [self.acc_delta_buffer], hp,
        )  # fmt: skip
        self.step_buffer.add_(1)
        # The kernel wrote the buffers, not the params: tell autograd they changed in place, as
        # torch's own step does, so a graph that saved a param before the step raises.
        torch._C._increment_version(self.params)


class _GroupSegments:
    """The segments of one param group, keyed by the group's params list (``load_state_dict``
    replaces a group's dict but keeps that list)."""

    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        self.segments: list[Segment] = []
        self.segment_of: dict[int, Segment] = {}
        # As of the last rebuild: the group's params, those in no segment, and the (id, data_ptr)
        # of those of a kind to join one that, with a grad or state, could not.
        self.snapshot: list[Tensor] = []
        self.loose: list[Tensor] = []
        self.passed_over: set[tuple[int, int]] = set()

    def params_unchanged(self) -> bool:
        """Whether the group's params list is as the last rebuild saw it (a user may edit it)."""
        return len(self.params) == len(self.snapshot) and all(
            map(operator.is_, self.params, self.snapshot)
        )

    def loose_with_grad(self) -> list[Tensor]:
        """The params in no segment that have a grad."""
        return [p for p in self.loose if p.grad is not None]

    def needs_rebuild(self, loose: list[Tensor], state: dict[Tensor, dict[str, Any]]) -> bool:
        """Whether a segment lost a member, or a param not yet considered may join one."""
        return any(
            _fits(p) and (id(p), p.data_ptr()) not in self.passed_over for p in loose
        ) or not all(segment.intact(state) for segment in self.segments)

    def rebuild(self, state: dict[Tensor, dict[str, Any]], capturable: bool) -> None:
        """Regroup into new segments the params with a state or a grad that can be members."""
        previous = set(self.segment_of)
        # Dropping the old segments first leaves their members the only users of the old
        # param buffers, so that the exclusivity check below counts them as owners.
        self.segments, self.segment_of, self.passed_over = [], {}, set()
        exclusive = _exclusively_owned([p for p in self.params if _fits(p)])
        joining: dict[tuple[torch.device, torch.dtype], list[Tensor]] = {}
        # A param listed twice in a group (torch warns) would be moved twice, and its segment
        # never found intact: such a group has no segments.
        listed_once = len({id(p) for p in self.params}) == len(self.params)
        for p in self.params if listed_once else ():
            p_state = state.get(p, {})
            if not p_state and p.grad is None:
                continue
            if id(p) in exclusive and _state_fits(p, p_state):
                joining.setdefault((p.device, p.dtype), []).append(p)
                continue
            if _fits(p):
                self.passed_over.add((id(p), p.data_ptr()))
            if id(p) in previous:
                _detach_state(p_state)
        self.segments = [Segment(members, state, capturable) for members in joining.values()]
        self.segment_of = {id(p): s for s in self.segments for p in s.params}
        self.snapshot = list(self.params)
        self.loose = [p for p in self.params if id(p) not in self.segment_of]


def _buffer_of(
    params: Sequence[Tensor],
    offsets: Sequence[int],
    key: str,
    state: dict[Tensor, dict[str, Any]],
    like: dict[str, Any],
) -> Tensor:
    """A flat buffer holding each param's ``state[key]`` in turn, zeros where it has none."""
    buffer = torch.zeros(offsets[-1], **like)
    for p, start, end in zip(params, offsets, offsets[1:]):
        if key in state[p]:
            buffer[start:end].view(p.shape).copy_(state[p][key])
    return buffer


def _detach_state(p_state: dict[str, Any]) -> None:
    """Give a param leaving its segment state of its own, so the segment's buffers can go."""
    for key in _STATE_KEYS:
        if isinstance(p_state.get(key), Tensor):
            p_state[key] = p_state[key].clone()


class Segments:
    """All segments of one optimizer."""

    def __init__(self) -> None:
        self._groups: dict[int, _GroupSegments] = {}

    def step(
        self, group: dict[str, Any], state: dict[Tensor, dict[str, Any]], hp: Hyperparameters
    ) -> list[Tensor]:
        """Step the group's segments; return the group's params with a grad left to step."""
        params = group["params"]
        entry = self._groups.get(id(params))
        if entry is None or entry.params is not params:
            entry = self._groups[id(params)] = _GroupSegments(params)
        left = entry.loose_with_grad()
        if not entry.params_unchanged() or entry.needs_rebuild(left, state):
            entry.rebuild(state, group["capturable"])
            left = entry.loose_with_grad()
        for segment in entry.segments:
            grads = segment.grads()
            if grads is not None:
                segment.step(grads, hp)
            else:
                left.extend(p for p in segment.params if p.grad is not None)
        return left

    def retain(self, groups: Iterable[dict[str, Any]]) -> None:
        """Forget the segments of groups that are no longer the optimizer's."""
        live = {id(group["params"]) for group in groups}
        for key in [key for key in self._groups if key not in live]:
            del self._groups[key]
