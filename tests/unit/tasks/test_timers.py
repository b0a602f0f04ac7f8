"""Trigger, interval and monitoring tasks, driven by the runtime's triggers."""

from __future__ import annotations

import uuid

from dagger.engine import operations
from dagger.tasks.task import COMPLETE_BY_KEY, Trigger
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import (
    Due,
    DueFails,
    Flow,
    NeverDone,
    OrderListener,
    Poll,
    Step,
    WatchedProcess,
    make,
    status,
)

T0 = int(START)


def trigger_key(flow: Flow, task: object) -> tuple[str, str]:
    return (str(flow.wf.id), str(task.id))  # type: ignore[attr-defined]


async def test_a_trigger_due_later_fires_once_the_clock_passes_it(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    due = make(Due, "due", time_to_execute=T0 + 60)
    after = make(Step, "after")
    flow.process("p", make(Step, "before"), due, after)
    await operations.store_and_create(runtime, flow.submitted())

    assert runtime.triggers[trigger_key(flow, due)].trigger_time == T0 + 60
    assert await runtime.run_due_triggers() == 0
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and status(stored, due) == "EXECUTING"

    runtime.clock.advance(59)
    assert await runtime.run_due_triggers() == 0
    runtime.clock.advance(1)
    assert await runtime.run_due_triggers() == 1

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert done.runtime_parameters["trace"] == ["before", "due", "after"]
    assert (status(done, due), done.status.code) == ("COMPLETED", "COMPLETED")
    assert runtime.triggers == {}


async def test_a_trigger_already_due_when_reached_runs_inline(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    due = make(Due, "due", time_to_execute=T0 - 5)
    flow.process("p", due)
    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"
    assert runtime.triggers == {}


async def test_a_trigger_of_a_task_not_reached_yet_stays(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    due = make(Due, "due", time_to_execute=T0 + 10)
    flow.process("p", make(OrderListener, "wait", topic="ready"), due)
    await operations.store_and_create(runtime, flow.submitted())
    runtime.clock.advance(30)

    [trigger] = runtime.due_triggers()
    assert await operations.fire_trigger(runtime, trigger) is False
    assert trigger_key(flow, due) in runtime.triggers

    # Once reached, the (past) time makes it run inline and its trigger goes.
    await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener])
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and status(stored, due) == "COMPLETED"
    assert runtime.triggers == {}


async def test_a_trigger_for_a_missing_workflow_or_task_is_removed(
    runtime: InMemoryRuntime,
) -> None:
    orphan = Trigger(T0 - 1, uuid.uuid4(), uuid.uuid4())
    await runtime.save_trigger(orphan)

    assert await operations.fire_trigger(runtime, orphan) is True
    assert runtime.triggers == {}


async def test_a_trigger_task_that_fails_stays_failed(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    fails = make(DueFails, "fails", time_to_execute=T0 + 5)
    after = make(Step, "after")
    flow.process("p", fails, after)
    await operations.store_and_create(runtime, flow.submitted())

    runtime.clock.advance(5)
    await runtime.run_due_triggers()

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert status(stored, fails) == "FAILURE"
    assert status(stored, after) == "COMPLETED"
    assert runtime.triggers == {}


async def test_an_interval_task_runs_until_interval_execute_returns_true(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    poll = make(Poll, "poll", interval_execute_period=10, time_to_force_complete=T0 + 1000)
    flow.process("p", poll, make(Step, "after"))
    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.runtime_parameters["polls"] == 1
    assert runtime.triggers[trigger_key(flow, poll)].trigger_time == T0 + 10

    runtime.clock.advance(10)
    assert await runtime.run_due_triggers() == 1
    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (stored.runtime_parameters["polls"], status(stored, poll)) == (2, "EXECUTING")
    assert runtime.triggers[trigger_key(flow, poll)].trigger_time == T0 + 20

    runtime.clock.advance(10)
    await runtime.run_due_triggers()
    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert done.runtime_parameters["polls"] == 3
    assert done.runtime_parameters["trace"] == ["poll", "after"]
    assert (status(done, poll), done.status.code) == ("COMPLETED", "COMPLETED")
    assert runtime.triggers == {}


async def test_an_interval_task_reaching_its_force_complete_time_executes_and_completes(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    poll = make(NeverDone, "poll", interval_execute_period=10, time_to_force_complete=T0 + 25)
    flow.process("p", poll, make(Step, "after"))
    await operations.store_and_create(runtime, flow.submitted())

    for _ in range(2):
        runtime.clock.advance(10)
        await runtime.run_due_triggers()
    # Never sleeps past the force-complete time.
    assert runtime.triggers[trigger_key(flow, poll)].trigger_time == T0 + 25

    runtime.clock.advance(5)
    await runtime.run_due_triggers()

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert done.runtime_parameters["polls"] == 4
    assert done.runtime_parameters["trace"] == ["poll", "after"]
    assert status(done, poll) == "COMPLETED"
    assert runtime.triggers == {}


async def test_max_run_duration_skips_an_unfinished_listener_and_moves_on(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    wait = make(OrderListener, "wait", topic="ready")
    never = make(Step, "never")
    slow = flow.process("slow", wait, never, max_run_duration=30)
    after = make(Step, "after")
    flow.process("next", after)
    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    monitor = stored.get_task(stored.get_task(slow.id).max_run_duration_monitor_task_id)  # type: ignore[union-attr]
    assert monitor is not None and type(monitor).__name__ == "SkipOnMaxDurationTask"
    assert (monitor.status.code, monitor.time_to_execute) == ("EXECUTING", T0 + 30)  # type: ignore[attr-defined]
    assert runtime.triggers[trigger_key(flow, monitor)].trigger_time == T0 + 30

    runtime.clock.advance(30)
    await runtime.run_due_triggers()

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert [status(done, t) for t in (wait, never, slow)] == ["SKIPPED"] * 3
    assert done.runtime_parameters["trace"] == ["after"]
    assert done.status.code == "COMPLETED"
    assert runtime.index == {} and runtime.triggers == {}


async def test_a_process_finishing_within_max_run_duration_completes_its_monitor(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    wait = make(OrderListener, "wait", topic="ready")
    slow = flow.process("slow", wait, max_run_duration=30)
    flow.process("next", make(OrderListener, "more", topic="more"))
    await operations.store_and_create(runtime, flow.submitted())

    await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener])

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    monitor_id = stored.get_task(slow.id).max_run_duration_monitor_task_id  # type: ignore[union-attr]
    assert stored.get_task(monitor_id).status.code == "COMPLETED"  # type: ignore[union-attr]
    assert runtime.triggers == {}
    assert status(stored, slow) == "COMPLETED"


async def test_a_monitored_process_past_its_complete_by_time_is_reported(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1", **{COMPLETE_BY_KEY: T0 + 100})
    wait = make(OrderListener, "wait", topic="ready")
    watched = flow.process("watched", wait, cls=WatchedProcess)
    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    monitor_id = stored.get_task(watched.id).monitoring_task_id  # type: ignore[union-attr]
    assert type(stored.get_task(monitor_id)).__name__ == "LateMonitor"

    runtime.clock.advance(100)
    await runtime.run_due_triggers()

    late = runtime.stored(flow.wf.id)
    assert late is not None
    assert late.runtime_parameters["late"] == "wf.watched"
    assert late.get_task(monitor_id).status.code == "COMPLETED"  # type: ignore[union-attr]
    assert status(late, watched) == "EXECUTING"  # reported, not skipped
    assert runtime.triggers == {}


async def test_a_monitored_process_finishing_in_time_is_not_reported(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1", **{COMPLETE_BY_KEY: T0 + 100})
    flow.process("watched", make(OrderListener, "wait", topic="ready"), cls=WatchedProcess)
    await operations.store_and_create(runtime, flow.submitted())

    await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener])
    runtime.clock.advance(200)
    assert await runtime.run_due_triggers() == 0

    done = runtime.stored(flow.wf.id)
    assert done is not None and "late" not in done.runtime_parameters
    assert done.status.code == "COMPLETED"
