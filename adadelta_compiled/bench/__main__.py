"""``python -m adadelta_compiled.bench``: see :mod:`adadelta_compiled.bench.cli`."""

from .cli import main

raise SystemExit(main())
