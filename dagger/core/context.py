"""Where task code finds the runtime it runs on.

There is one engine per process (0.2.6's ``Dagger.app`` singleton); ``Dagger`` installs
its runtime here when constructed, and unit tests install an in-memory one.
"""

from __future__ import annotations

from dagger.core.ports import WorkflowRuntime

_runtime: WorkflowRuntime | None = None


def set_runtime(runtime: WorkflowRuntime | None) -> None:
    """Install the runtime the workflow model uses (``None`` uninstalls it)."""
    global _runtime
    _runtime = runtime


def get_runtime() -> WorkflowRuntime:
    """Return the installed runtime, or raise a ``RuntimeError`` that says how to get one."""
    if _runtime is None:
        raise RuntimeError(
            "No dagger runtime is installed: construct dagger.service.services.Dagger(...) "
            "first, or call dagger.core.context.set_runtime(InMemoryRuntime()) in tests."
        )
    return _runtime
