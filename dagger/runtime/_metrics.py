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

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from dagger.core.observe import Observer, task_type_of, template_of
from dagger.core.status import TaskStatusEnum
from dagger.runtime._tally import (
    CounterFamily,
    GaugeFamily,
    HistogramFamily,
    Labels,
    Tallies,
)

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
    """The engine's metrics (see ``docs/operations/observability.md`` for the list).

    Kept as plain numbers on the event loop and built into Prometheus families when scraped
    (``_tally``): updating a ``prometheus_client`` child costs a lock and, for a histogram,
    a walk over the buckets, several times per task.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True) if registry is None else registry
        self.workflows_started = CounterFamily(
            "dagger_workflows_started", "Workflows that began running.", ["template"]
        )
        self.workflows_ended = {
            status: CounterFamily(
                f"dagger_workflows_{name}", f"Workflows that ended {status.value}.", ["template"]
            )
            for status, name in _WORKFLOW_ENDS.items()
        }
        self.workflow_duration = HistogramFamily(
            "dagger_workflow_duration_seconds",
            "Seconds from a workflow's start to its end (the stamps' one-second resolution).",
            ["template", "status"],
            buckets=DURATION_BUCKETS,
        )
        self.workflows_in_flight = GaugeFamily(
            "dagger_workflows_in_flight",
            "Workflows started and not ended on this worker.",
            ["template"],
        )
        self.tasks_ended = CounterFamily(
            "dagger_tasks_ended",
            "Tasks that ended, by task class and status.",
            ["task_type", "status"],
        )
        self.task_duration = HistogramFamily(
            "dagger_task_execution_seconds",
            "Seconds a task's user code ran (execute, on_message, evaluate, interval_execute).",
            ["task_type", "hook"],
            buckets=DURATION_BUCKETS,
        )
        self.task_errors = CounterFamily(
            "dagger_task_execution_errors",
            "Runs of a task's user code that raised.",
            ["task_type", "hook"],
        )
        self.listener_messages = CounterFamily(
            "dagger_listener_messages",
            "Listener-topic messages by outcome (matched, unmatched, dead_lettered).",
            ["topic", "outcome"],
        )
        self.dead_letters = CounterFamily(
            "dagger_dead_letters",
            "Messages dead-lettered, by topic (tasks or listener) and reason "
            "(undecodable, invalid, failed).",
            ["topic", "reason"],
        )
        self.timer_lateness = HistogramFamily(
            "dagger_timer_lateness_seconds",
            "Seconds a timer trigger fired after it was due.",
            buckets=LATENESS_BUCKETS,
        )
        self.store_save = HistogramFamily(
            "dagger_store_save_seconds",
            "Seconds encoding and writing one workflow to the store took.",
            buckets=SAVE_BUCKETS,
        )
        self.retries = CounterFamily(
            "dagger_task_retries",
            "Retries scheduled for failed tasks, by task class.",
            ["task_type"],
        )
        self.retry_delay = HistogramFamily(
            "dagger_task_retry_delay_seconds",
            "Seconds a scheduled retry waits before it runs.",
            ["task_type"],
            buckets=RETRY_BUCKETS,
        )
        self.registry.register(
            Tallies(
                [
                    self.workflows_started,
                    *self.workflows_ended.values(),
                    self.workflow_duration,
                    self.workflows_in_flight,
                    self.tasks_ended,
                    self.task_duration,
                    self.task_errors,
                    self.listener_messages,
                    self.dead_letters,
                    self.timer_lateness,
                    self.store_save,
                    self.retries,
                    self.retry_delay,
                ]
            )
        )
        # Label values by what the events carry, resolved once each (the sets are bounded:
        # templates, task classes, statuses, hooks).
        self._templates: dict[Any, Labels] = {}
        self._task_labels: dict[tuple[type, Any], Labels] = {}

    # -- the observer -----------------------------------------------------------------------
    def _template(self, workflow: Any) -> Labels:
        name = getattr(workflow, "template_name", None)
        labels = self._templates.get(name)
        if labels is None:
            labels = self._templates[name] = (template_of(workflow),)
        return labels

    def _task(self, task: Any, second: Any) -> Labels:
        key = (type(task), second)
        labels = self._task_labels.get(key)
        if labels is None:
            labels = self._task_labels[key] = (task_type_of(task), _status_label(second))
        return labels

    def workflow_started(self, workflow: Any) -> None:
        """Count the start; one more in flight."""
        template = self._template(workflow)
        self.workflows_started.inc(template)
        self.workflows_in_flight.inc(template)

    def workflow_ended(self, workflow: Any, status: Any, seconds: float) -> None:
        """Count the end by status, observe the duration; one fewer in flight."""
        template = self._template(workflow)
        counter = self.workflows_ended.get(status)
        if counter is not None:
            counter.inc(template)
        self.workflow_duration.observe((template[0], _status_label(status)), seconds)
        self.workflows_in_flight.inc(template, -1.0)

    def task_ended(self, task: Any, workflow: Any, status: Any) -> None:
        """Count the task's end by class and status."""
        self.tasks_ended.inc(self._task(task, status))

    def task_executed(
        self, task: Any, workflow: Any, hook: str, seconds: float, failed: bool
    ) -> None:
        """Observe how long the user code ran; count it as an error when it raised."""
        labels = self._task(task, hook)
        self.task_duration.observe(labels, seconds)
        if failed:
            self.task_errors.inc(labels)

    def listener_message(self, topic: str, outcome: str) -> None:
        """Count the message by topic and outcome."""
        self.listener_messages.inc((topic, outcome))

    def message_dead_lettered(self, topic: str, reason_kind: str) -> None:
        """Count the dead letter by topic and reason."""
        self.dead_letters.inc((topic, reason_kind))

    def timer_fired(self, lateness: float) -> None:
        """Observe the lateness."""
        self.timer_lateness.observe((), lateness)

    def store_saved(self, seconds: float) -> None:
        """Observe the save duration."""
        self.store_save.observe((), seconds)

    def retry_scheduled(self, task: Any, attempt: int, delay: float) -> None:
        """Count the retry and observe its delay."""
        labels = (task_type_of(task),)
        self.retries.inc(labels)
        self.retry_delay.observe(labels, max(0.0, float(delay)))

    # -- exposition -------------------------------------------------------------------------
    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
