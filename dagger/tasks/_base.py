"""``ITask``: the base of every task, with completion propagation and the tree walks.

A workflow is one record holding every node; edges are ids (``root_dag``, ``next_dags``,
``parent_id``, ``parallel_child_task_list``). When a task ends, :meth:`ITask.on_complete`
starts its first successor that is not SKIPPED, or, when there is none, notifies its
parent, which completes in turn. FAILURE does not halt a workflow (0.2.6 semantics).
"""

import logging
from typing import TYPE_CHECKING, Any, Generic
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.record import NOW, Record
from dagger.core.status import (
    KT,
    VT,
    TaskLookupKey,
    TaskStatus,
    TaskStatusEnum,
    TaskType,
    status_of,
)
from dagger.tasks._support import now

if TYPE_CHECKING:
    from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.tasks")

S = TaskStatusEnum
_NOW: Any = NOW  # a per-instance timestamp default (the field type is the stored int)
WAITING = (S.NOT_STARTED, S.SUBMITTED)


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
    async def start(self, workflow_instance: "ITemplateDAGInstance") -> bool | None:
        """Begin the task: a finished task re-drives its successors; a new one starts waiting."""
        if await self._forward_if_done(workflow_instance):
            return None
        if tr.code_of(self) in WAITING:
            tr.apply(tr.START, self, now())
        return None

    async def notify(
        self, status: Any, workflow_instance: "ITemplateDAGInstance | None" = None
    ) -> None:
        """A child ended with ``status``: complete this node with it (if it is still running)."""
        if workflow_instance is None or tr.is_terminal(self):
            return
        target = tr.as_status(status)
        if tr.code_of(self) is target:
            return
        if tr.code_of(self) in WAITING:
            tr.apply(tr.START, self, now())
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
        if not tr.finish(self, target, now()):
            logger.warning(
                "task %s (%s) is %s; not changing it to %s",
                self.task_name,
                self.id,
                tr.code_of(self).name,
                target.name,
            )
            return
        if target in tr.TERMINAL and workflow_instance is not None:
            await self._on_terminal(workflow_instance)
        if not iterate or workflow_instance is None or target not in tr.TERMINAL:
            return
        if target is S.STOPPED:
            return
        for next_id in self.next_dags:
            successor = workflow_instance.get_task(next_id)
            if successor is None or tr.code_of(successor) is S.SKIPPED:
                continue
            await successor.start(workflow_instance)
            return
        if self.parent_id is not None:
            parent = workflow_instance.get_task(self.parent_id)
            if parent is not None and parent is not self:
                await parent.notify(status_of(target), workflow_instance)

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

    # -- internals ------------------------------------------------------------------------
    async def _forward_if_done(
        self, workflow_instance: "ITemplateDAGInstance | None", honour_reprocess: bool = True
    ) -> bool:
        """Re-drive a finished task (its successors) instead of running it; ``True`` if so.

        Only a terminal task is re-driven, so hot callers test ``tr.is_terminal`` first and
        skip this call (and its coroutine) for the usual, unfinished task.
        """
        code = tr.code_of(self)
        if code is S.STOPPED:
            return True
        if code in (S.COMPLETED, S.SKIPPED, S.FAILURE) and not (
            honour_reprocess and self.reprocess_on_message
        ):
            await self.on_complete(workflow_instance, status=code)
            return True
        return False

    async def _on_terminal(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Release what the task holds in the runtime (triggers, index entries, monitors)."""


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


async def stop_task(
    task: ITask[Any, Any], runtime_parameters: dict[str, Any], workflow: "ITemplateDAGInstance"
) -> None:
    """Stop one task: its ``stop`` hook if it is running, then STOPPED and its resources freed."""
    if tr.is_terminal(task):
        return
    if tr.code_of(task) is S.EXECUTING:
        try:
            await task.stop(runtime_parameters, workflow)
        except Exception:
            logger.exception("stop hook of task %s (%s) raised", task.task_name, task.id)
    if not tr.is_terminal(task) and tr.apply(tr.STOP, task, now()):
        await task._on_terminal(workflow)


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


ITask.__module__ = "dagger.tasks.task"
