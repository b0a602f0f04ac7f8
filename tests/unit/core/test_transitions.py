"""The state machine: each declared rule's moves and hooks, and the refusal of every other move."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from dagger.core import transitions as tr
from dagger.core.status import TERMINAL_STATUSES, TaskStatus, TaskStatusEnum, status_of
from dagger.exceptions.exceptions import TaskInvalidState

S = TaskStatusEnum
H = tr.Hook
NS, SUB, EX = S.NOT_STARTED, S.SUBMITTED, S.EXECUTING
OK, FAIL, SKIP, STOP = S.COMPLETED, S.FAILURE, S.SKIPPED, S.STOPPED

#: The specification, written out: rule -> (sources, targets, hooks in order).
DECLARED: dict[tr.Rule, tuple[set[TaskStatusEnum], set[TaskStatusEnum], tuple[tr.Hook, ...]]] = {
    tr.SUBMIT: ({NS, SUB, EX}, {SUB}, ()),
    tr.START: ({NS, SUB}, {EX}, (H.STAMP_STARTED,)),
    tr.RESTART: ({OK, FAIL, SKIP}, {EX}, (H.STAMP_STARTED, H.CLEAR_ENDED)),
    tr.RERUN: ({EX}, {EX}, (H.STAMP_STARTED,)),
    tr.COMPLETE: ({EX}, {OK, FAIL}, (H.STAMP_ENDED, H.RELEASE, H.PROPAGATE)),
    tr.COMPLETE_UNSTARTED: (
        {NS, SUB},
        {OK, FAIL},
        (H.STAMP_STARTED, H.STAMP_ENDED, H.RELEASE, H.PROPAGATE),
    ),
    tr.SKIP: ({NS, SUB, EX}, {SKIP}, (H.STAMP_ENDED, H.RELEASE, H.PROPAGATE)),
    tr.STOP: ({NS, SUB, EX}, {STOP}, (H.STAMP_ENDED, H.RELEASE)),
    tr.SETTLE: ({OK, FAIL, SKIP}, {OK, FAIL, SKIP}, (H.STAMP_ENDED, H.RELEASE, H.PROPAGATE)),
    tr.RETRY: ({FAIL}, {NS}, (H.CLEAR_ENDED,)),
    tr.REOPEN: ({OK}, {NS}, (H.CLEAR_ENDED,)),
}
#: The rules asked for by name only: a wanted status never selects them.
BY_NAME = {tr.SUBMIT, tr.RETRY, tr.REOPEN}
PAIRS = list(itertools.product(S, S))


@dataclass
class Node:
    """The least a task needs for the state machine."""

    status: TaskStatus
    time_submitted: Any = 0
    time_completed: Any = 0


def node(code: TaskStatusEnum, submitted: int = 0, completed: int = 0) -> Node:
    return Node(status_of(code), submitted, completed)


def allowed(rule: tr.Rule, source: TaskStatusEnum, target: TaskStatusEnum) -> bool:
    """What DECLARED says about one move (SETTLE only keeps the status it finds)."""
    sources, targets, _ = DECLARED[rule]
    same = source is target if rule is tr.SETTLE else True
    return source in sources and target in targets and same


def test_status_names_equal_their_values_and_stopped_is_terminal() -> None:
    assert all(member.value == member.name for member in S)
    assert TERMINAL_STATUSES == ["COMPLETED", "SKIPPED", "FAILURE", "STOPPED"]


def test_the_module_declares_exactly_the_specified_rules() -> None:
    assert set(tr.RULES) == set(DECLARED)
    assert tr.SETTLE.same_status and not any(r.same_status for r in tr.RULES if r is not tr.SETTLE)


@pytest.mark.parametrize("rule", list(DECLARED), ids=lambda r: r.name)
def test_each_rule_declares_its_sources_targets_and_hooks(rule: tr.Rule) -> None:
    sources, targets, hooks = DECLARED[rule]

    assert (set(rule.sources), set(rule.targets), rule.hooks) == (sources, targets, hooks)


@pytest.mark.parametrize("rule", list(DECLARED), ids=lambda r: r.name)
@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda s: s.name)
def test_a_rule_moves_only_between_its_declared_statuses(
    rule: tr.Rule, source: TaskStatusEnum, target: TaskStatusEnum
) -> None:
    task = node(source, 10, 20)
    before = (task.status, task.time_submitted, task.time_completed)

    moved = tr.apply(rule, task, 100.0, target)

    assert moved is allowed(rule, source, target)
    if moved:
        assert tr.code_of(task) is target
    else:
        assert (task.status, task.time_submitted, task.time_completed) == before


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda s: s.name)
def test_a_wanted_status_names_at_most_one_rule_and_an_undeclared_move_is_refused(
    source: TaskStatusEnum, target: TaskStatusEnum
) -> None:
    by_status = [r for r in DECLARED if r not in BY_NAME and allowed(r, source, target)]
    assert len(by_status) <= 1
    task = node(source, 10, 20)

    found = tr.move(task, target, 100.0)

    assert found is tr.rule_for(source, target) is (by_status[0] if by_status else None)
    if found is None:
        assert (tr.code_of(task), task.time_submitted, task.time_completed) == (source, 10, 20)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (STOP, STOP),
        (STOP, EX),
        (STOP, OK),
        (OK, FAIL),
        (FAIL, OK),
        (SKIP, OK),
        (SKIP, NS),
        (STOP, NS),
        (EX, NS),
    ],
    ids=str,
)
def test_undeclared_moves_are_refused(source: TaskStatusEnum, target: TaskStatusEnum) -> None:
    task = node(source, 10, 20)

    assert tr.rule_for(source, target) is None
    assert tr.move(task, target, 100.0) is None
    assert not any(tr.apply(rule, task, 100.0, target) for rule in tr.RULES)
    assert (tr.code_of(task), task.time_submitted, task.time_completed) == (source, 10, 20)


def test_submit_is_asked_for_by_name_only() -> None:
    assert tr.rule_for(NS, SUB) is None
    task = node(NS)

    assert tr.apply(tr.SUBMIT, task, 5.0)
    assert (tr.code_of(task), task.time_submitted, task.time_completed) == (SUB, 0, 0)


@pytest.mark.parametrize(
    ("rule", "source"), [(tr.RETRY, FAIL), (tr.REOPEN, OK)], ids=lambda r: getattr(r, "name", r)
)
def test_recovery_rules_are_asked_for_by_name_and_clear_the_end(
    rule: tr.Rule, source: TaskStatusEnum
) -> None:
    assert tr.rule_for(source, NS) is None
    assert tr.move(node(source, 1, 2), NS, 3.0) is None
    task = node(source, 1, 2)

    assert tr.apply(rule, task, 3.0)
    assert (tr.code_of(task), task.time_submitted, task.time_completed) == (NS, 1, 0)


def test_two_rules_sharing_a_move_are_rejected() -> None:
    clash = tr.Rule("clash", frozenset({EX}), frozenset({OK}))

    with pytest.raises(AssertionError, match="both allow"):
        tr._index((tr.COMPLETE, clash))


# -- the stamp hooks ----------------------------------------------------------------------


def test_start_stamps_time_submitted() -> None:
    task = node(NS)

    assert tr.apply(tr.START, task, 100.4)
    assert (tr.code_of(task), task.time_submitted, task.time_completed) == (EX, 100, 0)


def test_restart_stamps_time_submitted_and_clears_time_completed() -> None:
    task = node(OK, 1, 2)

    assert tr.apply(tr.RESTART, task, 3)
    assert (tr.code_of(task), task.time_submitted, task.time_completed) == (EX, 3, 0)


def test_rerun_stamps_time_submitted_again() -> None:
    task = node(EX, 1)

    assert tr.apply(tr.RERUN, task, 7)
    assert (tr.code_of(task), task.time_submitted, task.time_completed) == (EX, 7, 0)


def test_complete_stamps_time_completed_once() -> None:
    task = node(NS)
    tr.apply(tr.START, task, 100.4)

    assert tr.apply(tr.COMPLETE, task, 200.0, FAIL)
    assert tr.move(task, FAIL, 300.0) is tr.SETTLE
    assert (task.status.code, task.time_submitted, task.time_completed) == ("FAILURE", 100, 200)


def test_completing_a_task_that_never_started_stamps_both_times() -> None:
    task = node(SUB)

    assert tr.move(task, OK, 50) is tr.COMPLETE_UNSTARTED
    assert (tr.code_of(task), task.time_submitted, task.time_completed) == (OK, 50, 50)


@pytest.mark.parametrize("rule", [tr.SKIP, tr.STOP], ids=lambda r: r.name)
def test_skip_and_stop_stamp_the_end_but_not_a_start(rule: tr.Rule) -> None:
    task = node(NS)

    assert tr.apply(rule, task, 9)
    assert (task.time_submitted, task.time_completed) == (0, 9)


def test_settle_keeps_the_status_record_and_stamps_only_a_missing_end() -> None:
    record = TaskStatus(code="FAILURE", value="FAILURE")
    task = Node(record, 1, 0)

    assert tr.apply(tr.SETTLE, task, 4, FAIL)
    assert task.status is record and task.time_completed == 4
    assert tr.apply(tr.SETTLE, task, 8, FAIL)
    assert task.time_completed == 4


def test_require_names_the_refused_move() -> None:
    task = node(STOP)

    with pytest.raises(TaskInvalidState, match="it is STOPPED, and start moves only"):
        tr.require(tr.START, task, 1)


def test_a_rule_with_several_targets_needs_one_named() -> None:
    with pytest.raises(ValueError, match="several targets"):
        tr.apply(tr.COMPLETE, node(EX), 1)


def test_as_status_reads_records_enums_names_and_none() -> None:
    assert tr.as_status(None) is S.COMPLETED
    assert tr.as_status("SKIPPED") is S.SKIPPED
    assert tr.as_status(status_of(S.FAILURE)) is S.FAILURE
    assert tr.as_status(S.STOPPED) is S.STOPPED


def test_the_module_docstring_table_matches_the_rules() -> None:
    """The table at the top of the module is what a reader sees first: it must not lie."""
    doc = tr.__doc__ or ""
    lines = doc[doc.index("    rule ") : doc.index("No two rules")].rstrip().splitlines()
    header, rows = lines[0], lines[1:]
    cols = [header.index(word) for word in ("from", "to", "hooks")]
    table: dict[str, list[set[str]]] = {}
    name = ""
    for line in rows:
        if line[4] != " ":
            name = line[4 : cols[0]].strip()
            table[name] = [set(), set(), set()]
        for i, (lo, hi) in enumerate(zip(cols, [*cols[1:], len(line) + 1])):
            table[name][i] |= set(line[lo:hi].split()) - {"-"}
    for rule in tr.RULES:
        sources, targets, hooks = table[rule.name.upper().replace(" ", "_")]
        assert sources == {s.name for s in rule.sources}, rule.name
        want_targets = {"(its", "own", "status)"} if rule.same_status else None
        assert targets == (want_targets or {t.name for t in rule.targets}), rule.name
        assert hooks == {h.name for h in rule.hooks}, rule.name
    assert len(table) == len(tr.RULES)
