"""Prometheus metrics of one engine: an :class:`~dagger.core.observe.Observer` over its own
``CollectorRegistry``, served by the worker's web server at ``GET /metrics``.

Every metric is named ``dagger_...`` and labelled by template name, task class, status,
topic, listener outcome or dead-letter reason: never by a workflow or task id, so the
number of series stays bounded however many workflows run. The registry is the engine's own (not
``prometheus_client``'s global one), so two engines in one process do not clash.

Counts are this worker's: a workflow started on one worker and ended on another after a
rebalance is counted as started on the first and ended on the second, so
``dagger_workflows_in_flight`` is only meaningful summed over the workers.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from dagger.core.observe import Observer, task_type_of, template_of
from dagger.core.status import TaskStatusEnum

#: Seconds: from sub-millisecond user code to minute-long workflows.
DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600)
#: Seconds a trigger fired after it was due.
LATENESS_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300)
#: Seconds one store write takes.
SAVE_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1)
#: Delays before a retry, seconds.
RETRY_BUCKETS = (1, 5, 10, 30, 60, 300, 900, 3600)

#: The workflow end counter each terminal status counts in.
_WORKFLOW_ENDS = {
    TaskStatusEnum.COMPLETED: "completed",
    TaskStatusEnum.FAILURE: "failed",
    TaskStatusEnum.STOPPED: "stopped",
    TaskStatusEnum.SKIPPED: "skipped",
}


def _status_label(status: Any) -> str:
    return status.value if isinstance(status, TaskStatusEnum) else str(status)


class PrometheusMetrics(Observer):
    """The engine's metrics (see ``docs/operations/observability.md`` for the list)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True) if registry is None else registry
        r = self.registry
        self.workflows_started = Counter(
            "dagger_workflows_started", "Workflows that began running.", ["template"], registry=r
        )
        self.workflows_ended = {
            status: Counter(
                f"dagger_workflows_{name}",
                f"Workflows that ended {status.value}.",
                ["template"],
                registry=r,
            )
            for status, name in _WORKFLOW_ENDS.items()
        }
        self.workflow_duration = Histogram(
            "dagger_workflow_duration_seconds",
            "Seconds from a workflow's start to its end (the stamps' one-second resolution).",
            ["template", "status"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.workflows_in_flight = Gauge(
            "dagger_workflows_in_flight",
            "Workflows started and not ended on this worker.",
            ["template"],
            registry=r,
        )
        self.tasks_ended = Counter(
            "dagger_tasks_ended",
            "Tasks that ended, by task class and status.",
            ["task_type", "status"],
            registry=r,
        )
        self.task_duration = Histogram(
            "dagger_task_execution_seconds",
            "Seconds a task's user code ran (execute, on_message, evaluate, interval_execute).",
            ["task_type", "hook"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.task_errors = Counter(
            "dagger_task_execution_errors",
            "Runs of a task's user code that raised.",
            ["task_type", "hook"],
            registry=r,
        )
        self.listener_messages = Counter(
            "dagger_listener_messages",
            "Listener-topic messages by outcome (matched, unmatched, dead_lettered).",
            ["topic", "outcome"],
            registry=r,
        )
        self.dead_letters = Counter(
            "dagger_dead_letters",
            "Messages dead-lettered, by topic (tasks or listener) and reason "
            "(undecodable, invalid, failed).",
            ["topic", "reason"],
            registry=r,
        )
        self.timer_lateness = Histogram(
            "dagger_timer_lateness_seconds",
            "Seconds a timer trigger fired after it was due.",
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self.store_save = Histogram(
            "dagger_store_save_seconds",
            "Seconds encoding and writing one workflow to the store took.",
            buckets=SAVE_BUCKETS,
            registry=r,
        )
        self.retries = Counter(
            "dagger_task_retries",
            "Retries scheduled for failed tasks, by task class.",
            ["task_type"],
            registry=r,
        )
        self.retry_delay = Histogram(
            "dagger_task_retry_delay_seconds",
            "Seconds a scheduled retry waits before it runs.",
            ["task_type"],
            buckets=RETRY_BUCKETS,
            registry=r,
        )
        self._started: dict[Any, tuple[Any, Any]] = {}
        self._ended: dict[tuple[Any, Any], tuple[Any, Any, Any]] = {}
        self._tasks_ended: dict[tuple[type, Any], Any] = {}
        self._executions: dict[tuple[type, str], Any] = {}
        self._listener: dict[tuple[str, str], Any] = {}
        self._dead_letters: dict[tuple[str, str], Any] = {}

    # -- the observer -----------------------------------------------------------------------
    # Each event resolves its labelled children once per label tuple and keeps them in a
    # dict (``Metric.labels`` takes a lock and builds the label tuple on every call); the
    # label sets are bounded (templates, task classes, statuses, topics), so are the dicts.
    def workflow_started(self, workflow: Any) -> None:
        """Count the start; one more in flight."""
        name = getattr(workflow, "template_name", None)
        children = self._started.get(name)
        if children is None:
            template = template_of(workflow)
            children = self._started[name] = (
                self.workflows_started.labels(template),
                self.workflows_in_flight.labels(template),
            )
        children[0].inc()
        children[1].inc()

    def workflow_ended(self, workflow: Any, status: Any, seconds: float) -> None:
        """Count the end by status, observe the duration; one fewer in flight."""
        key = (getattr(workflow, "template_name", None), status)
        children = self._ended.get(key)
        if children is None:
            template = template_of(workflow)
            counter = self.workflows_ended.get(status)
            children = self._ended[key] = (
                None if counter is None else counter.labels(template),
                self.workflow_duration.labels(template, _status_label(status)),
                self.workflows_in_flight.labels(template),
            )
        ended, duration, in_flight = children
        if ended is not None:
            ended.inc()
        duration.observe(seconds)
        in_flight.dec()

    def task_ended(self, task: Any, workflow: Any, status: Any) -> None:
        """Count the task's end by class and status."""
        key = (type(task), status)
        child = self._tasks_ended.get(key)
        if child is None:
            child = self._tasks_ended[key] = self.tasks_ended.labels(
                task_type_of(task), _status_label(status)
            )
        child.inc()

    def task_executed(
        self, task: Any, workflow: Any, hook: str, seconds: float, failed: bool
    ) -> None:
        """Observe how long the user code ran; count it as an error when it raised."""
        key = (type(task), hook)
        child = self._executions.get(key)
        if child is None:
            child = self._executions[key] = self.task_duration.labels(task_type_of(task), hook)
        child.observe(seconds)
        if failed:  # rare: no cache, and no zero series for code that never raised
            self.task_errors.labels(task_type_of(task), hook).inc()

    def listener_message(self, topic: str, outcome: str) -> None:
        """Count the message by topic and outcome."""
        key = (topic, outcome)
        child = self._listener.get(key)
        if child is None:
            child = self._listener[key] = self.listener_messages.labels(topic, outcome)
        child.inc()

    def message_dead_lettered(self, topic: str, reason_kind: str) -> None:
        """Count the dead letter by topic and reason."""
        key = (topic, reason_kind)
        child = self._dead_letters.get(key)
        if child is None:
            child = self._dead_letters[key] = self.dead_letters.labels(topic, reason_kind)
        child.inc()

    def timer_fired(self, lateness: float) -> None:
        """Observe the lateness."""
        self.timer_lateness.observe(lateness)

    def store_saved(self, seconds: float) -> None:
        """Observe the save duration."""
        self.store_save.observe(seconds)

    def retry_scheduled(self, task: Any, attempt: int, delay: float) -> None:
        """Count the retry and observe its delay."""
        task_type = task_type_of(task)
        self.retries.labels(task_type).inc()
        self.retry_delay.labels(task_type).observe(max(0.0, float(delay)))

    # -- exposition -------------------------------------------------------------------------
    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
