"""Moving tasks of a workflow: the rules' RELEASE and PROPAGATE hooks, and the one start."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from dagger.core.status import TaskStatusEnum, status_of
from dagger.engine import operations
from dagger.tasks import _lifecycle
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import Due, Flow, OrderListener, Step, make, node, status

T0 = int(START)


async def started(runtime: InMemoryRuntime, flow: Flow) -> Any:
    """Store and start the flow's workflow; the stored copy, which the next steps move."""
    await operations.store_and_create(runtime, flow.submitted())
    workflow = runtime.stored(flow.wf.id)
    assert workflow is not None
    return workflow


async def test_ending_a_listener_releases_its_index_entry_and_iterate_false_holds_it_there(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    listen, after = make(OrderListener, "listen", topic="ready"), make(Step, "after")
    flow.process("p", listen, after)
    wf = await started(runtime, flow)
    assert runtime.index == {("o-1", "ready"): [(wf.id, listen.id)]}

    await wf.get_task(listen.id).on_complete(wf, iterate=False)  # COMPLETE without PROPAGATE

    assert (status(wf, listen), status(wf, after)) == ("COMPLETED", "NOT_STARTED")
    assert runtime.index == {} and wf.sensor_tasks_to_correletable_map == {}

    await wf.get_task(listen.id).on_complete(wf)  # SETTLE: what follows is driven now

    assert (status(wf, after), wf.status.code) == ("COMPLETED", "COMPLETED")
    assert wf.runtime_parameters["trace"] == ["after"]


async def test_stopping_a_task_releases_its_trigger_and_does_not_move_on(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    due, after = make(Due, "due", time_to_execute=T0 + 60), make(Step, "after")
    process = flow.process("p", due, after)
    wf = await started(runtime, flow)
    assert (str(wf.id), str(due.id)) in runtime.triggers

    await _lifecycle.stop_task(wf.get_task(due.id), wf.runtime_parameters, wf)

    assert (status(wf, due), status(wf, after), status(wf, process)) == (
        "STOPPED",
        "NOT_STARTED",
        "EXECUTING",
    )
    assert runtime.triggers == {}
    assert wf.get_task(due.id).time_completed == T0


async def test_a_refused_end_changes_nothing_and_says_so(
    runtime: InMemoryRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    flow = Flow()
    a, b = make(Step, "a"), make(Step, "b", reprocess_on_message=True)
    flow.process("p", a, b)
    wf = await started(runtime, flow)

    with caplog.at_level(logging.WARNING, logger="dagger.tasks"):
        await wf.get_task(a.id).on_complete(wf, status=TaskStatusEnum.FAILURE)

    assert status(wf, a) == "COMPLETED"
    assert wf.runtime_parameters["trace"] == ["a", "b"]  # b was not driven again
    assert "is COMPLETED; not changing it to FAILURE" in caplog.text


async def test_a_child_ending_under_a_waiting_parent_completes_it_as_never_started(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    a = make(Step, "a")
    first = flow.process("p1", a)
    second = flow.process("p2", make(Step, "b"))
    wf = flow.wf  # not started: every node is NOT_STARTED
    runtime.clock.advance(5)

    await first.notify(status_of(TaskStatusEnum.COMPLETED), wf)

    assert (first.status.code, first.time_submitted, first.time_completed) == (
        "COMPLETED",
        T0 + 5,
        T0 + 5,
    )
    assert status(wf, second) == "COMPLETED"  # PROPAGATE started the next process
    assert wf.runtime_parameters["trace"] == ["b"]


async def test_an_atleast_one_composite_joins_only_once_every_child_has_started(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    quick, also = make(Step, "quick"), make(Step, "also")
    comp = flow.composite("comp", quick, also, operator="ATLEAST_ONE")
    flow.process("p", comp, make(Step, "after"))

    wf = await started(runtime, flow)

    # "quick" ended before "also" started; the composite's successor still waited for it.
    assert wf.runtime_parameters["trace"] == ["quick", "also", "after"]
    assert status(wf, comp) == "COMPLETED"
    assert wf.get_task(comp.id)._starting_children is False
    assert "_starting_children" not in wf.get_task(comp.id).to_representation()


async def test_a_listener_reached_again_re_drives_even_with_reprocess_on_message(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    listen = make(OrderListener, "listen", topic="ready", reprocess_on_message=True)
    again = make(Step, "again", reprocess_on_message=True)  # runs whenever it is started
    flow.process("p", listen, again)
    await started(runtime, flow)
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 1
    wf = runtime.stored(flow.wf.id)
    assert wf is not None and wf.runtime_parameters["trace"] == ["listen", "again"]

    await node(wf, listen).start(wf)

    assert status(wf, listen) == "COMPLETED"  # it did not begin waiting again
    assert wf.runtime_parameters["trace"] == ["listen", "again", "again"]


def test_task_code_changes_statuses_and_times_only_through_the_rules() -> None:
    """No task module sets a status or a time stamp itself: the rules do (transitions.py)."""
    setting = re.compile(r"\.(status|time_submitted|time_completed)\s*=[^=]")
    tasks_dir = Path(_lifecycle.__file__).parent

    offenders = [
        f"{path.name}:{number}"
        for path in sorted(tasks_dir.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if setting.search(line)
    ]

    assert offenders == []
