"""Running a task again after its user code raised, as its retry policy says.

A failed attempt with another one allowed changes no status: the task stays EXECUTING,
records the error in ``last_error``, and waits for its next attempt at ``retry_at``, a
trigger stored in the runtime like a trigger task's (so a restarted worker, or the one
taking the partition over, runs it). When the trigger fires (``dagger.engine._timer``),
:func:`run_again` counts the attempt and starts the task again (the RERUN rule).
When no attempt is left, or the error is non-retryable, the caller ends the task FAILURE
with ``message`` the last error.
"""

from __future__ import annotations

import logging
from typing import Any

from dagger.core.context import current_observer
from dagger.core.records import Trigger
from dagger.core.timers import seconds_text
from dagger.tasks._support import UserCodeFailed, error_text, now, retry_policy_of, runtime

logger = logging.getLogger("dagger.tasks")


async def retry_later(task: Any, workflow: Any, failure: UserCodeFailed) -> bool:
    """Schedule the next attempt of a task whose attempt just raised; ``False`` when there is
    none (the caller then ends the task FAILURE)."""
    error = failure.__cause__ if failure.__cause__ is not None else failure
    task.last_error = error_text(error)
    policy = retry_policy_of(task)
    attempt = int(task.attempt or 1)
    if workflow is None or policy is None or not policy.should_retry(error, attempt):
        if policy is not None and policy.is_non_retryable(error):
            logger.info(
                "task %s (%s): %s is non-retryable; the task fails after attempt %d",
                task.task_name,
                task.id,
                type(error).__name__,
                attempt,
            )
        return False
    delay = policy.delay_before(attempt + 1)
    task.retry_at = now() + delay
    task.message = None  # the task has not failed; last_error says what went wrong
    await runtime().save_trigger(Trigger(task.retry_at, task.id, workflow.id))
    current_observer().retry_scheduled(task, attempt + 1, delay)
    logger.info(
        "retrying task %s (%s) of workflow %s: attempt %d failed with %s; attempt %d in %s s",
        task.task_name,
        task.id,
        workflow.id,
        attempt,
        task.last_error,
        attempt + 1,
        seconds_text(delay),
    )
    return True


async def run_again(task: Any, workflow: Any) -> None:
    """The retry of a task is due: count the attempt and run the task again."""
    task.attempt = int(task.attempt or 1) + 1
    task.retry_at = None
    await task.start(workflow)
