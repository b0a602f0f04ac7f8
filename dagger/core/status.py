"""Task statuses, task kinds and the small type vocabulary of the workflow model.

These are the 0.2.6 names of ``dagger.tasks.task`` (re-exported there). Statuses travel as
:class:`TaskStatus` records whose ``code`` and ``value`` are both the enum member's name;
code compares ``task.status.code`` against ``TaskStatusEnum.X.name``.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from dagger.core.record import Record


class TaskStatusEnum(str, Enum):
    """The lifecycle states of a task; each value equals its name."""

    NOT_STARTED = "NOT_STARTED"
    EXECUTING = "EXECUTING"
    COMPLETED = "COMPLETED"
    FAILURE = "FAILURE"
    SKIPPED = "SKIPPED"
    SUBMITTED = "SUBMITTED"
    STOPPED = "STOPPED"


#: Names of the statuses a task never leaves on its own (STOPPED included everywhere).
TERMINAL_STATUSES = [
    TaskStatusEnum.COMPLETED.name,
    TaskStatusEnum.SKIPPED.name,
    TaskStatusEnum.FAILURE.name,
    TaskStatusEnum.STOPPED.name,
]


class TaskType(str, Enum):
    """Where a node sits in a workflow: the workflow itself, a leaf, a process, a composite."""

    ROOT = "ROOT"
    LEAF = "LEAF"
    SUB_DAG = "SUB_DAG"
    PARALLEL_COMPOSITE = "PARALLEL_COMPOSITE"


class TaskOperator(str, Enum):
    """How a parallel composite joins its children."""

    ATLEAST_ONE = "ATLEAST_ONE"
    JOIN_ALL = "JOIN_ALL"


class TaskStatus(Record):
    """A task's status as stored on the task (``code`` and ``value`` hold the same name)."""

    code: str = TaskStatusEnum.NOT_STARTED.name
    value: str = TaskStatusEnum.NOT_STARTED.value


# Tags and decoding refer to the 0.2.6 public module, so stored data stays readable.
TaskStatus.__module__ = "dagger.tasks.task"

T = TypeVar("T")
KT = TypeVar("KT", str, int, bytes)
VT = TypeVar("VT", str, Record, bytes)
#: One correlation mapping a listener extracts from a payload: ``(attribute, value)``.
TaskLookupKey = tuple[KT, VT]

#: Runtime parameter holding the epoch time a monitored process must complete by.
COMPLETE_BY_KEY = "complete_by_time"


#: Value -> name, without the enum machinery.
_NAMES: dict[str, str] = {member.value: member.name for member in TaskStatusEnum}


def status_of(member: TaskStatusEnum | str) -> TaskStatus:
    """A fresh status record for an enum member (or its name)."""
    if type(member) is TaskStatusEnum:
        name: str | None = member._name_
    else:
        name = _NAMES.get(member) if isinstance(member, str) else None
    if name is None:
        name = member.name if isinstance(member, TaskStatusEnum) else TaskStatusEnum(member).name
    return TaskStatus(code=name, value=name)
