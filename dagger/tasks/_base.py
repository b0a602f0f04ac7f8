"""The node types every task builds on: ``ITask``, the non-leaf node and the workflow instance.

A workflow is one record holding every node; edges are ids (``root_dag``, ``next_dags``,
``parent_id``, ``parallel_child_task_list``). When a task ends, :meth:`ITask.on_complete`
starts its first successor that is not SKIPPED, or, when there is none, notifies its
parent, which completes in turn. FAILURE does not halt a workflow (0.2.6 semantics).
Every status change is a rule of :mod:`dagger.core.transitions`, run with its hooks by
:mod:`dagger.tasks._lifecycle`.

The workflow instance is a non-leaf node, which is a task, and every task's hooks take the
workflow instance: the three live here together so that no task module imports another
that imports it back.
"""

import logging
from typing import Any, Generic
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.correlation import sync_index
from dagger.core.persistence import persist
from dagger.core.record import NOW, Record
from dagger.core.records import CorrelatableMapValue
from dagger.core.retry import StoredRetryPolicy
from dagger.core.status import (
    KT,
    VT,
    TaskLookupKey,
    TaskStatus,
    TaskStatusEnum,
    TaskType,
    status_of,
)
from dagger.tasks import _lifecycle, _timeouts
from dagger.tasks._support import UserCodeFailed, guarded, runtime

logger = logging.getLogger("dagger.tasks")

S = TaskStatusEnum
_NOW: Any = NOW  # a per-instance timestamp default (the field type is the stored int)


class ITask(Record, Generic[KT, VT]):
    """Base of every task: identity, status, links to the rest of the workflow, user hooks.

    Subclasses implement ``execute`` (executors), ``on_message`` (listeners) or ``evaluate``
    (decisions). Status changes go through :mod:`dagger.core.transitions`.
    """

    id: UUID
    time_submitted: int = 0
    time_completed: int = 0
    lastupdated: int = _NOW
    task_name: str | None = None
    task_type: str = TaskType.LEAF.value
    parent_id: UUID | None = None
    status: TaskStatus = TaskStatus()
    time_created: int = _NOW
    next_dags: list[UUID] = []
    root_dag: UUID | None = None
    message: str | None = None
    allow_skip_to: bool = False
    reprocess_on_message: bool = False
    correlatable_key: str | None = None
    # -- since 0.2.6: last in every task class (see ``_trailing_fields``) ------------------
    #: The run of the task in progress, or the last one: 1 for the first, 2 for the first
    #: retry (see ``dagger.retry.RetryPolicy``).
    attempt: int = 1
    #: ``"<ExceptionType>: <text>"`` of the last attempt that raised (kept after a
    #: successful retry; ``message`` holds the error only once the task has ended FAILURE).
    last_error: str | None = None
    #: The task's own retry policy (``None``: the engine's default, if any).
    retry_policy: StoredRetryPolicy | None = None
    #: While a failed attempt waits for the next one: when that runs (epoch seconds).
    retry_at: float | None = None
    _trailing_fields: tuple[str, ...] = ("attempt", "last_error", "retry_policy", "retry_at")
    #: Whether a failure of the task's user code is retried by its retry policy.
    _retries_on_error = False

    def get_id(self) -> UUID:
        """The task's id."""
        return self.id

    # -- user hooks -----------------------------------------------------------------------
    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """The task's work; executor-like tasks implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement "
            f"async execute(self, runtime_parameters, workflow_instance=None)"
        )

    async def stop(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Called when the workflow is stopped while this task is EXECUTING (default: nothing)."""

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Handle a correlated message; return ``True`` to complete the task."""
        raise NotImplementedError(
            f"{type(self).__name__} does not take messages; listeners implement "
            f"async on_message(self, runtime_parameters, *args, **kwargs) -> bool"
        )

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """Choose the branch to follow (decision tasks implement it)."""
        raise NotImplementedError(
            f"{type(self).__name__} does not choose branches; decision tasks implement "
            f"async evaluate(self, **kwargs) -> Optional[UUID]"
        )

    def get_correlatable_key(self, payload: Any) -> Any:
        """Deprecated key extractor: the ``(attribute, value)`` a payload is correlated by."""
        return payload

    async def get_correlatable_key_from_payload(self, payload: Any) -> TaskLookupKey:
        """One ``(attribute, value)`` mapping of a payload (default: ``get_correlatable_key``)."""
        key: TaskLookupKey = self.get_correlatable_key(payload)
        return key

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        """Every ``(attribute, value)`` mapping of a payload; one message may address many tasks."""
        return [await self.get_correlatable_key_from_payload(payload)]

    # -- lifecycle ------------------------------------------------------------------------
    #: Whether ``reprocess_on_message`` makes an ended task run again when it is reached
    #: (listeners: no, they take the next message instead).
    _reruns_when_reached = True

    async def start(
        self, workflow_instance: "ITemplateDAGInstance", ignore_status: bool = False
    ) -> bool | None:
        """Begin the task; a task reached after it ended re-drives its successors instead.

        Every task type starts here; what beginning means is its ``_begin``.
        ``ignore_status`` is accepted for 0.2.6's executor signature: the state machine
        decides what may run.
        """
        if await _lifecycle.redrive_if_done(
            self, workflow_instance, honour_reprocess=self._reruns_when_reached
        ):
            return None
        await self._begin(workflow_instance)
        return None

    async def _begin(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """What starting means for this kind of task; by default it waits, EXECUTING."""
        await _lifecycle.apply(tr.START, self, workflow_instance)

    async def notify(
        self, status: Any, workflow_instance: "ITemplateDAGInstance | None" = None
    ) -> None:
        """A child ended with ``status``: end this node with it (if it is still running)."""
        if workflow_instance is None or tr.is_terminal(self):
            return
        target = tr.as_status(status)
        if tr.code_of(self) is not target:
            await self.on_complete(workflow_instance, status=status_of(target))

    async def on_complete(
        self,
        workflow_instance: "ITemplateDAGInstance | None",
        status: Any = None,
        iterate: bool = True,
    ) -> None:
        """End the task with ``status`` (default COMPLETED), then move the workflow on.

        Moving on means starting the first successor that is not SKIPPED, or, when there
        is none, notifying the parent. ``iterate=False`` only records the status.
        A task already terminal with another status keeps it.
        """
        target = tr.as_status(status)
        if await _lifecycle.move(self, workflow_instance, target, iterate=iterate) is None:
            logger.warning(
                "task %s (%s) is %s; not changing it to %s",
                self.task_name,
                self.id,
                tr.code_of(self).name,
                target.name,
            )

    async def get_remaining_tasks(
        self,
        next_dag_id: UUID | None,
        workflow_instance: "ITemplateDAGInstance",
        tasks: list["ITask[Any, Any]"] | None = None,
        end_task_id: UUID | None = None,
    ) -> list["ITask[Any, Any]"]:
        """The tasks from ``next_dag_id`` on, depth first, stopping before ``end_task_id``.

        Order: a node's ``root_dag`` subtree, its parallel children, the node, then its
        ``next_dags``.
        """
        found: list[ITask[Any, Any]] = tasks if tasks is not None else []
        collect_remaining(workflow_instance, next_dag_id, end_task_id, found)
        return found


class INonLeafNodeTask(ITask[KT, VT]):
    """A node with a chain of children starting at ``root_dag`` (a process, or the workflow)."""

    task_type: str = TaskType.SUB_DAG.value

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Mark the node EXECUTING (stamping ``time_submitted``)."""
        await _lifecycle.move(self, workflow_instance, S.EXECUTING)

    async def _begin(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Execute the node if new, then (re-)start its first child."""
        if workflow_instance is None:
            return
        if tr.code_of(self) in tr.WAITING or self.reprocess_on_message:
            try:
                await guarded(
                    self,
                    "execute",
                    self.execute(workflow_instance.runtime_parameters, workflow_instance),
                    workflow_instance,
                )
            except UserCodeFailed:
                await self.on_complete(workflow_instance, status=S.FAILURE)
                return
            if tr.code_of(self) is S.EXECUTING:
                await self._started(workflow_instance)
        if tr.code_of(self) is not S.EXECUTING:
            return
        child = workflow_instance.get_task(self.root_dag)
        if child is None:
            # Nothing inside: the node is done at once rather than waiting forever.
            await self.on_complete(workflow_instance)
        else:
            await child.start(workflow_instance)

    async def _started(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """The node has just begun running, before its first child starts (default: nothing)."""

    async def stop(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Stop the node's unfinished tasks, then the node."""
        if workflow_instance is None:
            return
        for task in await self.get_remaining_tasks(self.root_dag, workflow_instance):
            await _lifecycle.stop_task(task, runtime_parameters, workflow_instance)
        await _lifecycle.apply(tr.STOP, self, workflow_instance)


class ITemplateDAGInstance(INonLeafNodeTask[KT, VT]):
    """A workflow instance: its processes, tasks and monitors live in ``tasks`` by id.

    ``runtime_parameters`` is one dict shared by every task of the workflow; tasks read
    and change it, and changes are saved with the workflow.
    """

    template_name: str | None = None
    partition_key_lookup: str | None = None
    task_type: str = TaskType.ROOT.value
    tasks: dict[UUID, ITask[Any, Any]] = {}
    sensor_tasks_to_correletable_map: dict[UUID, CorrelatableMapValue] = {}
    runtime_parameters: dict[str, Any] = {}
    update_count: int = 0
    # -- since 0.2.6 ------------------------------------------------------------------------
    #: Seconds the workflow may run before it is timed out (``None``: no limit).
    execution_timeout: float | None = None
    #: When a running workflow with an ``execution_timeout`` times out (epoch seconds).
    execution_deadline: float | None = None
    _trailing_fields = ("execution_timeout", "execution_deadline")

    def add_task(self, task: ITask[Any, Any]) -> None:
        """Add (or replace) a node of the workflow."""
        self.tasks[task.id] = task

    def get_task(self, id: Any) -> ITask[Any, Any] | None:
        """The node with this id (the workflow itself for its own id; ``None`` if unknown)."""
        if not id:
            return None
        if not isinstance(id, UUID):
            try:
                id = UUID(str(id))
            except ValueError:
                return None
        if id == self.id:
            return self
        return self.tasks.get(id)

    async def _started(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """The workflow began running: its execution timeout, if any, starts counting."""
        if workflow_instance is self:
            await _timeouts.arm_execution_deadline(self)

    async def _update_global_runtime_parameters(self) -> None:
        """Re-index the listeners whose correlating runtime parameter changed."""
        await sync_index(runtime(), self)

    async def stop(
        self,
        runtime_parameters: dict[str, Any] | None = None,
        workflow_instance: "ITemplateDAGInstance[Any, Any] | None" = None,
    ) -> None:
        """Stop the workflow: every unfinished task (composite children and monitors too)
        becomes STOPPED, running ones get their ``stop`` hook first; the workflow is then
        STOPPED, cleaned up and saved. A workflow already ended is left alone."""
        if tr.is_terminal(self):
            return
        params = self.runtime_parameters if runtime_parameters is None else runtime_parameters
        for task in self._stop_order():
            await _lifecycle.stop_task(task, params, self)
        await _lifecycle.apply(tr.STOP, self, self)  # releases what the workflow holds
        await persist(runtime(), self)

    def _stop_order(self) -> list[ITask[Any, Any]]:
        ordered: list[ITask[Any, Any]] = []
        collect_remaining(self, self.root_dag, None, ordered)
        seen = {id(t) for t in ordered}
        return ordered + [t for t in self.tasks.values() if id(t) not in seen]


def collect_remaining(
    workflow: "ITemplateDAGInstance",
    start_id: UUID | None,
    end_id: UUID | None,
    out: list[ITask[Any, Any]],
    seen: set[UUID] | None = None,
) -> bool:
    """Append the nodes from ``start_id`` on (see ``get_remaining_tasks``); ``True`` at ``end_id``."""
    seen = set() if seen is None else seen
    if start_id is None:
        return False
    if end_id is not None and start_id == end_id:
        return True
    if start_id in seen:
        return False
    seen.add(start_id)
    node = workflow.get_task(start_id)
    if node is None or node is workflow:
        return False
    if collect_remaining(workflow, node.root_dag, end_id, out, seen):
        return True
    for child_id in list(getattr(node, "parallel_child_task_list", None) or ()):
        if collect_remaining(workflow, child_id, end_id, out, seen):
            return True
    out.append(node)
    return any(collect_remaining(workflow, n, end_id, out, seen) for n in list(node.next_dags))


def outcome_of(task: ITask[Any, Any]) -> TaskStatusEnum:
    """How a task that ran ends: the terminal status it set on itself, else COMPLETED."""
    code = tr.code_of(task)
    return code if code in tr.TERMINAL else S.COMPLETED


def ancestors(task: ITask[Any, Any], workflow: "ITemplateDAGInstance") -> list[ITask[Any, Any]]:
    """The task's parents, nearest first, up to and including the workflow."""
    found: list[ITask[Any, Any]] = []
    parent_id = task.parent_id
    while parent_id is not None:
        parent = workflow.get_task(parent_id)
        if parent is None or any(p is parent for p in found):
            break
        found.append(parent)
        if parent is workflow:
            break
        parent_id = parent.parent_id
    return found


for _cls in (ITask, INonLeafNodeTask, ITemplateDAGInstance):
    _cls.__module__ = "dagger.tasks.task"
