"""The small interface between the workflow model and whatever runs it.

Task code never talks to faust, Kafka or a database directly: it calls the
:class:`WorkflowRuntime` installed with :func:`dagger.core.context.set_runtime`.
The faust engine (``dagger.runtime``) and the in-memory runtime used by unit tests
(``dagger.testing``) both implement it.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from dagger.core.observe import NOOP, Observer

if TYPE_CHECKING:
    from dagger.core.records import CorrelatableMapValue, Trigger
    from dagger.core.retry import RetryPolicy


class TaskNode(Protocol):
    """What the model's rules read of a task (every task class has these fields)."""

    id: Any
    task_name: str | None
    status: Any
    correlatable_key: str | None
    reprocess_on_message: bool
    time_submitted: Any
    time_completed: Any


class WorkflowNode(Protocol):
    """What runtimes and the model's rules read of a workflow instance.

    ``WorkflowNode`` is the implementation; the port names this protocol so the
    core does not depend on the task classes.
    """

    id: Any
    status: Any
    template_name: str | None
    partition_key_lookup: str | None
    tasks: dict[Any, Any]
    runtime_parameters: dict[str, Any]
    sensor_tasks_to_correletable_map: dict[Any, CorrelatableMapValue]
    update_count: int
    lastupdated: int
    time_submitted: Any
    time_completed: Any

    def get_task(self, id: Any) -> Any:
        """The node with this id, or ``None``."""

    def dumps(self, *, serializer: Any = None) -> bytes:
        """The workflow's wire and storage form."""

    def to_representation(self) -> dict[str, Any]:
        """The workflow as JSON-ready data."""


class WorkflowRuntime(ABC):
    """Persistence, timers, correlation and transport, as the workflow model sees them.

    Every method is keyed by ids and plain values so implementations may store
    records however they like. Implementations must be safe to call from agents,
    timers and web handlers alike.
    """

    #: Delete a workflow (and its triggers and index entries) once it reaches a terminal state.
    delete_workflow_on_complete: bool = False
    #: The retry policy of every task that has none of its own (``None``: such tasks run
    #: once, as in 0.2.6); ``Dagger(default_retry_policy=...)`` sets it.
    default_retry_policy: RetryPolicy | None = None
    #: Told what the engine does on this runtime (metrics, traces); the default ignores it.
    observer: Observer = NOOP

    def now(self) -> float:
        """Return the current time in epoch seconds (tests substitute a fake clock)."""
        return time.time()

    def is_owned_elsewhere(self, workflow: WorkflowNode) -> bool:
        """Whether another worker owns the partition this workflow lives in.

        Such a workflow is sent over the tasks topic to its owner instead of being stored or
        started here. A runtime holding every workflow itself answers ``False``.
        """
        return False

    @abstractmethod
    async def load_workflow(self, workflow_id: UUID | str) -> Any:
        """Return the stored workflow instance, or ``None`` when there is none."""

    @abstractmethod
    async def save_workflow(self, workflow: WorkflowNode) -> None:
        """Persist a workflow instance.

        Bumps ``update_count`` and ``lastupdated``, emits the task-update event and
        callbacks, then writes the record. A workflow deleted on completion is not
        written again.
        """

    @abstractmethod
    async def delete_workflow(self, workflow: WorkflowNode) -> None:
        """Remove a workflow record together with its triggers and correlation entries."""

    @abstractmethod
    async def save_trigger(self, trigger: Trigger) -> None:
        """Store (or overwrite) a timer trigger; it fires at ``trigger.trigger_time``."""

    @abstractmethod
    async def remove_trigger(self, workflow_id: UUID, task_id: UUID) -> None:
        """Forget the trigger of one task; a no-op when there is none."""

    @abstractmethod
    async def index_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Record that messages on ``topic`` correlated by ``key_value`` concern this task."""

    @abstractmethod
    async def unindex_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Remove one correlation entry; a no-op when it is absent."""

    @abstractmethod
    async def lookup_listeners(self, key_value: str, topic: str) -> list[tuple[UUID, UUID]]:
        """Return ``(workflow_id, task_id)`` pairs indexed under a key value on a topic."""

    @abstractmethod
    async def send_for_creation(self, key: Any, workflow: WorkflowNode) -> None:
        """Send a workflow over the tasks topic so the worker owning ``key`` creates it."""
