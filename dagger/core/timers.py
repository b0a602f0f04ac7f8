"""When a task's stored trigger is due: the one timer each task (or workflow) may hold.

A task has at most one stored trigger (the runtime keys triggers by workflow and task id).
What it waits for decides the time, first match wins:

- ``retry_at``: a failed attempt is to be run again (any retried task);
- ``timeout_at``: a listener stops waiting for its message;
- ``execution_deadline``: the workflow itself (its trigger has the workflow's own id) times
  out;
- ``time_to_execute``: a trigger or interval task's own time.

``dagger.engine._timer.fire_trigger`` reads the same fields to decide what a due trigger
means.
"""

from __future__ import annotations

from typing import Any

from dagger.core.transitions import is_terminal

#: The fields a task's trigger time is read from, in order of precedence.
TIMER_FIELDS = ("retry_at", "timeout_at", "execution_deadline", "time_to_execute")


def trigger_time(task: Any) -> float | None:
    """When the task's trigger should fire, in epoch seconds as the field holds it
    (``None``: it needs none, or it has ended)."""
    # The fields first: most tasks have none set, and then the status need not be read.
    for name in TIMER_FIELDS:
        value = getattr(task, name, None)
        if value is not None:
            if is_terminal(task):
                return None
            due: float = value
            return due
    return None


def holds_trigger(task: Any) -> bool:
    """Whether the task may have a stored trigger (one of its timer fields is set)."""
    # Unrolled (same fields, same order as TIMER_FIELDS): called for every task that ends.
    return (
        getattr(task, "retry_at", None) is not None
        or getattr(task, "timeout_at", None) is not None
        or getattr(task, "execution_deadline", None) is not None
        or getattr(task, "time_to_execute", None) is not None
    )


def seconds_text(seconds: Any) -> str:
    """A duration for messages: ``2`` for 2.0, ``0.5`` for 0.5."""
    return f"{float(seconds):g}"


#: What a listener whose wait timed out does: end FAILURE, or end SKIPPED (the workflow
#: moves on either way).
TIMEOUT_ACTIONS = ("fail", "skip")


def checked_seconds(value: Any, *, what: str) -> float:
    """A timeout in seconds, which must be a number > 0 (``ValueError`` naming ``what``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"{what} must be a number of seconds, got {type(value).__name__} {value!r}"
        )
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{what} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def checked_action(value: Any, *, what: str) -> str:
    """A listener's timeout action, one of :data:`TIMEOUT_ACTIONS` (``ValueError`` naming it)."""
    if value not in TIMEOUT_ACTIONS:
        raise ValueError(f"{what}: on_timeout must be 'fail' or 'skip', got {value!r}")
    return str(value)
