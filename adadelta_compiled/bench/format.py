"""Numbers as the report prints them; ``-`` for a figure that was not measured."""

from __future__ import annotations

from .trial import TrialResult

__all__ = [
    "NOT_MEASURED",
    "format_bytes",
    "format_multiple",
    "format_seconds",
    "format_seconds_range",
    "format_trial_seconds",
    "format_unfinished",
]

NOT_MEASURED = "-"


def _unit(seconds: float) -> tuple[str, float]:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if abs(seconds) >= scale:
            break
    return unit, scale


def _three_digits(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def format_seconds(seconds: float | None) -> str:
    """Three significant digits in s, ms or µs: ``1.23 s``, ``45.6 ms``, ``789 us``."""
    if seconds is None:
        return NOT_MEASURED
    unit, scale = _unit(seconds)
    return f"{_three_digits(seconds / scale)} {unit}"


def format_seconds_range(low: float, high: float) -> str:
    """Two times in the unit of the higher: ``9.5-12.1 ms``, ``0.98-1.02 s``."""
    unit, scale = _unit(high)
    return f"{_three_digits(low / scale)}-{_three_digits(high / scale)} {unit}"


def format_multiple(multiple: float | None) -> str:
    """A ratio to the bandwidth bound: ``1.04x``, ``12.4x``, ``304x``."""
    if multiple is None:
        return NOT_MEASURED
    decimals = 2 if multiple < 10 else 1 if multiple < 100 else 0
    return f"{multiple:.{decimals}f}x"


def format_bytes(nbytes: int | None) -> str:
    """Binary units: ``97.5 MiB``."""
    if nbytes is None:
        return NOT_MEASURED
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            break
        value /= 1024
    return f"{nbytes} B" if unit == "B" else f"{value:.1f} {unit}"


def format_unfinished(trial: TrialResult) -> str | None:
    """``timeout > 600s`` or ``error`` for a trial that did not finish, else None."""
    if trial.timed_out_after is not None:
        return f"timeout > {trial.timed_out_after:g}s"
    if trial.error is not None:
        return "error"
    return None


def format_trial_seconds(trial: TrialResult | None) -> str:
    """A first-step time, or why there is none."""
    if trial is None:
        return NOT_MEASURED
    return format_unfinished(trial) or format_seconds(trial.first_step_seconds)
