"""Timeouts: a listener that waits too long for its message, a workflow that runs too long.

Each is a durable timer: a trigger stored for the task (for the workflow, under its own
id) when the wait or the run begins, fired by ``dagger.engine._timer.fire_trigger``, which
calls :func:`expire_listener` or :func:`expire_workflow`. Ending the task or workflow
removes the trigger (``Hook.RELEASE``).
"""

from __future__ import annotations

import logging
from typing import Any

from dagger.core import transitions as tr
from dagger.core.records import Trigger
from dagger.core.status import TaskStatusEnum
from dagger.core.timers import seconds_text
from dagger.tasks import _lifecycle
from dagger.tasks._support import now, runtime

logger = logging.getLogger("dagger.tasks")
S = TaskStatusEnum


async def arm_listener_timeout(task: Any, workflow: Any) -> None:
    """A listener with a ``wait_timeout`` began to wait: store the trigger that ends the wait."""
    if getattr(task, "wait_timeout", None) is None or workflow is None:
        return
    task.timeout_at = now() + float(task.wait_timeout)
    await runtime().save_trigger(Trigger(task.timeout_at, task.id, workflow.id))


async def expire_listener(task: Any, workflow: Any) -> None:
    """The listener's wait timed out: it ends SKIPPED (``on_timeout="skip"``) or FAILURE
    with ``message`` "timed out after N s"; either way its index entry goes and the
    workflow moves on."""
    seconds = seconds_text(task.wait_timeout)
    skip = task.timeout_action == "skip"
    logger.info(
        "listener %s (%s) of workflow %s timed out after %s s; it is %s",
        task.task_name,
        task.id,
        workflow.id,
        seconds,
        "SKIPPED" if skip else "FAILURE",
    )
    if skip:
        await task.on_complete(workflow, status=S.SKIPPED)
        return
    task.message = f"timed out after {seconds} s"
    await task.on_complete(workflow, status=S.FAILURE)


async def arm_execution_deadline(workflow: Any) -> None:
    """A workflow with an ``execution_timeout`` began running: store its deadline's trigger."""
    if workflow.execution_timeout is None:
        return
    workflow.execution_deadline = now() + float(workflow.execution_timeout)
    await runtime().save_trigger(Trigger(workflow.execution_deadline, workflow.id, workflow.id))


async def expire_workflow(workflow: Any) -> None:
    """The workflow ran past its ``execution_timeout``: every unfinished task is STOPPED
    (running ones get their ``stop`` hook first), then the workflow ends FAILURE with
    ``message`` "execution timed out after N s"."""
    seconds = seconds_text(workflow.execution_timeout)
    unfinished = [t for t in workflow._stop_order() if not tr.is_terminal(t)]
    logger.info(
        "workflow %s (%s) timed out after %s s; stopping its %d unfinished tasks",
        workflow.id,
        workflow.template_name,
        seconds,
        len(unfinished),
    )
    for task in unfinished:
        await _lifecycle.stop_task(task, workflow.runtime_parameters, workflow)
    workflow.message = f"execution timed out after {seconds} s"
    await _lifecycle.move(workflow, workflow, S.FAILURE)
