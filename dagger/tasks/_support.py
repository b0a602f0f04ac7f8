"""Helpers every task module shares: the clock, the runtime, and guarding user code."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from dagger.core.context import get_runtime
from dagger.core.ports import WorkflowRuntime

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


async def guarded(task: Any, hook: str, call: Awaitable[R]) -> R:
    """Await user code; on an exception record it on ``task.message`` and raise ``UserCodeFailed``.

    User code (``execute``, ``interval_execute``, ``on_message``, ``evaluate``...) must never
    bring down the engine loop: the caller turns ``UserCodeFailed`` into a FAILURE status.
    """
    try:
        return await call
    except Exception as exc:
        task.message = error_text(exc)
        logger.exception(
            "%s.%s of task %s (%s) raised; the task is marked FAILURE",
            type(task).__name__,
            hook,
            getattr(task, "task_name", None),
            getattr(task, "id", None),
        )
        raise UserCodeFailed(task.message) from exc
