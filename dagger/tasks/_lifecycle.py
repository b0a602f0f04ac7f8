"""Moving a task of a workflow: a rule of :mod:`dagger.core.transitions`, then its hooks.

Task code never changes a status itself: it asks for a move here, by rule (:func:`apply`)
or by the status it wants (:func:`move`, which finds the one rule allowing it). The rule
changes the status and stamps the times; the hooks that reach beyond the task are run
here, as the rule lists them:

- ``Hook.RELEASE`` (:func:`release`): an ended task gives back what it holds in the
  runtime; an ended workflow gives back everything, and is deleted when the runtime says so.
- ``Hook.PROPAGATE`` (:func:`propagate`): the workflow moves on from an ended task.

Every move that starts the workflow or ends a task is told to the runtime's observer
(:mod:`dagger.core.observe`) first, so metrics and traces see each declared end once.

The task classes are typed here by the protocols they satisfy, not imported: they import
this module.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from dagger.core import transitions as tr
from dagger.core.context import current_observer
from dagger.core.correlation import unindex_all, unindex_task, wants_index
from dagger.core.observe import NOOP
from dagger.core.ports import TaskNode, WorkflowNode
from dagger.core.status import TaskStatusEnum, status_of
from dagger.core.timers import holds_trigger
from dagger.tasks._support import now, runtime

logger = logging.getLogger("dagger.tasks")

S = TaskStatusEnum


class Node(TaskNode, Protocol):
    """What moving a task calls on it and on its neighbours (every task class has these)."""

    next_dags: list[Any]
    parent_id: Any

    async def start(self, workflow_instance: Any) -> Any:
        """Begin the task (or re-drive it when it has ended)."""

    async def notify(self, status: Any, workflow_instance: Any = None) -> None:
        """A child of this node ended with ``status``."""

    async def on_complete(
        self, workflow_instance: Any, status: Any = None, iterate: bool = True
    ) -> None:
        """End the task with ``status``."""

    async def stop(self, runtime_parameters: dict[str, Any], workflow_instance: Any = None) -> None:
        """The task's own hook when its workflow is stopped while it runs."""


async def apply(
    rule: tr.Rule,
    task: Node,
    workflow: WorkflowNode | None,
    target: TaskStatusEnum | None = None,
    *,
    iterate: bool = True,
) -> bool:
    """Move ``task`` by ``rule`` (towards ``target``) and run the rule's hooks.

    ``False`` when the rule refuses (nothing changes). Without a workflow only the status
    and the stamps change. ``iterate=False`` holds PROPAGATE back.
    """
    if not tr.apply(rule, task, now(), target):
        return False
    await _after(rule, task, workflow, tr.code_of(task), iterate)
    return True


async def move(
    task: Node, workflow: WorkflowNode | None, target: TaskStatusEnum, *, iterate: bool = True
) -> tr.Rule | None:
    """Move ``task`` to ``target`` by the one rule allowing it, running its hooks.

    Returns that rule, or ``None`` when no rule allows the move (nothing changes).
    """
    rule = tr.move(task, target, now())
    if rule is not None:
        await _after(rule, task, workflow, target, iterate)
    return rule


async def _after(
    rule: tr.Rule,
    task: Node,
    workflow: WorkflowNode | None,
    target: TaskStatusEnum,
    iterate: bool,
) -> None:
    # Two flag reads decide whether anyone is told: most moves are neither.
    if (rule.stamps_ended and not rule.same_status) or (
        rule.stamps_started and task is workflow and rule is not tr.RERUN
    ):
        _observe(rule, task, workflow, target)
    if workflow is None:
        return
    if rule.releases:
        await release(task, workflow)
    if iterate and rule.propagates:
        await propagate(task, workflow, target)


def _observe(
    rule: tr.Rule, task: Node, workflow: WorkflowNode | None, target: TaskStatusEnum
) -> None:
    """Tell the observer that the workflow started, that it ended, or that a task ended.

    A re-driven end (SETTLE) is not a new end; a workflow re-run after it ended
    (RESTART, or a retry by hand) starts again.
    """
    observer = current_observer()
    if observer is NOOP:  # nobody listens (the default): skip the calls and the clock read
        return
    if task is not workflow or workflow is None:
        observer.task_ended(task, workflow, target)
    elif not rule.stamps_ended:
        observer.workflow_started(workflow)
    else:
        if rule.stamps_started:  # ended without having run (COMPLETE_UNSTARTED)
            observer.workflow_started(workflow)
        started = workflow.time_submitted or 0
        observer.workflow_ended(workflow, target, max(0.0, now() - started) if started else 0.0)


async def redrive_if_done(
    task: Node, workflow: WorkflowNode | None, *, honour_reprocess: bool = True
) -> bool:
    """Re-drive a task reached after it ended, instead of running it; ``True`` if so.

    A COMPLETED, FAILURE or SKIPPED task is told again how it ended (SETTLE, through its
    ``on_complete``), which moves the workflow on from it; a STOPPED one does nothing. With
    ``reprocess_on_message`` (when ``honour_reprocess``) an ended task runs again instead.
    """
    code = tr.code_of(task)
    if code in tr.NON_TERMINAL:
        return False
    if code is S.STOPPED:
        return True
    if honour_reprocess and task.reprocess_on_message:
        return False
    await task.on_complete(workflow, status=code)
    return True


async def release(task: Node, workflow: WorkflowNode) -> None:
    """``Hook.RELEASE``: what the ended task holds in the runtime goes.

    A task's stored trigger (a timer task's time, a pending retry, a listener's timeout),
    and a pending retry with it; a listener's index entry once it takes no more messages;
    the monitors watching a process (stopped with it, else completed). For the
    workflow itself: every index entry and trigger of its tasks, then the record when
    ``delete_workflow_on_complete`` is set.
    """
    if task is workflow:
        await _release_workflow(workflow)
        return
    if holds_trigger(task):
        await runtime().remove_trigger(workflow.id, task.id)
        if getattr(task, "retry_at", None) is not None:
            task.retry_at = None  # type: ignore[attr-defined]  # no retry is pending any more
    if task.id in workflow.sensor_tasks_to_correletable_map and not wants_index(task):
        await unindex_task(runtime(), workflow, task)
    # The monitors a process set up when it started (complete-by time, max run duration).
    for attribute in ("monitoring_task_id", "max_run_duration_monitor_task_id"):
        monitor_id = getattr(task, attribute, None)
        monitor = None if monitor_id is None else workflow.get_task(monitor_id)
        if monitor is None or tr.is_terminal(monitor):
            continue
        if tr.code_of(task) is S.STOPPED:
            await stop_task(monitor, workflow.runtime_parameters, workflow)
        else:
            await monitor.on_complete(workflow)


async def _release_workflow(workflow: WorkflowNode) -> None:
    # The workflow ended: nothing of it may stay in the index or the timers.
    rt = runtime()
    await unindex_all(rt, workflow)
    for task in (workflow, *workflow.tasks.values()):
        if holds_trigger(task):
            await rt.remove_trigger(workflow.id, task.id)
    if logger.isEnabledFor(logging.DEBUG):  # a scan of every task, only for this log
        unfinished = [t.task_name for t in workflow.tasks.values() if not tr.is_terminal(t)]
        if unfinished:
            logger.debug("workflow %s ended with unfinished tasks %s", workflow.id, unfinished)
    if rt.delete_workflow_on_complete:
        await rt.delete_workflow(workflow)


async def propagate(task: Node, workflow: WorkflowNode, status: TaskStatusEnum) -> None:
    """``Hook.PROPAGATE``: start the first successor that is not SKIPPED, or, when there is
    none, notify the parent that the task ended with ``status``."""
    for next_id in task.next_dags:
        successor = workflow.get_task(next_id)
        if successor is None or tr.code_of(successor) is S.SKIPPED:
            continue
        await successor.start(workflow)
        return
    if task.parent_id is not None:
        parent = workflow.get_task(task.parent_id)
        if parent is not None and parent is not task:
            await parent.notify(status_of(status), workflow)


async def stop_task(task: Node, runtime_parameters: dict[str, Any], workflow: WorkflowNode) -> None:
    """Stop one task: its ``stop`` hook if it is running, then STOP (which releases it)."""
    code = tr.code_of(task)
    if code in tr.TERMINAL:
        return
    if code is S.EXECUTING:
        try:
            await task.stop(runtime_parameters, workflow)
        except Exception:
            logger.exception("stop hook of task %s (%s) raised", task.task_name, task.id)
    # A composite's or process's stop hook has stopped it already: then STOP refuses.
    if not tr.is_terminal(task):
        await apply(tr.STOP, task, workflow)
