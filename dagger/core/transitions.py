"""The task state machine: every allowed status change and what comes with it, in one place.

Each :class:`Rule` names the statuses it moves a task from, the statuses it may move it to,
and its hooks (:class:`Hook`), what happens besides the status change::

    rule                from                     to                 hooks
    SUBMIT              NOT_STARTED SUBMITTED    SUBMITTED          -
                        EXECUTING
    START               NOT_STARTED SUBMITTED    EXECUTING          STAMP_STARTED
    RESTART             COMPLETED FAILURE        EXECUTING          STAMP_STARTED CLEAR_ENDED
                        SKIPPED
    RERUN               EXECUTING                EXECUTING          STAMP_STARTED
    COMPLETE            EXECUTING                COMPLETED FAILURE  STAMP_ENDED RELEASE PROPAGATE
    COMPLETE_UNSTARTED  NOT_STARTED SUBMITTED    COMPLETED FAILURE  STAMP_STARTED STAMP_ENDED
                                                                    RELEASE PROPAGATE
    SKIP                NOT_STARTED SUBMITTED    SKIPPED            STAMP_ENDED RELEASE PROPAGATE
                        EXECUTING
    STOP                NOT_STARTED SUBMITTED    STOPPED            STAMP_ENDED RELEASE
                        EXECUTING
    SETTLE              COMPLETED FAILURE        (its own status)   STAMP_ENDED RELEASE PROPAGATE
                        SKIPPED
    RETRY               FAILURE                  NOT_STARTED        CLEAR_ENDED
    REOPEN              COMPLETED                NOT_STARTED        CLEAR_ENDED

No two rules share a ``(from, to)`` pair, so a wanted status names its rule
(:func:`rule_for`); any pair no rule declares is refused. STOPPED is final: nothing moves a
stopped task, and a finished task runs again only through RESTART (``reprocess_on_message``)
or a manual recovery (``dagger.engine.recovery.retry_workflow``): RETRY puts a FAILURE task
back to NOT_STARTED, REOPEN the processes, composites and workflow above it that had ended
COMPLETED, so the workflow can be driven from there again.

An attempt whose user code raised, with a retry policy allowing another one, moves no
status: the task stays EXECUTING, waits on a trigger (``retry_at``) and runs again by RERUN
(``dagger.tasks._retrying``). Timeouts move by the declared rules: a listener's by COMPLETE
(FAILURE) or SKIP, a workflow's by STOP for each unfinished task, then COMPLETE (FAILURE)
for the workflow (``dagger.tasks._timeouts``).

This module applies a rule's status change and its time stamps (:func:`apply`). RELEASE and
PROPAGATE act on the rest of the workflow and the runtime, so they are run by the task
layer's ``dagger.tasks._lifecycle``, which task code calls to move a task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from dagger.core.status import TaskStatus, TaskStatusEnum, status_of
from dagger.exceptions.exceptions import TaskInvalidState

logger = logging.getLogger(__name__)

S = TaskStatusEnum
WAITING = frozenset({S.NOT_STARTED, S.SUBMITTED})
NON_TERMINAL = frozenset({S.NOT_STARTED, S.SUBMITTED, S.EXECUTING})
TERMINAL = frozenset({S.COMPLETED, S.FAILURE, S.SKIPPED, S.STOPPED})
#: The terminal statuses a finished task can be re-driven from (STOPPED is final).
ENDED = frozenset({S.COMPLETED, S.FAILURE, S.SKIPPED})


class HasStatus(Protocol):
    """What the state machine needs of a task."""

    status: TaskStatus
    time_submitted: Any
    time_completed: Any


class Hook(Enum):
    """What a rule does besides changing the status: its stamps, then RELEASE, then PROPAGATE."""

    #: ``time_submitted`` becomes now: the task (re)started running.
    STAMP_STARTED = "stamp_started"
    #: ``time_completed`` goes back to 0: a finished task runs again.
    CLEAR_ENDED = "clear_ended"
    #: ``time_completed`` becomes now, unless it is already set.
    STAMP_ENDED = "stamp_ended"
    #: What the ended task holds in the runtime goes: its stored trigger (timer tasks), its
    #: correlation index entry (listeners no longer taking messages), the monitors watching
    #: it (processes); for the workflow, every entry and trigger of its tasks, and the record
    #: itself when ``delete_workflow_on_complete`` is set. Run by ``dagger.tasks._lifecycle``.
    RELEASE = "release"
    #: The workflow moves on: the first successor in ``next_dags`` that is not SKIPPED
    #: starts, or, when there is none, the parent is notified with the task's status.
    #: The caller may hold it back (``on_complete(..., iterate=False)``). Run by
    #: ``dagger.tasks._lifecycle``.
    PROPAGATE = "propagate"


@dataclass(frozen=True)
class Rule:
    """An allowed move: from any of ``sources`` to any of ``targets``, with ``hooks``.

    ``same_status``: the rule only confirms the status the task already has.
    """

    name: str
    sources: frozenset[TaskStatusEnum]
    targets: frozenset[TaskStatusEnum]
    hooks: tuple[Hook, ...] = ()
    same_status: bool = False
    # The hooks as flags, read on every move (a tuple scan per hook would cost more).
    stamps_started: bool = field(init=False, repr=False, compare=False)
    clears_ended: bool = field(init=False, repr=False, compare=False)
    stamps_ended: bool = field(init=False, repr=False, compare=False)
    releases: bool = field(init=False, repr=False, compare=False)
    propagates: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for flag, hook in (
            ("stamps_started", Hook.STAMP_STARTED),
            ("clears_ended", Hook.CLEAR_ENDED),
            ("stamps_ended", Hook.STAMP_ENDED),
            ("releases", Hook.RELEASE),
            ("propagates", Hook.PROPAGATE),
        ):
            object.__setattr__(self, flag, hook in self.hooks)

    def allows(self, current: TaskStatusEnum, target: TaskStatusEnum) -> bool:
        """Whether this rule moves a task in ``current`` to ``target``."""
        return (
            current in self.sources
            and target in self.targets
            and (current is target or not self.same_status)
        )

    def pairs(self) -> frozenset[tuple[TaskStatusEnum, TaskStatusEnum]]:
        """Every ``(current, target)`` move this rule allows."""
        return frozenset((s, t) for s in self.sources for t in self.targets if self.allows(s, t))


H = Hook

#: A workflow handed to the engine (``submit``): not yet running, or re-driven.
SUBMIT = Rule("submit", NON_TERMINAL, frozenset({S.SUBMITTED}))
#: A task begins to run (or, for listeners, timers and processes, to wait).
START = Rule("start", WAITING, frozenset({S.EXECUTING}), (H.STAMP_STARTED,))
#: A finished task runs again (``reprocess_on_message``).
RESTART = Rule("restart", ENDED, frozenset({S.EXECUTING}), (H.STAMP_STARTED, H.CLEAR_ENDED))
#: A running task is run again (an executor or decision reached a second time).
RERUN = Rule("rerun", frozenset({S.EXECUTING}), frozenset({S.EXECUTING}), (H.STAMP_STARTED,))
#: A running task ends.
COMPLETE = Rule(
    "complete",
    frozenset({S.EXECUTING}),
    frozenset({S.COMPLETED, S.FAILURE}),
    (H.STAMP_ENDED, H.RELEASE, H.PROPAGATE),
)
#: A task ends before it was started (a parent whose child ended first, a task whose
#: ``execute`` failed before marking it running, a task completed by hand): it is stamped
#: as started and ended at once, so every task that ran has ``time_submitted``.
COMPLETE_UNSTARTED = Rule(
    "complete unstarted",
    WAITING,
    frozenset({S.COMPLETED, S.FAILURE}),
    (H.STAMP_STARTED, H.STAMP_ENDED, H.RELEASE, H.PROPAGATE),
)
#: A task is passed over (decision branch, skip-to, max run duration) whether or not it started.
SKIP = Rule("skip", NON_TERMINAL, frozenset({S.SKIPPED}), (H.STAMP_ENDED, H.RELEASE, H.PROPAGATE))
#: A task is stopped with its workflow; a stopped workflow does not move on.
STOP = Rule("stop", NON_TERMINAL, frozenset({S.STOPPED}), (H.STAMP_ENDED, H.RELEASE))
#: Manual recovery: a failed task goes back to waiting, to run again when reached
#: (``dagger.engine.recovery.retry_workflow``; the nodes above it follow, by RETRY or REOPEN).
RETRY = Rule("retry", frozenset({S.FAILURE}), frozenset({S.NOT_STARTED}), (H.CLEAR_ENDED,))
#: Manual recovery: a process, composite or workflow that ended COMPLETED around a task
#: being retried goes back to waiting, so driving the workflow reaches that task again.
REOPEN = Rule("reopen", frozenset({S.COMPLETED}), frozenset({S.NOT_STARTED}), (H.CLEAR_ENDED,))
#: A finished task is told again how it ended (a finished task reached again, a status its
#: own ``execute`` set): nothing changes but what follows it is driven again.
SETTLE = Rule("settle", ENDED, ENDED, (H.STAMP_ENDED, H.RELEASE, H.PROPAGATE), same_status=True)

RULES: tuple[Rule, ...] = (
    SUBMIT,
    START,
    RESTART,
    RERUN,
    COMPLETE,
    COMPLETE_UNSTARTED,
    SKIP,
    STOP,
    SETTLE,
    RETRY,
    REOPEN,
)
#: The rules only ever asked for by name: SUBMIT by the engine's submit, RETRY and REOPEN by
#: the manual recovery. A task asking for a status never gets moved by them.
BY_NAME: tuple[Rule, ...] = (SUBMIT, RETRY, REOPEN)
#: The rules a task is moved by when a status is asked for (:func:`rule_for`).
BY_STATUS: tuple[Rule, ...] = tuple(rule for rule in RULES if rule not in BY_NAME)


def _index(rules: tuple[Rule, ...]) -> dict[tuple[TaskStatusEnum, TaskStatusEnum], Rule]:
    found: dict[tuple[TaskStatusEnum, TaskStatusEnum], Rule] = {}
    for rule in rules:
        for pair in rule.pairs():
            if pair in found:
                raise AssertionError(f"{rule.name} and {found[pair].name} both allow {pair}")
            found[pair] = rule
    return found


_RULE_FOR = _index(BY_STATUS)
_index(RULES)  # the rules asked for by name share no move with the others either

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


def rule_for(current: TaskStatusEnum, target: TaskStatusEnum) -> Rule | None:
    """The one rule moving a task from ``current`` to ``target`` (``None``: not allowed)."""
    return _RULE_FOR.get((current, target))


def can(rule: Rule, task: HasStatus, target: TaskStatusEnum | None = None) -> bool:
    """Whether ``rule`` applies to the task (towards ``target``, default its only target)."""
    return rule.allows(code_of(task), _target(rule, target))


def apply(rule: Rule, task: HasStatus, now: float, target: TaskStatusEnum | None = None) -> bool:
    """Move the task by ``rule`` and stamp its times; ``False`` (nothing changed) if refused.

    Only the stamps are done here; a caller moving a task of a workflow goes through
    ``dagger.tasks._lifecycle``, which runs RELEASE and PROPAGATE too.
    """
    goal = _target(rule, target) if target is None else target
    current = code_of(task)
    if not rule.allows(current, goal):
        logger.debug("refused %s: %s -> %s on %r", rule.name, current.name, goal.name, task)
        return False
    _change(rule, task, now, goal)
    return True


def move(task: HasStatus, target: TaskStatusEnum, now: float) -> Rule | None:
    """Move the task to ``target`` by the one rule allowing it; that rule (``None``: refused)."""
    current = code_of(task)
    rule = _RULE_FOR.get((current, target))
    if rule is None:
        logger.debug("no rule moves %r from %s to %s", task, current.name, target.name)
        return None
    _change(rule, task, now, target)
    return rule


def _change(rule: Rule, task: HasStatus, now: float, goal: TaskStatusEnum) -> None:
    """The allowed move itself: the new status, then the stamp hooks."""
    if not rule.same_status:
        task.status = status_of(goal)
    if rule.stamps_started:
        task.time_submitted = int(now)
    if rule.clears_ended:
        task.time_completed = 0
    if rule.stamps_ended and not (task.time_completed or 0) > 0:
        task.time_completed = int(now)


def require(rule: Rule, task: HasStatus, now: float, target: TaskStatusEnum | None = None) -> None:
    """Like :func:`apply`, but raise ``TaskInvalidState`` when the rule refuses."""
    if not apply(rule, task, now, target):
        goal = _target(rule, target)
        raise TaskInvalidState(
            f"cannot {rule.name} {getattr(task, 'task_name', None) or getattr(task, 'id', task)}: "
            f"it is {code_of(task).name}, and {rule.name} moves only "
            f"{'/'.join(sorted(s.name for s in rule.sources))} to {goal.name}"
        )


def _target(rule: Rule, target: TaskStatusEnum | None) -> TaskStatusEnum:
    if target is not None:
        return target
    if len(rule.targets) != 1:
        raise ValueError(f"rule {rule.name!r} has several targets; name the one you want")
    return next(iter(rule.targets))
