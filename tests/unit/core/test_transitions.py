"""The state machine: which moves each rule allows, and the timestamps it keeps."""

from __future__ import annotations

import uuid

import pytest

from dagger.core import transitions as tr
from dagger.core.status import TERMINAL_STATUSES, TaskStatusEnum, status_of
from dagger.exceptions.exceptions import TaskInvalidState
from dagger.tasks.task import ITask

S = TaskStatusEnum


def task_in(code: TaskStatusEnum) -> ITask[str, str]:
    task: ITask[str, str] = ITask(uuid.uuid4())
    task.status = status_of(code)
    return task


def test_status_names_equal_their_values_and_stopped_is_terminal() -> None:
    assert all(member.value == member.name for member in S)
    assert TERMINAL_STATUSES == ["COMPLETED", "SKIPPED", "FAILURE", "STOPPED"]


@pytest.mark.parametrize(
    ("rule", "source", "allowed"),
    [
        (tr.START, S.NOT_STARTED, True),
        (tr.START, S.SUBMITTED, True),
        (tr.START, S.EXECUTING, False),
        (tr.START, S.COMPLETED, False),
        (tr.COMPLETE, S.EXECUTING, True),
        (tr.COMPLETE, S.NOT_STARTED, False),
        (tr.SKIP, S.NOT_STARTED, True),
        (tr.SKIP, S.COMPLETED, False),
        (tr.STOP, S.EXECUTING, True),
        (tr.STOP, S.FAILURE, False),
        (tr.RESTART, S.COMPLETED, True),
        (tr.RESTART, S.STOPPED, False),
        (tr.SUBMIT, S.NOT_STARTED, True),
        (tr.SUBMIT, S.COMPLETED, False),
    ],
)
def test_each_rule_moves_only_from_its_sources(
    rule: tr.Rule, source: TaskStatusEnum, allowed: bool
) -> None:
    task = task_in(source)
    target = S.COMPLETED if rule is tr.COMPLETE else None

    assert tr.apply(rule, task, 100.0, target) is allowed
    assert (task.status.code != source.name) is allowed


def test_starting_stamps_time_submitted_and_ending_stamps_time_completed_once() -> None:
    task = task_in(S.NOT_STARTED)

    tr.apply(tr.START, task, 100.4)
    tr.apply(tr.COMPLETE, task, 200.0, S.FAILURE)
    tr.finish(task, S.FAILURE, 300.0)

    assert (task.status.code, task.time_submitted, task.time_completed) == ("FAILURE", 100, 200)


def test_a_restart_clears_time_completed() -> None:
    task = task_in(S.NOT_STARTED)
    tr.apply(tr.START, task, 1)
    tr.apply(tr.COMPLETE, task, 2, S.COMPLETED)

    assert tr.apply(tr.RESTART, task, 3)
    assert (task.status.code, task.time_submitted, task.time_completed) == ("EXECUTING", 3, 0)


def test_finish_passes_an_unstarted_task_through_executing() -> None:
    task = task_in(S.NOT_STARTED)

    assert tr.finish(task, S.COMPLETED, 50)
    assert (task.status.code, task.time_submitted, task.time_completed) == ("COMPLETED", 50, 50)


def test_a_terminal_task_keeps_its_status() -> None:
    task = task_in(S.STOPPED)

    assert not tr.finish(task, S.COMPLETED, 1)
    assert task.status.code == "STOPPED"
    with pytest.raises(TaskInvalidState, match="STOPPED"):
        tr.require(tr.START, task, 1)


def test_as_status_reads_records_enums_names_and_none() -> None:
    assert tr.as_status(None) is S.COMPLETED
    assert tr.as_status("SKIPPED") is S.SKIPPED
    assert tr.as_status(status_of(S.FAILURE)) is S.FAILURE
    assert tr.as_status(S.STOPPED) is S.STOPPED
