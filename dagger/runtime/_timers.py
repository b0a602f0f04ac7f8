"""Glue between the trigger scheduler, the triggers table and ``operations.fire_trigger``.

Plain functions over a :class:`~dagger.runtime._context.TimerContext`: they read the
triggers table and say what to schedule; the timer service
(:mod:`dagger.runtime._timer_service`) owns the scheduler and applies their answers.
"""

from __future__ import annotations

import logging
from typing import Any

from dagger.core.ports import WorkflowRuntime
from dagger.engine import operations
from dagger.runtime._context import TimerContext
from dagger.runtime._locks import LockedSession
from dagger.runtime._scheduler import TriggerFailed

logger = logging.getLogger("dagger.timers")

#: ``(partition, workflow_id, task_id, due)``: one scheduler entry.
Entry = tuple[int, str, str, float]


async def fire(
    ctx: TimerContext, partition: int, workflow_id: str, task_id: str, due: float
) -> float | None:
    """Fire the stored trigger of a task if it is still there and still due at ``due``.

    Returns when to look at the trigger again (``None``: it is gone, or not this worker's).
    An error while firing is raised as ``TriggerFailed`` (naming the task) for the
    scheduler, which retries the trigger with backoff.
    """
    runtime = ctx.runtime
    if not runtime.owns(partition):
        return None
    trigger = runtime.load_trigger(workflow_id, task_id, partition)
    if trigger is None or trigger.trigger_time is None:
        return None
    now = runtime.now()
    if float(trigger.trigger_time) > now:
        # Rescheduled since this entry was queued: queue the stored time instead.
        return float(trigger.trigger_time)
    runtime.homes.remember(workflow_id, partition)
    try:
        async with LockedSession(runtime, ctx.locks) as session:
            await session.hold(workflow_id)
            removed = await operations.fire_trigger(session, trigger)
    except Exception as exc:
        raise TriggerFailed(await _task_name(runtime, workflow_id, task_id)) from exc
    if removed:
        return None
    again = runtime.load_trigger(workflow_id, task_id, partition)
    if again is None or again.trigger_time is None:
        return None
    when = float(again.trigger_time)
    if when <= runtime.now():
        # Its task is not reached yet: look again at the next catch-up tick.
        when = runtime.now() + float(ctx.trigger_interval)
    return when


async def _task_name(runtime: WorkflowRuntime, workflow_id: str, task_id: str) -> str | None:
    """The name of a trigger's task for the log, or ``None`` when it cannot be read (the
    failure may be that very record failing to load)."""
    try:
        workflow: Any = await runtime.load_workflow(workflow_id)
        task = workflow.get_task(task_id) if workflow is not None else None
        return None if task is None else str(task.task_name)
    except Exception:
        return None


def stored_entries(ctx: TimerContext) -> list[Entry]:
    """A scheduler entry for every trigger of every owned partition (a rebuild)."""
    return [
        (partition, str(t.workflow_id), str(t.id), float(t.trigger_time))
        for partition, t in ctx.runtime.stored_triggers()
        if t.trigger_time is not None
    ]


def due_entries(ctx: TimerContext) -> list[Entry]:
    """A scheduler entry, due now, for each stored trigger whose time has come (at most
    ``max_tasks_per_trigger``): the catch-up pass, in case the scheduler missed one."""
    runtime = ctx.runtime
    now = runtime.now()
    due: list[Entry] = []
    for partition, trigger in runtime.stored_triggers():
        if len(due) >= ctx.max_tasks_per_trigger:
            break
        if trigger.trigger_time is None or float(trigger.trigger_time) > now:
            continue
        due.append((partition, str(trigger.workflow_id), str(trigger.id), now))
    return due
