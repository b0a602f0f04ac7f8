"""Handling one due timer trigger (0.2.6's timer loop, for a single trigger).

A task holds at most one trigger (:mod:`dagger.core.timers`); what a due trigger means
depends on what the task waits for: its next attempt (``retry_at``), the end of a
listener's wait (``timeout_at``), the workflow's deadline (the trigger has the workflow's
own id), or a trigger or interval task's own time.
"""

from __future__ import annotations

import logging
from typing import Any

from dagger.core import transitions as tr
from dagger.core.persistence import persist
from dagger.core.ports import WorkflowRuntime
from dagger.core.records import Trigger
from dagger.core.status import TaskStatusEnum
from dagger.core.timers import trigger_time
from dagger.engine._step import step
from dagger.tasks._listener import SensorTask
from dagger.tasks._retrying import run_again
from dagger.tasks._timeouts import expire_listener, expire_workflow
from dagger.tasks._timers import IntervalTask, TriggerTask

logger = logging.getLogger("dagger.timers")


@step
async def fire_trigger(runtime: WorkflowRuntime, trigger: Trigger) -> bool:
    """Act on the task a due trigger points at; return ``True`` when the trigger was removed.

    - workflow or task missing, task or workflow ended: the trigger is removed;
    - task not reached yet (NOT_STARTED): the trigger stays, to be looked at again later;
    - task EXECUTING: a due retry runs the task's next attempt; a due listener timeout or
      workflow deadline times it out; a trigger task runs and completes, an interval task
      runs one interval and reschedules itself. The workflow is saved.

    A trigger fired before what it waits for is due is kept, at the task's time. User-code
    errors end up on the task (FAILURE, or a retry); errors of the runtime itself propagate
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
    waits_for = _waits_for(task, workflow)
    if waits_for is None:
        logger.warning("trigger points at %s, which is not a trigger task", type(task).__name__)
        await _remove(runtime, trigger)
        return True
    if waits_for != "time":
        due = trigger_time(task)
        if due is not None and float(due) > runtime.now():
            await runtime.save_trigger(Trigger(due, task.id, workflow.id))
            return False
    if waits_for == "retry":
        await run_again(task, workflow)
    elif waits_for == "deadline":
        await expire_workflow(workflow)
    elif waits_for == "timeout":
        await expire_listener(task, workflow)
    else:
        await task.start(workflow)
    await persist(runtime, workflow)
    due = trigger_time(task)
    if due is None or float(due) <= runtime.now():
        await _remove(runtime, trigger)
        return True
    if not isinstance(task, IntervalTask) or task.retry_at is not None:
        # Keep the stored trigger in step with the task's own time (an interval task
        # stores its next time itself when it reschedules).
        await runtime.save_trigger(Trigger(due, task.id, workflow.id))
    return False


def _waits_for(task: Any, workflow: Any) -> str | None:
    """What the task's trigger stands for now (``None``: nothing a trigger can serve)."""
    if getattr(task, "retry_at", None) is not None:
        return "retry"
    if task is workflow:
        return "deadline" if workflow.execution_deadline is not None else None
    if isinstance(task, SensorTask):
        return "timeout" if task.timeout_at is not None else None
    if isinstance(task, TriggerTask):
        return "time"
    return None


async def _remove(runtime: WorkflowRuntime, trigger: Trigger) -> None:
    if trigger.workflow_id is not None and trigger.id is not None:
        await runtime.remove_trigger(trigger.workflow_id, trigger.id)
