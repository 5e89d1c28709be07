"""Expected failures: a JSON file mapping check names to the reason each is expected to fail."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["ExpectedFailuresError", "load_expected_failures", "unknown_names"]


class ExpectedFailuresError(ValueError):
    """The file is missing, is not JSON, or is not a {check_name: reason} object."""


def load_expected_failures(path: str | Path) -> dict[str, str]:
    """Read ``{"check_name": "reason", ...}``.

    Raises:
        ExpectedFailuresError: with a one-line message naming the file.
    """
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ExpectedFailuresError(f"cannot read expected failures {path}: {error}") from error
    except json.JSONDecodeError as error:
        raise ExpectedFailuresError(f"expected failures {path} is not JSON: {error}") from error
    if not isinstance(loaded, dict) or not all(
        isinstance(name, str) and isinstance(reason, str) for name, reason in loaded.items()
    ):
        raise ExpectedFailuresError(
            f'expected failures {path} must be a JSON object {{"check_name": "reason", ...}}'
        )
    return loaded


def unknown_names(expected_failures: Mapping[str, str], check_names: Iterable[str]) -> list[str]:
    """Warnings for the expected failures that name no check."""
    known = set(check_names)
    return [
        f"expected failure {name!r} matches no check (see --list)"
        for name in expected_failures
        if name not in known
    ]
