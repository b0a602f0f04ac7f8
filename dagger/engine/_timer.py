"""Handling one due timer trigger (0.2.6's timer loop, for a single trigger)."""

from __future__ import annotations

import logging
from typing import Any

from dagger.core import transitions as tr
from dagger.core.persistence import persist
from dagger.core.ports import WorkflowRuntime
from dagger.core.records import Trigger
from dagger.core.status import TaskStatusEnum
from dagger.engine._step import step
from dagger.tasks._timers import IntervalTask, TriggerTask

logger = logging.getLogger("dagger.timers")


@step
async def fire_trigger(runtime: WorkflowRuntime, trigger: Trigger) -> bool:
    """Run the task a due trigger points at; return ``True`` when the trigger was removed.

    - workflow or task missing, task or workflow ended: the trigger is removed;
    - task not reached yet (NOT_STARTED): the trigger stays, to be looked at again later;
    - task EXECUTING: it is started (a trigger task runs and completes; an interval task
      runs one interval and reschedules itself); the workflow is saved.

    User-code errors end up on the task (FAILURE); errors of the runtime itself propagate
    so the caller can retry the trigger.
    """
    workflow = None
    if trigger.workflow_id is not None:
        workflow = await runtime.load_workflow(trigger.workflow_id)
    task: Any = workflow.get_task(trigger.id) if workflow is not None else None
    if workflow is None or task is None or tr.is_terminal(task) or tr.is_terminal(workflow):
        await _remove(runtime, trigger)
        return True
    code = tr.code_of(task)
    if code in (TaskStatusEnum.NOT_STARTED, TaskStatusEnum.SUBMITTED):
        return False
    if not isinstance(task, TriggerTask):
        logger.warning("trigger points at %s, which is not a trigger task", type(task).__name__)
        await _remove(runtime, trigger)
        return True
    if isinstance(task, IntervalTask):
        finished = await task.start(workflow)
    else:
        await task.start(workflow)
        finished = tr.is_terminal(task)
    await persist(runtime, workflow)
    due = task.time_to_execute
    if finished or due is None or due <= runtime.now():
        await _remove(runtime, trigger)
        return True
    if not isinstance(task, IntervalTask):
        # Keep the stored trigger in step with the task's own time.
        await runtime.save_trigger(Trigger(due, task.id, workflow.id))
    return False


async def _remove(runtime: WorkflowRuntime, trigger: Trigger) -> None:
    if trigger.workflow_id is not None and trigger.id is not None:
        await runtime.remove_trigger(trigger.workflow_id, trigger.id)
