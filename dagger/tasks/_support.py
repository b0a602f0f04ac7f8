"""Helpers every task module shares: the clock, the runtime, guarding user code, and the
retry policy a task runs under."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from time import perf_counter
from typing import Any, TypeVar

from dagger.core.context import current_observer, get_runtime
from dagger.core.observe import NOOP, wraps_executions
from dagger.core.ports import WorkflowRuntime
from dagger.core.retry import RetryPolicy

logger = logging.getLogger("dagger.tasks")

R = TypeVar("R")


def now() -> float:
    """The current time from the installed runtime's clock (wall time when none is installed)."""
    try:
        return get_runtime().now()
    except RuntimeError:
        return time.time()


def runtime() -> WorkflowRuntime:
    """The installed runtime (raises a ``RuntimeError`` saying how to install one)."""
    return get_runtime()


def error_text(exc: BaseException) -> str:
    """How a failure is recorded in ``task.message``: ``"<ExcType>: <msg>"``."""
    return f"{type(exc).__name__}: {exc}"


class UserCodeFailed(Exception):
    """Internal marker: user code raised and the failure was recorded on the task."""


def retry_policy_of(task: Any) -> RetryPolicy | None:
    """The policy a failing task is retried by: its own (``task.retry_policy``), else the
    runtime's default (``Dagger(default_retry_policy=...)``), else none (no retry).

    Only task types that retry (``_retries_on_error``: executors, commands, triggers,
    intervals, decisions) have one.
    """
    if not getattr(task, "_retries_on_error", False):
        return None
    stored = getattr(task, "retry_policy", None)
    if stored is not None:
        try:
            policy: RetryPolicy = stored.policy()
        except (AttributeError, TypeError, ValueError) as exc:
            logger.warning(
                "task %s (%s) has an unusable retry policy (%s); it is not retried",
                getattr(task, "task_name", None),
                getattr(task, "id", None),
                exc,
            )
            return None
        return policy
    try:
        default = get_runtime().default_retry_policy
    except RuntimeError:
        return None
    return default if isinstance(default, RetryPolicy) else None


def will_retry(task: Any, exc: BaseException) -> bool:
    """Whether the attempt of ``task`` that just raised ``exc`` is followed by another one."""
    policy = retry_policy_of(task)
    return policy is not None and policy.should_retry(exc, int(getattr(task, "attempt", 1) or 1))


async def guarded(task: Any, hook: str, call: Awaitable[R], workflow: Any = None) -> R:
    """Await user code; on an exception record it on ``task.message`` and raise ``UserCodeFailed``.

    User code (``execute``, ``interval_execute``, ``on_message``, ``evaluate``...) must never
    bring down the engine loop: the caller retries the task by its retry policy or turns
    ``UserCodeFailed`` into a FAILURE status. The error is logged with its traceback; when
    a retry follows, the traceback goes to DEBUG and the retry's INFO line says the rest.
    The call runs as the task's execution for the runtime's observer (its duration, its
    span), which sees the exception too.
    """
    observer = current_observer()
    try:
        if observer is NOOP:  # nobody observes: not even a timer per call
            return await call
        began = perf_counter()
        try:
            if wraps_executions(observer):
                with observer.task_execution(task, workflow, hook):
                    result = await call
            else:  # metrics only: one plain call after the code, no block around it
                result = await call
        except Exception:
            observer.task_executed(task, workflow, hook, perf_counter() - began, True)
            raise
        observer.task_executed(task, workflow, hook, perf_counter() - began, False)
        return result
    except Exception as exc:
        task.message = error_text(exc)
        retrying = will_retry(task, exc)
        logger.log(
            logging.DEBUG if retrying else logging.ERROR,
            "%s.%s of task %s (%s) raised; %s",
            type(task).__name__,
            hook,
            getattr(task, "task_name", None),
            getattr(task, "id", None),
            "it will be retried" if retrying else "the task is marked FAILURE",
            exc_info=True,
        )
        raise UserCodeFailed(task.message) from exc
