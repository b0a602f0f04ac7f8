"""Manual recovery: running a workflow's failed tasks again, and stopping a workflow by hand.

Both use cases take the runtime they run on (the engine hands them a locked session, so
they hold the workflow's lock like any other handler) and the workflow's id:

- :func:`retry_workflow`: every failed task of the workflow goes back to NOT_STARTED
  (``transitions.RETRY``), as do the processes, composites and the workflow above it that
  had ended (RETRY from FAILURE, REOPEN from COMPLETED); attempts and errors are cleared,
  listeners are indexed and triggers stored again, and the workflow is driven from its
  start: tasks that finished are passed over (SETTLE), the first one not finished runs.
- :func:`stop_workflow`: the workflow's own ``stop()``.

Refusals are ``TaskInvalidState`` errors naming the workflow: :class:`WorkflowNotFound`
(no such workflow on this worker), :class:`NothingToRetry`, :class:`WorkflowAlreadyEnded`.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.persistence import persist
from dagger.core.ports import WorkflowRuntime
from dagger.core.status import TaskStatusEnum
from dagger.engine._step import step
from dagger.engine.operations import register_waiting_tasks
from dagger.exceptions.exceptions import NothingToRetry, WorkflowAlreadyEnded, WorkflowNotFound
from dagger.tasks._base import ITask, ancestors, collect_remaining
from dagger.tasks._support import now
from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.engine")
S = TaskStatusEnum

__all__ = ["retry_workflow", "retryable_tasks", "stop_workflow"]

#: Nodes above a failed task through which a retry can reach it again: a SKIPPED or
#: STOPPED node is never driven again, so a failure under one stays as it is.
_PASSABLE = frozenset({S.NOT_STARTED, S.SUBMITTED, S.EXECUTING, S.COMPLETED, S.FAILURE})


async def _load(
    runtime: WorkflowRuntime, workflow_id: UUID | str
) -> ITemplateDAGInstance[Any, Any]:
    workflow = await runtime.load_workflow(workflow_id)
    if workflow is None:
        raise WorkflowNotFound(
            f"no workflow {workflow_id} on this worker (unknown, deleted, or held by the "
            f"worker owning its partition)"
        )
    loaded: ITemplateDAGInstance[Any, Any] = workflow
    return loaded


def retryable_tasks(workflow: ITemplateDAGInstance[Any, Any]) -> list[ITask[Any, Any]]:
    """The FAILURE tasks of the workflow a retry runs again, in the workflow's order.

    Only tasks on the workflow's chain count (a monitor is not: nothing reaches it again),
    and only those whose parents could be driven again (none SKIPPED or STOPPED). A
    process or composite that failed because a task inside it failed is not listed: it is
    reopened with that task.
    """
    chain: list[ITask[Any, Any]] = []
    collect_remaining(workflow, workflow.root_dag, None, chain)
    failed = [
        task
        for task in chain
        if tr.code_of(task) is S.FAILURE
        and all(tr.code_of(parent) in _PASSABLE for parent in ancestors(task, workflow))
    ]
    above = {parent.id for task in failed for parent in ancestors(task, workflow)}
    return [task for task in failed if task.id not in above]


def _reset(task: Any) -> None:
    """What a new attempt starts without: the recorded error and the attempt count."""
    task.message = None
    if hasattr(task, "last_error"):
        task.last_error = None
    if hasattr(task, "attempt"):
        # The retry policy's count starts again; a new idempotency key comes from the
        # policy's own attempts, not from a manual retry.
        task.attempt = 1
    for wait in ("retry_at", "timeout_at"):
        # Times of the previous run's waits: a task started again sets its own.
        if hasattr(task, wait):
            setattr(task, wait, None)


@step
async def retry_workflow(
    runtime: WorkflowRuntime, workflow_id: UUID | str
) -> ITemplateDAGInstance[Any, Any]:
    """Run a workflow's failed tasks again and drive it on from there; the workflow after.

    Raises :class:`WorkflowNotFound` for an id this worker does not hold and
    :class:`NothingToRetry` when no task can be retried (none failed, or the workflow was
    stopped). The workflow is saved.
    """
    workflow = await _load(runtime, workflow_id)
    if tr.code_of(workflow) is S.STOPPED:
        raise NothingToRetry(
            f"workflow {workflow.id} ({workflow.template_name}) was STOPPED; a stopped "
            f"workflow does not run again"
        )
    failed = retryable_tasks(workflow)
    if not failed:
        raise NothingToRetry(
            f"workflow {workflow.id} ({workflow.template_name}) is "
            f"{tr.code_of(workflow).name} and has no FAILURE task to retry"
        )
    at = now()
    reopened: set[Any] = set()
    for task in failed:
        tr.require(tr.RETRY, task, at)
        _reset(task)
        for parent in ancestors(task, workflow):
            if parent.id in reopened:
                continue
            reopened.add(parent.id)
            code = tr.code_of(parent)
            if code is S.FAILURE:
                tr.require(tr.RETRY, parent, at)
                _reset(parent)
            elif code is S.COMPLETED:
                tr.require(tr.REOPEN, parent, at)
    logger.info(
        "workflow %s (%s): retrying %s",
        workflow.id,
        workflow.template_name,
        ", ".join(str(t.task_name) for t in failed),
    )
    # What the ended tasks gave back (index entries, triggers) is registered again for the
    # tasks waiting once more; then the workflow is driven from its start.
    await register_waiting_tasks(runtime, workflow)
    await workflow.start(workflow)
    await persist(runtime, workflow)
    return workflow


@step
async def stop_workflow(
    runtime: WorkflowRuntime, workflow_id: UUID | str
) -> ITemplateDAGInstance[Any, Any]:
    """Stop a running workflow (``stop()``: its unfinished tasks and itself become STOPPED).

    Raises :class:`WorkflowNotFound` for an id this worker does not hold and
    :class:`WorkflowAlreadyEnded` when the workflow has ended. The workflow is saved.
    """
    workflow = await _load(runtime, workflow_id)
    if tr.is_terminal(workflow):
        raise WorkflowAlreadyEnded(
            f"workflow {workflow.id} ({workflow.template_name}) has already ended "
            f"{tr.code_of(workflow).name}; there is nothing to stop"
        )
    await workflow.stop()
    return workflow
