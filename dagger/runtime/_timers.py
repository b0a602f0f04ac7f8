"""Glue between the trigger scheduler, the triggers table and ``operations.fire_trigger``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from dagger.core.ports import WorkflowRuntime
from dagger.engine import operations
from dagger.runtime._locks import LockedSession
from dagger.runtime._scheduler import TriggerFailed

if TYPE_CHECKING:
    from dagger.service.services import Dagger

logger = logging.getLogger("dagger.timers")


async def fire(engine: Dagger, partition: int, workflow_id: str, task_id: str, due: float) -> None:
    """Fire the stored trigger of a task if it is still there and still due at ``due``.

    An error while firing is raised as ``TriggerFailed`` (naming the task) for the
    scheduler, which retries the trigger with backoff.
    """
    runtime = engine.runtime
    if not runtime.owns(partition):
        return
    trigger = runtime.load_trigger(workflow_id, task_id, partition)
    if trigger is None or trigger.trigger_time is None:
        return
    now = runtime.now()
    if float(trigger.trigger_time) > now:
        # Rescheduled since this entry was queued: queue the stored time instead.
        engine.scheduler.push(partition, workflow_id, task_id, float(trigger.trigger_time))
        return
    runtime._remember(workflow_id, partition)
    try:
        async with LockedSession(runtime, engine.locks) as session:
            await session.hold(workflow_id)
            removed = await operations.fire_trigger(session, trigger)
    except Exception as exc:
        raise TriggerFailed(await _task_name(runtime, workflow_id, task_id)) from exc
    if removed:
        return
    again = runtime.load_trigger(workflow_id, task_id, partition)
    if again is not None and again.trigger_time is not None:
        when = float(again.trigger_time)
        if when <= runtime.now():
            # Its task is not reached yet: look again at the next catch-up tick.
            when = runtime.now() + float(engine.trigger_interval)
        engine.scheduler.push(partition, workflow_id, task_id, when)


async def _task_name(runtime: WorkflowRuntime, workflow_id: str, task_id: str) -> str | None:
    """The name of a trigger's task for the log, or ``None`` when it cannot be read (the
    failure may be that very record failing to load)."""
    try:
        workflow: Any = await runtime.load_workflow(workflow_id)
        task = workflow.get_task(task_id) if workflow is not None else None
        return None if task is None else str(task.task_name)
    except Exception:
        return None


def rebuild(engine: Dagger) -> int:
    """Refill the scheduler from the triggers of every owned partition; return how many."""
    entries = [
        (partition, str(t.workflow_id), str(t.id), float(t.trigger_time))
        for partition, t in engine.runtime.stored_triggers()
        if t.trigger_time is not None
    ]
    engine.scheduler.reset(entries)
    return len(entries)


def catch_up(engine: Dagger) -> int:
    """Queue every stored due trigger (at most ``max_tasks_per_trigger``); return how many."""
    runtime = engine.runtime
    now = runtime.now()
    queued = 0
    for partition, trigger in runtime.stored_triggers():
        if queued >= engine.max_tasks_per_trigger:
            break
        if trigger.trigger_time is None or float(trigger.trigger_time) > now:
            continue
        engine.scheduler.push(partition, str(trigger.workflow_id), str(trigger.id), now)
        queued += 1
    return queued
