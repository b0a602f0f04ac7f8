"""Listener wait timeouts and workflow execution timeouts, on durable triggers."""

from __future__ import annotations

from typing import Any

from dagger.core.context import set_runtime
from dagger.engine import operations
from dagger.tasks.task import SensorTask
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import Flow, OrderListener, Step, make, node, status

T0 = START


def listener(timeout: float | None = 30, action: str = "fail") -> Any:
    return make(OrderListener, "wait", topic="ready", wait_timeout=timeout, timeout_action=action)


async def start(runtime: InMemoryRuntime, flow: Flow) -> None:
    await operations.store_and_create(runtime, flow.submitted())


def key(flow: Flow, task: Any) -> tuple[str, str]:
    return (str(flow.wf.id), str(task.id))


async def test_a_listener_that_times_out_fails_and_the_workflow_moves_on(
    runtime: InMemoryRuntime,
) -> None:
    wait, after = listener(30), make(Step, "after")
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "before"), wait, after)
    runtime.clock.advance(5)
    await start(runtime, flow)

    waiting = runtime.stored(flow.wf.id)
    assert waiting is not None and status(waiting, wait) == "EXECUTING"
    waiting_task = node(waiting, wait)
    assert isinstance(waiting_task, SensorTask)
    assert waiting_task.timeout_at == T0 + 35  # from when it started waiting
    assert runtime.triggers[key(flow, wait)].trigger_time == T0 + 35
    assert runtime.index == {("o-1", "ready"): [(flow.wf.id, wait.id)]}

    runtime.clock.advance(29)
    assert await runtime.run_due_triggers() == 0
    runtime.clock.advance(1)
    assert await runtime.run_due_triggers() == 1

    done = runtime.stored(flow.wf.id)
    assert done is not None
    task = node(done, wait)
    assert (task.status.code, task.message) == ("FAILURE", "timed out after 30 s")
    assert (runtime.index, done.sensor_tasks_to_correletable_map, runtime.triggers) == ({}, {}, {})
    assert done.runtime_parameters["trace"] == ["before", "after"]
    assert done.status.code == "COMPLETED"
    # A late message finds nothing to complete.
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 0


async def test_a_listener_set_to_skip_is_skipped_on_timeout(runtime: InMemoryRuntime) -> None:
    wait, after = listener(2.5, "skip"), make(Step, "after")
    flow = Flow(order_id="o-1")
    flow.process("p", wait, after)
    await start(runtime, flow)

    runtime.clock.advance(2.5)
    assert await runtime.run_due_triggers() == 1

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert (status(done, wait), node(done, wait).message) == ("SKIPPED", None)
    assert (status(done, after), done.status.code) == ("COMPLETED", "COMPLETED")
    assert (runtime.index, runtime.triggers) == ({}, {})


async def test_a_message_in_time_completes_the_listener_and_drops_its_timer(
    runtime: InMemoryRuntime,
) -> None:
    wait = listener(30)
    flow = Flow(order_id="o-1")
    flow.process("p", wait)
    await start(runtime, flow)

    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 1

    done = runtime.stored(flow.wf.id)
    assert done is not None and status(done, wait) == "COMPLETED"
    assert runtime.triggers == {}
    runtime.clock.advance(60)
    assert await runtime.run_due_triggers() == 0


async def test_a_listener_timeout_survives_a_restart(runtime: InMemoryRuntime) -> None:
    wait = listener(10)
    flow = Flow(order_id="o-1")
    flow.process("p", wait)
    await start(runtime, flow)

    restarted = InMemoryRuntime(clock=runtime.clock)
    restarted.workflows, restarted.triggers = dict(runtime.workflows), dict(runtime.triggers)
    restarted.index = {k: list(v) for k, v in runtime.index.items()}
    set_runtime(restarted)
    restarted.clock.advance(10)
    assert await restarted.run_due_triggers() == 1

    done = restarted.stored(flow.wf.id)
    assert done is not None and status(done, wait) == "FAILURE"
    assert (restarted.index, restarted.triggers) == ({}, {})


async def test_a_workflow_past_its_execution_timeout_stops_what_is_unfinished_and_fails(
    runtime: InMemoryRuntime,
) -> None:
    first, wait, never = make(Step, "first"), listener(None), make(Step, "never")
    flow = Flow(order_id="o-1")
    flow.wf.execution_timeout = 60
    process = flow.process("p", first, wait)
    later = flow.process("q", never)
    await start(runtime, flow)

    started = runtime.stored(flow.wf.id)
    assert started is not None and started.execution_deadline == T0 + 60
    assert runtime.triggers[(str(flow.wf.id), str(flow.wf.id))].trigger_time == T0 + 60

    runtime.clock.advance(60)
    assert await runtime.run_due_triggers() == 1

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert (done.status.code, done.message) == ("FAILURE", "execution timed out after 60 s")
    assert status(done, first) == "COMPLETED"  # what had ended keeps its status
    for task in (wait, process, never, later):
        assert status(done, task) == "STOPPED", task.task_name
    assert (runtime.index, runtime.triggers) == ({}, {})


async def test_a_workflow_that_ends_in_time_drops_its_deadline(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    flow.wf.execution_timeout = 60
    flow.process("p", make(Step, "only"))
    await start(runtime, flow)

    done = runtime.stored(flow.wf.id)
    assert done is not None and done.status.code == "COMPLETED"
    assert runtime.triggers == {}


async def test_a_deleted_workflow_leaves_no_timeout_trigger(clock: Any) -> None:
    runtime = InMemoryRuntime(clock=clock, delete_workflow_on_complete=True)
    set_runtime(runtime)
    try:
        wait = listener(5)
        flow = Flow(order_id="o-1")
        flow.wf.execution_timeout = 100
        flow.process("p", wait)
        await start(runtime, flow)
        assert len(runtime.triggers) == 2  # the listener's timeout and the workflow's deadline

        runtime.clock.advance(100)
        assert await runtime.run_due_triggers() == 2
        assert (runtime.workflows, runtime.triggers, runtime.index) == ({}, {}, {})
    finally:
        set_runtime(None)
