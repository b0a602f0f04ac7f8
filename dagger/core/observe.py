"""The observation port: what the engine reports about itself, for metrics and tracing.

The model calls an :class:`Observer` at the moments worth measuring (a workflow starts or
ends, a task ends, user code runs, a listener message is handled, a message is
dead-lettered, a timer fires, a workflow is saved, a retry is scheduled) and never knows what listens. The base class does nothing
and costs a method call; the faust worker installs a Prometheus one
(``dagger.runtime._metrics``) and, when ``opentelemetry`` is installed, a tracing one
(``dagger.tracing._otel``), combined with :class:`Observers`.

The current observer is the runtime's (``WorkflowRuntime.observer``): each engine has its
own, and task code reaches it through the runtime of the step it runs in
(``dagger.core.context.current_observer``).

Labels stay bounded: implementations label by template name, task class and status, never
by workflow or task id.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

#: What the engine's listener consumer made of one message (``listener_message``).
MATCHED = "matched"
UNMATCHED = "unmatched"
DEAD_LETTERED = "dead_lettered"

# Why the engine dead-lettered a message (``message_dead_lettered``), a fixed vocabulary so
# the label stays bounded.
#: Not decodable as what its topic carries: not a workflow record on the tasks topic, not
#: the topic's value type on a listener topic.
UNDECODABLE = "undecodable"
#: A decoded workflow that does not hold together (``InvalidWorkflowError``).
INVALID = "invalid"
#: Decoded, but handling it failed: storing or starting its workflow; for a listener
#: message, no listener type could read correlation values from it, a lookup failed,
#: ``on_message`` raised or delivering it raised.
FAILED = "failed"

_NULL: AbstractContextManager[None] = contextlib.nullcontext()


class Observer:
    """Told what the engine does; this base ignores everything (the default, no cost).

    ``task`` and ``workflow`` are the task records themselves (``workflow`` may be
    ``None`` for a task moved outside a workflow); ``status`` is a
    :class:`~dagger.core.status.TaskStatusEnum` member.
    """

    #: Whether this observer traces: the engine builds span attributes only when it does.
    traces: bool = False

    def workflow_started(self, workflow: Any) -> None:
        """A workflow began running (its START)."""

    def workflow_ended(self, workflow: Any, status: Any, seconds: float) -> None:
        """A workflow ended with ``status`` ``seconds`` after it started."""

    def task_ended(self, task: Any, workflow: Any, status: Any) -> None:
        """A task (not the workflow itself) ended with ``status``."""

    def task_execution(self, task: Any, workflow: Any, hook: str) -> AbstractContextManager[None]:
        """The block where the task's user code ``hook`` (``execute``, ``on_message``,
        ``evaluate``, ``interval_execute``) runs; an exception leaving it is the task's.

        Callers skip the block when :func:`wraps_executions` says nobody overrides it."""
        return _NULL

    def task_executed(
        self, task: Any, workflow: Any, hook: str, seconds: float, failed: bool
    ) -> None:
        """The task's user code ``hook`` ran for ``seconds`` (``failed``: it raised).

        One plain call after the code, for observers that only count and time it (cheaper
        than a block around it)."""

    def step(self, name: str, attributes: Mapping[str, str] | None) -> AbstractContextManager[None]:
        """The block where one engine use case runs (a start, a message, a timer firing).

        ``attributes`` is ``None`` unless the observer :attr:`traces`. Callers skip the
        block when :func:`wraps_steps` says nobody overrides it.
        """
        return _NULL

    def trace_headers(self) -> dict[str, bytes]:
        """Headers carrying the current trace to a message's receiver (W3C
        ``traceparent``); empty when nothing is traced."""
        return {}

    def listener_message(self, topic: str, outcome: str) -> None:
        """A listener-topic message was :data:`MATCHED`, :data:`UNMATCHED` or
        :data:`DEAD_LETTERED`."""

    def message_dead_lettered(self, topic: str, reason_kind: str) -> None:
        """A message of ``topic`` (the tasks topic or a listener topic) was dead-lettered,
        for the reason :data:`UNDECODABLE`, :data:`INVALID` or :data:`FAILED`.

        Told for every dead letter; a listener message is also told to
        :meth:`listener_message` as :data:`DEAD_LETTERED`."""

    def timer_fired(self, lateness: float) -> None:
        """A trigger fired ``lateness`` seconds after it was due."""

    def store_saved(self, seconds: float) -> None:
        """Encoding and writing one workflow to the store took ``seconds``."""

    def retry_scheduled(self, task: Any, attempt: int, delay: float) -> None:
        """A failed task will run again as attempt ``attempt`` in ``delay`` seconds."""


#: The observer of a runtime nobody observes.
NOOP = Observer()


class Observers(Observer):
    """Several observers told the same things, in order (metrics and tracing, say)."""

    def __init__(self, observers: Sequence[Observer]) -> None:
        self.observers = tuple(observers)
        self.traces = any(o.traces for o in self.observers)
        # Only the observers that do something with each hook are told it (per event, the
        # others would cost a call and, for the blocks, a context manager each).
        self._executions = tuple(o for o in self.observers if wraps_executions(o))
        self._executed = tuple(o for o in self.observers if _overrides(o, "task_executed"))
        self._steps = tuple(o for o in self.observers if wraps_steps(o))

    def workflow_started(self, workflow: Any) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.workflow_started(workflow)

    def workflow_ended(self, workflow: Any, status: Any, seconds: float) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.workflow_ended(workflow, status, seconds)

    def task_ended(self, task: Any, workflow: Any, status: Any) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.task_ended(task, workflow, status)

    def task_execution(self, task: Any, workflow: Any, hook: str) -> AbstractContextManager[None]:
        """Each one's block, nested in order (only those that have one)."""
        executions = self._executions
        if not executions:
            return _NULL
        if len(executions) == 1:
            return executions[0].task_execution(task, workflow, hook)
        return _nested([o.task_execution(task, workflow, hook) for o in executions])

    def task_executed(
        self, task: Any, workflow: Any, hook: str, seconds: float, failed: bool
    ) -> None:
        """Told to each."""
        for observer in self._executed:
            observer.task_executed(task, workflow, hook, seconds, failed)

    def step(self, name: str, attributes: Mapping[str, str] | None) -> AbstractContextManager[None]:
        """Each one's block, nested in order (only those that have one)."""
        steps = self._steps
        if not steps:
            return _NULL
        if len(steps) == 1:
            return steps[0].step(name, attributes)
        return _nested([o.step(name, attributes) for o in steps])

    def trace_headers(self) -> dict[str, bytes]:
        """Every observer's headers (the first to name a header wins)."""
        headers: dict[str, bytes] = {}
        for observer in self.observers:
            for name, value in observer.trace_headers().items():
                headers.setdefault(name, value)
        return headers

    def listener_message(self, topic: str, outcome: str) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.listener_message(topic, outcome)

    def message_dead_lettered(self, topic: str, reason_kind: str) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.message_dead_lettered(topic, reason_kind)

    def timer_fired(self, lateness: float) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.timer_fired(lateness)

    def store_saved(self, seconds: float) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.store_saved(seconds)

    def retry_scheduled(self, task: Any, attempt: int, delay: float) -> None:
        """Told to each."""
        for observer in self.observers:
            observer.retry_scheduled(task, attempt, delay)


@contextlib.contextmanager
def _nested(blocks: Sequence[AbstractContextManager[None]]) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for block in blocks:
            stack.enter_context(block)
        yield


def _overrides(observer: Observer, name: str) -> bool:
    return getattr(type(observer), name) is not getattr(Observer, name)


def wraps_executions(observer: Observer) -> bool:
    """Whether ``observer.task_execution`` is more than the base's null block (else callers
    only time the user code for :meth:`Observer.task_executed`)."""
    if isinstance(observer, Observers):
        return bool(observer._executions)
    return _overrides(observer, "task_execution")


def wraps_steps(observer: Observer) -> bool:
    """Whether ``observer.step`` is more than the base's null block."""
    if isinstance(observer, Observers):
        return bool(observer._steps)
    return _overrides(observer, "step")


@contextlib.contextmanager
def observed_execution(observer: Observer, task: Any, workflow: Any, hook: str) -> Iterator[None]:
    """The block where user code runs, as ``observer`` is told it: its
    :meth:`~Observer.task_execution` block (when it has one), then
    :meth:`~Observer.task_executed` with the time taken (for call sites off the hot path;
    ``dagger.tasks._support.guarded`` inlines the same)."""
    if observer is NOOP:
        yield
        return
    began = time.perf_counter()
    failed = False
    try:
        if wraps_executions(observer):
            with observer.task_execution(task, workflow, hook):
                yield
        else:
            yield
    except Exception:
        failed = True
        raise
    finally:
        observer.task_executed(task, workflow, hook, time.perf_counter() - began, failed)


def combine(*observers: Observer | None) -> Observer:
    """One observer telling each given one (``None`` and no-op ones left out)."""
    real = [o for o in observers if o is not None and type(o) is not Observer]
    if not real:
        return NOOP
    if len(real) == 1:
        return real[0]
    return Observers(real)


def task_type_of(task: Any) -> str:
    """The label of a task's type: its class name (bounded: classes are code)."""
    return type(task).__name__


def template_of(workflow: Any) -> str:
    """The label of a workflow's template: its name ("" when unknown)."""
    name = getattr(workflow, "template_name", None)
    return "" if name is None else str(name)


def attempt_of(task: Any) -> int:
    """Which run of the task this is (1 unless it was retried)."""
    attempt = getattr(task, "attempt", 1)
    return attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else 1
