"""Import torch without its warning that NumPy is missing.

Without NumPy installed, ``import torch`` warns "Failed to initialize NumPy" once per process.
Nothing in the suite uses NumPy, so the processes the suite owns (the CLI and its workers) import
torch through :func:`import_torch` first, and a user without NumPy sees the report alone.
"""

from __future__ import annotations

import warnings

__all__ = ["import_torch"]

# torch decides once per process whether NumPy is usable, at import, and warns then if not.
_NO_NUMPY = "Failed to initialize NumPy"


def import_torch() -> None:
    """Import torch, hiding only its missing-NumPy warning; a no-op once torch is imported."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_NO_NUMPY, category=UserWarning)
        import torch  # noqa: F401
