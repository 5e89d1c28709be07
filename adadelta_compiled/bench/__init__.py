"""adadelta_compiled.bench: Adadelta implementations measured side by side.

    python -m adadelta_compiled.bench                       # every built-in, every workload
    python -m adadelta_compiled.bench --quick               # a smoke test in about a minute
    python -m adadelta_compiled.bench --step-time-only --rounds 60 --kept-grads
    python -m adadelta_compiled.bench --workload resnet50 --impl adadelta_compiled \\
        --impl mypackage.optim:Adadelta --first-step --json out.json --plot out.png

Layout, one concept per module:

- what is measured: ``workloads`` (the parameter shapes), ``implementations`` (what is
  compared, by name), ``settings`` (a run's choices), ``machine`` (where it runs);
- how: ``trial`` (one measurement in a fresh process), ``rounds`` (step times: every
  implementation and a streaming kernel in alternating rounds in one process), ``memory`` and
  ``compiles`` (what the other trials measure), ``roofline`` (the streaming kernel, the bound
  it sets), ``runner`` (a whole run);
- what comes out: ``results``, ``targets``, ``format``, ``report`` (table and JSON), ``plot``,
  ``progress``; ``cli`` ties them to the command line.
"""

from .cli import main
from .implementations import BUILTIN_NAMES, Implementation, resolve
from .report import Report, render, to_json
from .runner import run
from .settings import Settings
from .workloads import WORKLOADS, Workload

__all__ = [
    "BUILTIN_NAMES",
    "WORKLOADS",
    "Implementation",
    "Report",
    "Settings",
    "Workload",
    "main",
    "render",
    "resolve",
    "run",
    "to_json",
]
