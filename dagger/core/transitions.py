"""The task state machine: every allowed status change, declared in one place.

Each :class:`Rule` names the statuses it moves a task from and the statuses it may move it
to. Task code never assigns ``task.status`` for a lifecycle step; it calls :func:`apply`
(or :func:`finish`, which picks the rule) so the timestamps follow the same rules:

- entering EXECUTING stamps ``time_submitted``;
- entering a terminal status stamps ``time_completed`` unless one is already set.

A move that no rule allows is refused (``apply`` returns ``False``); terminal statuses are
final except through :data:`RESTART` (re-execution with ``reprocess_on_message``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from dagger.core.status import TaskStatus, TaskStatusEnum, status_of
from dagger.exceptions.exceptions import TaskInvalidState

logger = logging.getLogger(__name__)

S = TaskStatusEnum
NON_TERMINAL = frozenset({S.NOT_STARTED, S.SUBMITTED, S.EXECUTING})
TERMINAL = frozenset({S.COMPLETED, S.FAILURE, S.SKIPPED, S.STOPPED})


class HasStatus(Protocol):
    """What the state machine needs of a task."""

    status: TaskStatus
    time_submitted: Any
    time_completed: Any


@dataclass(frozen=True)
class Rule:
    """An allowed move: from any of ``sources`` to any of ``targets``."""

    name: str
    sources: frozenset[TaskStatusEnum]
    targets: frozenset[TaskStatusEnum]

    def allows(self, current: TaskStatusEnum, target: TaskStatusEnum) -> bool:
        """Whether this rule moves a task in ``current`` to ``target``."""
        return current in self.sources and target in self.targets


#: A workflow handed to the engine (``submit``): not yet running, or re-driven.
SUBMIT = Rule(
    "submit", frozenset({S.NOT_STARTED, S.SUBMITTED, S.EXECUTING}), frozenset({S.SUBMITTED})
)
#: A task begins to run (or, for listeners, timers and processes, to wait).
START = Rule("start", frozenset({S.NOT_STARTED, S.SUBMITTED}), frozenset({S.EXECUTING}))
#: A finished task runs again (``reprocess_on_message``), or a running one is re-driven.
RESTART = Rule(
    "restart", frozenset({S.COMPLETED, S.SKIPPED, S.FAILURE, S.EXECUTING}), frozenset({S.EXECUTING})
)
#: A running task ends.
COMPLETE = Rule(
    "complete", frozenset({S.EXECUTING}), frozenset({S.COMPLETED, S.FAILURE, S.SKIPPED})
)
#: A task is passed over (decision branch, skip-to, max run duration) whether or not it started.
SKIP = Rule("skip", NON_TERMINAL, frozenset({S.SKIPPED}))
#: A task is stopped with its workflow.
STOP = Rule("stop", NON_TERMINAL, frozenset({S.STOPPED}))

RULES: tuple[Rule, ...] = (SUBMIT, START, RESTART, COMPLETE, SKIP, STOP)


#: Status code -> member; a dict lookup costs far less than ``TaskStatusEnum(code)``, and
#: this runs several times per task transition.
_BY_CODE: dict[str, TaskStatusEnum] = {member.value: member for member in S}


def code_of(task: HasStatus) -> TaskStatusEnum:
    """The task's status as an enum member (unknown codes read as NOT_STARTED)."""
    try:
        return _BY_CODE[task.status.code]
    except (KeyError, TypeError, AttributeError):
        pass
    try:
        return TaskStatusEnum(task.status.code)
    except (ValueError, AttributeError):
        return S.NOT_STARTED


def as_status(status: Any, default: TaskStatusEnum = S.COMPLETED) -> TaskStatusEnum:
    """Read a status given as a ``TaskStatus`` record, an enum member, a name or ``None``."""
    if status is None:
        return default
    if isinstance(status, TaskStatusEnum):
        return status
    code = getattr(status, "code", status)
    return TaskStatusEnum(str(code))


def is_terminal(task: HasStatus) -> bool:
    """Whether the task is COMPLETED, SKIPPED, FAILURE or STOPPED."""
    return code_of(task) in TERMINAL


def can(rule: Rule, task: HasStatus, target: TaskStatusEnum | None = None) -> bool:
    """Whether ``rule`` applies to the task (towards ``target``, default its only target)."""
    return rule.allows(code_of(task), _target(rule, target))


def apply(rule: Rule, task: HasStatus, now: float, target: TaskStatusEnum | None = None) -> bool:
    """Move the task by ``rule``; return ``False`` (and change nothing) if the rule refuses."""
    goal = _target(rule, target) if target is None else target
    return _move(rule, task, now, goal, code_of(task))


def _move(
    rule: Rule, task: HasStatus, now: float, goal: TaskStatusEnum, current: TaskStatusEnum
) -> bool:
    """``apply`` for a task whose status is ``current`` (callers that just read it)."""
    if current not in rule.sources or goal not in rule.targets:  # rule.allows, inlined
        logger.debug("refused %s: %s -> %s on %r", rule.name, current.name, goal.name, task)
        return False
    task.status = status_of(goal)
    if goal is S.EXECUTING:
        task.time_submitted = int(now)
        if current in TERMINAL:
            task.time_completed = 0
    elif goal in TERMINAL and not (task.time_completed or 0) > 0:
        task.time_completed = int(now)
    return True


def require(rule: Rule, task: HasStatus, now: float, target: TaskStatusEnum | None = None) -> None:
    """Like :func:`apply`, but raise ``TaskInvalidState`` when the rule refuses."""
    if not apply(rule, task, now, target):
        goal = _target(rule, target)
        raise TaskInvalidState(
            f"cannot {rule.name} {getattr(task, 'task_name', None) or getattr(task, 'id', task)}: "
            f"it is {code_of(task).name}, and {rule.name} moves only "
            f"{'/'.join(sorted(s.name for s in rule.sources))} to {goal.name}"
        )


def finish(task: HasStatus, target: TaskStatusEnum, now: float) -> bool:
    """End a task with ``target`` by whichever rule allows it.

    A task completed (or failed) without having started passes through EXECUTING first,
    so ``time_submitted`` is always set on a task that ran. Returns ``False`` when the task
    is already terminal with another status.
    """
    current = code_of(task)
    if current is target:
        if target in TERMINAL and not (task.time_completed or 0) > 0:
            task.time_completed = int(now)
        return True
    if target is S.SKIPPED:
        return _move(SKIP, task, now, target, current)
    if target is S.STOPPED:
        return _move(STOP, task, now, target, current)
    if target in (S.COMPLETED, S.FAILURE) and current in (S.NOT_STARTED, S.SUBMITTED):
        _move(START, task, now, S.EXECUTING, current)
        current = code_of(task)
    if target is S.EXECUTING:
        return _move(START, task, now, target, current) or _move(
            RESTART, task, now, target, current
        )
    return _move(COMPLETE, task, now, target, current)


def _target(rule: Rule, target: TaskStatusEnum | None) -> TaskStatusEnum:
    if target is not None:
        return target
    if len(rule.targets) != 1:
        raise ValueError(f"rule {rule.name!r} has several targets; name the one you want")
    return next(iter(rule.targets))
