"""OpenTelemetry traces of the engine: an :class:`~dagger.core.observe.Observer` that makes
spans. This module imports ``opentelemetry``; it is imported only when that package is
installed (``pip install 'wf-dagger[otel]'``, see :func:`dagger.tracing.otel.otel_observer`).

Spans:

- ``dagger.<use case>`` per step, one engine use case run (``dagger.store_and_create`` for
  a workflow arriving on the tasks topic, ``dagger.deliver_listener_message`` for a listener
  message, ``dagger.fire_trigger`` for a timer firing); a use case called from another one
  is part of the outer step, not a step of its own.
- ``dagger.task <task name>`` per task execution in the step, a child of the step's span:
  it opens when the task's user code first runs in the step and ends when the task ends, or
  with the step (a listener still waiting). It carries the workflow id, task id, task name,
  task class, template, attempt and status (``dagger.*`` attributes); an exception raised
  by the user code is recorded on it, and a FAILURE end sets its status to ERROR. While the
  user code runs the task's span is the current one, so the messages a command task sends
  carry its context (``traceparent``, see ``dagger.runtime._headers``).

The tracer comes from the given ``TracerProvider``, else the global one: with no provider
installed (OpenTelemetry's default proxy) the observer does nothing, at the cost of one
check per step (the global provider is looked up at most once a second until one is
installed, so a provider installed after the engine started is used within a second).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, Status, StatusCode

from dagger._version import installed_version
from dagger.core.observe import Observer, attempt_of, task_type_of, template_of
from dagger.core.status import TaskStatusEnum

_NULL: AbstractContextManager[None] = contextlib.nullcontext()
#: While no tracer provider is installed, how often to look for one.
_LOOK_AGAIN_SECONDS = 1.0
_monotonic = time.monotonic

#: The task spans open in the current step: ``(workflow id, task id) -> (task, span)``;
#: ``None`` outside a step.
_open: ContextVar[dict[tuple[str, str], tuple[Any, Span]] | None] = ContextVar(
    "dagger_task_spans", default=None
)


def _key(task: Any, workflow: Any) -> tuple[str, str]:
    return (str(getattr(workflow, "id", "")), str(task.id))


def _status_code(task: Any) -> str:
    return str(getattr(getattr(task, "status", None), "code", "")) or "NOT_STARTED"


def _finish(span: Span, status: str) -> None:
    span.set_attribute("dagger.task.status", status)
    if status == TaskStatusEnum.FAILURE.value:
        span.set_status(Status(StatusCode.ERROR, "the task ended FAILURE"))
    span.end()


class OtelTracing(Observer):
    """Spans for steps and task executions (see the module docstring).

    Args:
        tracer_provider: where the spans go; ``None``: the global provider
            (``opentelemetry.trace.set_tracer_provider``), looked for at most once a
            second until one is installed.
    """

    traces = True

    def __init__(self, tracer_provider: Any = None) -> None:
        self._provider = tracer_provider
        self._tracer = trace.get_tracer(
            "dagger", installed_version(), tracer_provider=tracer_provider
        )
        #: While no provider is installed, when to look for one again (monotonic seconds).
        self._look_again = 0.0
        self._none_installed = tracer_provider is None

    def _off(self) -> bool:
        # No provider given and none installed: every span would be dropped. Looking up the
        # global provider reads os.environ, several times a workflow if done on every call,
        # so while there is none it is looked for at most once a second; once one is
        # installed it stays (OpenTelemetry sets the global provider once).
        if not self._none_installed:
            return False
        now = _monotonic()
        if now < self._look_again:
            return True
        self._none_installed = isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
        self._look_again = now + _LOOK_AGAIN_SECONDS
        return self._none_installed

    def step(self, name: str, attributes: Mapping[str, str] | None) -> AbstractContextManager[None]:
        """A span for the step; the task spans left open end with it."""
        if _open.get() is not None or self._off():
            return _NULL  # a use case inside another (part of the outer step), or tracing off
        return self._spanned(name, attributes)

    @contextlib.contextmanager
    def _spanned(self, name: str, attributes: Mapping[str, str] | None) -> Iterator[None]:
        spans: dict[tuple[str, str], tuple[Any, Span]] = {}
        token = _open.set(spans)
        try:
            with self._tracer.start_as_current_span(name, attributes=dict(attributes or {})):
                try:
                    yield
                finally:
                    for task, span in spans.values():
                        _finish(span, _status_code(task))
                    spans.clear()
        finally:
            _open.reset(token)

    def task_execution(self, task: Any, workflow: Any, hook: str) -> AbstractContextManager[None]:
        """The task's span (opened at its first execution in the step) is current while
        its user code runs; an exception leaving the code is recorded on it."""
        spans = _open.get()
        if spans is None and self._off():
            return _NULL  # tracing off: no generator per execution
        return self._traced(task, workflow, spans)

    @contextlib.contextmanager
    def _traced(self, task: Any, workflow: Any, spans: Any) -> Iterator[None]:
        key = _key(task, workflow)
        entry = None if spans is None else spans.get(key)
        if entry is None:
            span = self._start(task, workflow)
            if spans is not None:
                spans[key] = (task, span)
        else:
            span = entry[1]
        try:
            with trace.use_span(span, end_on_exit=False, record_exception=True):
                yield
        finally:
            if spans is None:  # no step to end it: it ends with its code
                _finish(span, _status_code(task))

    def _start(self, task: Any, workflow: Any) -> Span:
        attributes: dict[str, Any] = {
            "dagger.task.id": str(task.id),
            "dagger.task.name": str(getattr(task, "task_name", None) or ""),
            "dagger.task.type": task_type_of(task),
            "dagger.task.attempt": attempt_of(task),
            "dagger.template": template_of(workflow),
        }
        if workflow is not None:
            attributes["dagger.workflow.id"] = str(workflow.id)
        name = getattr(task, "task_name", None) or task_type_of(task)
        return self._tracer.start_span(f"dagger.task {name}", attributes=attributes)

    def task_ended(self, task: Any, workflow: Any, status: Any) -> None:
        """End the task's span with the status it ended with."""
        self._end(task, workflow, status)

    def workflow_ended(self, workflow: Any, status: Any, seconds: float) -> None:
        """End the workflow node's own span (its ``execute``), if it ran in this step."""
        self._end(workflow, workflow, status)

    def _end(self, task: Any, workflow: Any, status: Any) -> None:
        spans = _open.get()
        entry = None if spans is None else spans.pop(_key(task, workflow), None)
        if entry is not None:
            _finish(entry[1], status.value if isinstance(status, TaskStatusEnum) else str(status))

    def trace_headers(self) -> dict[str, bytes]:
        """The current span's context in the global propagator's headers (W3C
        ``traceparent`` by default), values UTF-8 bytes."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return {name: value.encode() for name, value in carrier.items()}
