"""Where task code finds the runtime it runs on: a context variable, not a module global.

``Dagger`` installs its runtime when constructed (so every task the worker's event loop
starts sees it), unit tests install an in-memory one, and the engine's use cases run each
step with :func:`using` the runtime they were given (a per-message locked session, say), so
task code within the step reads and writes through that same runtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from dagger.core.observe import NOOP, Observer
from dagger.core.ports import WorkflowRuntime

_current: ContextVar[WorkflowRuntime | None] = ContextVar("dagger_runtime", default=None)


def set_runtime(runtime: WorkflowRuntime | None) -> None:
    """Install the runtime for this context and the tasks started from it (``None`` removes it)."""
    _current.set(runtime)


def get_runtime() -> WorkflowRuntime:
    """Return the current runtime, or raise a ``RuntimeError`` that says how to get one."""
    runtime = _current.get()
    if runtime is None:
        raise RuntimeError(
            "No dagger runtime is installed: construct dagger.service.services.Dagger(...) "
            "first, or call dagger.core.context.set_runtime(InMemoryRuntime()) in tests "
            "(InMemoryRuntime is in dagger.testing)."
        )
    return runtime


def current_observer() -> Observer:
    """The observer of the current runtime (the no-op one when no runtime is installed)."""
    runtime = _current.get()
    return NOOP if runtime is None else runtime.observer


@contextmanager
def using(runtime: WorkflowRuntime) -> Iterator[WorkflowRuntime]:
    """Make ``runtime`` the current one for the block (the previous one comes back after)."""
    token = _current.set(runtime)
    try:
        yield runtime
    finally:
        _current.reset(token)
