"""Idempotency keys for the messages command tasks send.

Processing is at-least-once: after a crash, a command task may run again and send its
command a second time. Every message sent while a command task's ``execute`` runs carries
headers naming the workflow, the task and the attempt, so the receiving service can drop
duplicates. The engine sets the current headers in a ``ContextVar`` around ``execute``;
the engine's faust topics (``dagger.runtime._headers``) add them to each message sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

#: The header a receiving service deduplicates on: ``"<workflow id>/<task id>/<attempt>"``.
IDEMPOTENCY_KEY_HEADER = "dagger-idempotency-key"
#: The id of the workflow whose command task sent the message.
WORKFLOW_ID_HEADER = "dagger-workflow-id"
#: The id of the command task that sent the message.
TASK_ID_HEADER = "dagger-task-id"

_current: ContextVar[Mapping[str, bytes] | None] = ContextVar(
    "dagger_command_headers", default=None
)


def idempotency_key(workflow_id: Any, task_id: Any, attempt: int = 1) -> str:
    """The idempotency key of one run of a command task: ``"<workflow>/<task>/<attempt>"``.

    The same task run again after a crash gives the same key; a deliberate retry (a higher
    ``attempt``) gives a new one.
    """
    if workflow_id is None or task_id is None:
        raise ValueError(
            f"an idempotency key needs a workflow id and a task id, got {workflow_id!r} "
            f"and {task_id!r}"
        )
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValueError(f"attempt must be a whole number from 1, got {attempt!r}")
    return f"{workflow_id}/{task_id}/{attempt}"


def command_headers(workflow_id: Any, task_id: Any, attempt: int = 1) -> dict[str, bytes]:
    """The headers the engine adds to a command task's messages (values UTF-8 bytes)."""
    return {
        IDEMPOTENCY_KEY_HEADER: idempotency_key(workflow_id, task_id, attempt).encode(),
        WORKFLOW_ID_HEADER: str(workflow_id).encode(),
        TASK_ID_HEADER: str(task_id).encode(),
    }


def current_command_headers() -> Mapping[str, bytes] | None:
    """The headers of the command task whose ``execute`` is running, or ``None``."""
    return _current.get()


@contextlib.contextmanager
def command_scope(headers: Mapping[str, bytes]) -> Iterator[None]:
    """Make ``headers`` the current command headers for the duration of the block."""
    token = _current.set(dict(headers))
    try:
        yield
    finally:
        _current.reset(token)


def merge_missing(headers: Any, extra: Mapping[str, bytes]) -> Any:
    """A copy of ``headers`` (a mapping or a list of ``(name, value)`` pairs, as faust
    prepares them) with each header of ``extra`` the caller did not set added."""
    if isinstance(headers, Mapping):
        merged = dict(headers)
        for name, value in extra.items():
            merged.setdefault(name, value)
        return merged
    pairs = list(headers)
    present = {name for name, _ in pairs}
    pairs.extend((name, value) for name, value in extra.items() if name not in present)
    return pairs
