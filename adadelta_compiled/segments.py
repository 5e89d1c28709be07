"""Flat segments: a param group's params and their state in flat buffers, one segment per
device and dtype, stepped by one kernel call.

Why: a kernel call costs 30-100 µs of fixed overhead on a 2-core CPU (Dynamo's guards, the
wrappers, an OpenMP fork/join), the time to stream ~300 K fp32 elements or more. A model's biases
and norms, or thousands of small embeddings, would spend their step in that overhead, and even a
ResNet-50's 161 tensors would spend a quarter of it there. So every param that can lives in its
segment: its data is a view of the segment's param buffer (``param.data`` is re-pointed once; the
Parameter object stays the user's), and its ``square_avg``, ``acc_delta`` and ``step`` are views of
the segment's state buffers (``state_dict()`` sees torch's keys, shapes and dtypes).

Grads decide how a step runs. Grads that outlive a step (``zero_grad(set_to_none=False)``, grads
set once, accumulation into kept grads) are *adopted*: after a step that finds the same grad
objects as the step before, each grad's data is re-pointed into the segment's grad buffer (the
grad objects stay the user's; backward accumulates into them in place, where it is now the
buffer), and from then on a step is one kernel call over the buffers (a segment of one large
param is one call either way, and keeps its grad where it is). Grads that are fresh
tensors at every step (torch's default ``zero_grad()`` sets them to None) cannot live there:
those of params below :data:`COPY_MAX_NUMEL` elements are copied into the grad buffer (one
``_foreach_copy_``; the small members come first, so their grads fill one run of it) and stepped
by one kernel call; larger params are stepped by a kernel call each, through their views, which
costs less than copying their grads. All step counters are added to at once.

A param joins a segment only if nothing else can see its memory: a plain, contiguous, real
floating-point tensor whose storage no tensor but the group's params uses (a fresh param is
alone on its storage; a segment's members, or their deep copies, share one), so re-pointing
its data cannot detach a view or alias someone holds. The same holds for a grad that is
adopted (grads that are views of a bucket, as DDP's ``gradient_as_bucket_view`` makes them,
stay where they are). Everything else is stepped tensor by tensor.

Before every step, each segment checks that its members still live in it (a user may assign
``param.data``, ``load_state_dict`` replaces state tensors, a user may replace a state entry);
if not, or if a new param with a grad can join, the group's segments are rebuilt from the
current values. A step in which some members have no grad steps those that do tensor by
tensor, through the same views.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Iterable, Sequence
from itertools import accumulate, repeat
from typing import Any

import torch
from torch import Tensor

from .functional import Hyperparameters
from .kernel import step_tensors

__all__ = ["COPY_MAX_NUMEL", "Segment", "Segments"]

# Below this many elements a fresh grad is cheaper to copy into the segment (8 bytes per fp32
# element, ~0.17 ns/element at ~48 GB/s) than to step by a kernel call of its own (~50 µs): the
# break-even is ~300 K elements on the 2-core CPU measured.
COPY_MAX_NUMEL = 2**18

_STATE_KEYS = ("step", "square_avg", "acc_delta")
_data_ptr = Tensor.data_ptr


def _exclusively_owned(tensors: Sequence[Tensor]) -> set[int]:
    """The ids of the ``tensors`` whose storage no tensor but these uses (each listed once)."""
    on_storage: dict[int, list[Tensor]] = {}
    storages: dict[int, torch.UntypedStorage] = {}
    for t in tensors:
        storage = t.untyped_storage()
        on_storage.setdefault(storage.data_ptr(), []).append(t)
        storages.setdefault(storage.data_ptr(), storage)
    # A storage's uses: each tensor on it, plus the one storage object kept in `storages`.
    return {
        id(t)
        for key, on in on_storage.items()
        if torch._C._storage_Use_Count(storages[key]._cdata) == len(on) + 1
        for t in on
    }


def _fits(param: Tensor) -> bool:
    """Whether ``param``'s kind and layout let a flat buffer hold it."""
    return (
        type(param) in (Tensor, torch.nn.Parameter)
        and param.layout == torch.strided
        and param.is_floating_point()
        and param.device.type != "meta"
        and param.numel() > 0
        and param.is_contiguous()
    )


def _state_fits(param: Tensor, p_state: dict[str, Any]) -> bool:
    """Whether ``p_state`` is empty or torch's state for ``param``."""
    return not p_state or (
        all(isinstance(p_state.get(key), Tensor) for key in _STATE_KEYS)
        and p_state["square_avg"].shape == p_state["acc_delta"].shape == param.shape
    )


def _adoptable(grads: Sequence[Tensor]) -> bool:
    """Whether each grad is a plain contiguous tensor whose memory no other tensor sees."""
    return all(
        type(g) is Tensor and g.layout == torch.strided and g.is_contiguous()
        and not g.requires_grad
        for g in grads
    ) and len(_exclusively_owned(grads)) == len(grads)  # fmt: skip


def _alive(ref: weakref.ref[Tensor]) -> Tensor | None:
    return ref()


class Segment:
    """Params of one group, device and dtype whose data and state are views of flat buffers."""

    def __init__(
        self, params: Sequence[Tensor], state: dict[Tensor, dict[str, Any]], capturable: bool
    ) -> None:
        """Move ``params`` and their state (zeros where they have none) into new buffers."""
        # Params whose fresh grads are copied in first, so that those grads fill one run.
        params = sorted(params, key=lambda p: p.numel() >= COPY_MAX_NUMEL)
        first = params[0]
        self.params = params
        self._offsets = [0, *accumulate(p.numel() for p in params)]
        self._like = {"dtype": first.dtype, "device": first.device}
        self.copied = sum(p.numel() < COPY_MAX_NUMEL for p in params)
        # One buffer at a time, each filled before the next is allocated: the memory each
        # replaces is freed as it goes, so the peak stays one buffer above the steady state.
        self.param_buffer = torch.empty(self._offsets[-1], **self._like)
        self.param_views = self._views(self.param_buffer)
        with torch.no_grad():
            for p, data in zip(params, self.param_views, strict=True):
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
        self.square_avg_buffer = self._buffer_of("square_avg", state)
        self.square_avgs = self._views(self.square_avg_buffer)
        for p, square_avg in zip(params, self.square_avgs, strict=True):
            state[p]["square_avg"] = square_avg
        self.acc_delta_buffer = self._buffer_of("acc_delta", state)
        self.acc_deltas = self._views(self.acc_delta_buffer)
        for p, acc_delta in zip(params, self.acc_deltas, strict=True):
            state[p]["acc_delta"] = acc_delta
        self._hold_copied_grads_only()
        # Weak references to the grads of the last step that copied them, to tell grads that
        # outlive a step from fresh ones; None once adopting has been ruled out. A lone large
        # member is one kernel call reading its own grad either way: adopting it gains nothing.
        adopting_pays = len(params) > 1 or self.copied > 0
        self._last_grads: list[weakref.ref[Tensor]] | None = [] if adopting_pays else None
        self._data_ptrs = list(map(_data_ptr, params))
        self._p_states = [state[p] for p in params]
        self._views_by_key = dict(
            zip(_STATE_KEYS, (steps, self.square_avgs, self.acc_deltas), strict=True)
        )

    def _views(self, buffer: Tensor, count: int | None = None) -> list[Tensor]:
        """Views of ``buffer`` shaped as the first ``count`` members (all by default)."""
        members = self.params[:count]
        return [buffer[start:end].view(p.shape) for p, start, end in
                zip(members, self._offsets, self._offsets[1:])]  # fmt: skip

    def _buffer_of(self, key: str, state: dict[Tensor, dict[str, Any]]) -> Tensor:
        """A flat buffer holding each member's ``state[key]`` in turn, zeros where it has none."""
        buffer = torch.zeros(self._offsets[-1], **self._like)
        for view, p in zip(self._views(buffer), self.params, strict=True):
            if key in state[p]:
                view.copy_(state[p][key])
        return buffer

    def intact(self, state: dict[Tensor, dict[str, Any]], state_unchanged: bool) -> bool:
        """Whether every member's data and state are still this segment's views.

        ``state_unchanged``: ``state`` maps the same params to the same dicts as at the last
        step, so the members' dicts need no lookup (entries within them may still be replaced).
        """
        # Loops in C (map) rather than Python: this runs before every step, for every member.
        if list(map(_data_ptr, self.params)) != self._data_ptrs:
            return False
        p_states = self._p_states if state_unchanged else list(map(state.get, self.params))
        try:
            intact = all(
                all(map(operator.is_, map(operator.itemgetter(key), p_states), views))
                for key, views in self._views_by_key.items()
            )
        except (KeyError, TypeError):  # a member's state lost a key, or is gone
            return False
        self._p_states = p_states
        return intact

    def grads(self, group_grads: Sequence[Tensor | None]) -> list[Tensor] | None:
        """The members' grads, in order, picked from the grads of the group's params (see
        :meth:`place`); None if some member has none."""
        grads = list(self._pick(group_grads))
        return grads if all(map(operator.is_not, grads, repeat(None))) else None

    def place(self, group_params: Sequence[Tensor]) -> None:
        """Note where the members are in ``group_params``, the group's params list."""
        position = {id(p): i for i, p in enumerate(group_params)}
        positions = [position[id(p)] for p in self.params]
        pick = operator.itemgetter(*positions)
        # itemgetter of one index returns the item, not a 1-tuple.
        self._pick = pick if len(positions) > 1 else lambda items: (pick(items),)

    def step(self, grads: list[Tensor], hp: Hyperparameters) -> None:
        """Step every member; ``grads`` are the members' grads, in order."""
        if self._adopted_ptrs is not None and list(map(_data_ptr, grads)) == self._adopted_ptrs:
            self._run(self.grad_buffer, len(self.params), hp)
        else:
            self._step_copying(grads, hp)
            self._adopt_if_kept(grads)
        self.step_buffer.add_(1)
        # The kernel wrote the buffers, not the params: tell autograd they changed in place, as
        # torch's own step does, so a graph that saved a param before the step raises.
        torch._C._increment_version(self.params)

    def _run(self, grad_run: Tensor, count: int, hp: Hyperparameters) -> None:
        """One kernel call over the first ``count`` members, whose grads are ``grad_run``."""
        end = self._offsets[count]
        step_tensors(
            [self.param_buffer[:end]], [grad_run], [self.square_avg_buffer[:end]],
            [self.acc_delta_buffer[:end]], hp,
        )  # fmt: skip

    def _step_copying(self, grads: list[Tensor], hp: Hyperparameters) -> None:
        """Copy the small members' grads in and step them by one call; the rest one by one."""
        if self._adopted_ptrs is not None or self.grad_buffer is None:
            self._hold_copied_grads_only()
        copied = self.copied
        if copied:
            torch._foreach_copy_(self.grad_views[:copied], grads[:copied])
            self._run(self.grad_buffer[: self._offsets[copied]], copied, hp)
        if copied < len(self.params):
            step_tensors(
                self.param_views[copied:], grads[copied:], self.square_avgs[copied:],
                self.acc_deltas[copied:], hp,
            )  # fmt: skip

    def _adopt_if_kept(self, grads: list[Tensor]) -> None:
        """Adopt ``grads`` if they are the very grads of the last step (they outlive steps)."""
        last = self._last_grads
        if last is None:
            return
        if len(last) != len(grads) or not all(map(operator.is_, map(_alive, last), grads)):
            self._last_grads = list(map(weakref.ref, grads))
            return
        if not _adoptable(grads):
            self._last_grads = None
            return
        # The copied grads' run is of no use once the grads live in the buffer: freed first. The
        # buffer is allocated before the grads it replaces are freed: a peak of one more grad
        # per member, once; from then on the memory of one. (Should allocating fail, the next
        # step that copies allocates the run again.)
        self.grad_buffer = self.grad_views = None
        buffer = torch.empty(self._offsets[-1], **self._like)
        views = self._views(buffer)
        with torch.no_grad():
            for grad, view in zip(grads, views, strict=True):
                view.copy_(grad)
                grad.data = view
        self.grad_buffer, self.grad_views = buffer, views
        self._adopted_ptrs = list(map(_data_ptr, views))
        self._last_grads = []

    def _hold_copied_grads_only(self) -> None:
        """A grad buffer for the copied grads only: until grads are adopted, or once they no
        longer all live in the buffer (e.g. ``zero_grad()`` set them to None)."""
        self.grad_buffer: Tensor | None = torch.empty(self._offsets[self.copied], **self._like)
        self.grad_views: list[Tensor] | None = self._views(self.grad_buffer, self.copied)
        self._adopted_ptrs: list[int] | None = None


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

    def needs_rebuild(
        self, loose: list[Tensor], state: dict[Tensor, dict[str, Any]], state_unchanged: bool
    ) -> bool:
        """Whether a segment lost a member, or a param not yet considered may join one."""
        return any(
            _fits(p) and (id(p), p.data_ptr()) not in self.passed_over for p in loose
        ) or not all(segment.intact(state, state_unchanged) for segment in self.segments)

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
        for segment in self.segments:
            segment.place(self.params)
        self.segment_of = {id(p): s for s in self.segments for p in s.params}
        self.snapshot = list(self.params)
        self.loose = [p for p in self.params if id(p) not in self.segment_of]


def _detach_state(p_state: dict[str, Any]) -> None:
    """Give a param leaving its segment state of its own, so the segment's buffers can go."""
    for key in _STATE_KEYS:
        if isinstance(p_state.get(key), Tensor):
            p_state[key] = p_state[key].clone()


class Segments:
    """All segments of one optimizer.

    A step calls :meth:`begin_step`, then :meth:`step` for each group, then :meth:`end_step`.
    """

    def __init__(self) -> None:
        self._groups: dict[int, _GroupSegments] = {}
        # The state's keys and values as the last step left them; see begin_step.
        self._state_keys: list[Tensor] = []
        self._state_values: list[dict[str, Any]] = []
        self._state_unchanged = False

    def begin_step(
        self, groups: Iterable[dict[str, Any]], state: dict[Tensor, dict[str, Any]]
    ) -> None:
        """Forget the segments of groups that are no longer the optimizer's, and note whether
        ``state`` maps the same params to the same dicts as the last step left it."""
        live = {id(group["params"]) for group in groups}
        for key in [key for key in self._groups if key not in live]:
            del self._groups[key]
        # Compared by identity, in order, without hashing a param (Tensor.__hash__ is Python).
        keys, values = list(state), list(state.values())
        self._state_unchanged = (
            len(keys) == len(self._state_keys)
            and all(map(operator.is_, keys, self._state_keys))
            and all(map(operator.is_, values, self._state_values))
        )

    def end_step(self, state: dict[Tensor, dict[str, Any]]) -> None:
        """Remember ``state``'s keys and values as this step leaves them."""
        self._state_keys, self._state_values = list(state), list(state.values())

    def step(
        self,
        group: dict[str, Any],
        grads: Sequence[Tensor | None],
        state: dict[Tensor, dict[str, Any]],
        hp: Hyperparameters,
    ) -> list[Tensor]:
        """Step the group's segments; return the group's params with a grad left to step.

        ``grads`` are the grads of the group's params, in order (None where a param has none).
        """
        params = group["params"]
        entry = self._groups.get(id(params))
        if entry is None or entry.params is not params:
            entry = self._groups[id(params)] = _GroupSegments(params)
        left = entry.loose_with_grad()
        if not entry.params_unchanged() or entry.needs_rebuild(
            left, state, self._state_unchanged
        ):
            entry.rebuild(state, group["capturable"])
            left = entry.loose_with_grad()
        for segment in entry.segments:
            members_grads = segment.grads(grads)
            if members_grads is not None:
                segment.step(members_grads, hp)
            else:
                left.extend(p for p in segment.params if p.grad is not None)
        return left
