"""Stopping a workflow, and deleting it on completion."""

from __future__ import annotations

from typing import Any

from dagger.core.context import set_runtime
from dagger.engine import operations
from dagger.testing import FakeClock, InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import Due, Flow, OrderListener, Step, make, status


class CountsStops(OrderListener):
    async def stop(self, runtime_parameters: dict[str, Any], workflow_instance: Any = None) -> None:
        runtime_parameters["stopped"] = runtime_parameters.get("stopped", 0) + 1


async def test_stop_stops_composite_children_monitors_and_cleans_up(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1", box_id="b-1")
    left = make(CountsStops, "left", topic="left")
    right = make(OrderListener, "right", topic="right", correlatable_key="box_id")
    comp = flow.composite("comp", left, right)
    later = make(Due, "later", time_to_execute=int(START) + 500)
    process = flow.process("p", comp, max_run_duration=60)
    next_process = flow.process("next", later)
    await operations.store_and_create(runtime, flow.submitted())
    assert len(runtime.index) == 2 and len(runtime.triggers) == 2

    wf = await runtime.load_workflow(flow.wf.id)
    assert wf is not None
    await wf.stop(wf.runtime_parameters, wf)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert stored.status.code == "STOPPED"
    assert [status(stored, t) for t in (left, right, comp, process, next_process, later)] == [
        "STOPPED"
    ] * 6
    monitor_id = stored.get_task(process.id).max_run_duration_monitor_task_id  # type: ignore[union-attr]
    assert stored.get_task(monitor_id).status.code == "STOPPED"  # type: ignore[union-attr]
    assert stored.runtime_parameters["stopped"] == 1  # the running listener's hook ran once
    assert runtime.index == {} and runtime.triggers == {}
    assert await runtime.deliver("left", {"order_id": "o-1"}, [CountsStops]) == 0


async def test_stopping_an_ended_workflow_changes_nothing(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    flow.process("p", make(Step, "a"))
    await operations.store_and_create(runtime, flow.submitted())
    wf = runtime.stored(flow.wf.id)
    assert wf is not None

    await wf.stop(wf.runtime_parameters)

    assert wf.status.code == "COMPLETED"
    assert len(runtime.saved) == 1


async def test_delete_workflow_on_complete_leaves_nothing_behind(clock: FakeClock) -> None:
    runtime = InMemoryRuntime(clock=clock, delete_workflow_on_complete=True)
    set_runtime(runtime)
    try:
        flow = Flow(order_id="o-1")
        flow.process("p", make(OrderListener, "wait", topic="ready"), make(Step, "after"))
        flow.process("p2", make(Step, "x"))
        await operations.store_and_create(runtime, flow.submitted())
        assert str(flow.wf.id) in runtime.workflows

        assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 1

        assert runtime.workflows == {}
        assert runtime.index == {} and runtime.triggers == {}
        assert runtime.deleted == [flow.wf.id]
        # The engine's write after the message did not bring it back.
        assert await runtime.load_workflow(flow.wf.id) is None
    finally:
        set_runtime(None)


async def test_a_stopped_workflow_is_deleted_when_deletion_is_on(clock: FakeClock) -> None:
    runtime = InMemoryRuntime(clock=clock, delete_workflow_on_complete=True)
    set_runtime(runtime)
    try:
        flow = Flow(order_id="o-1")
        flow.process("p", make(OrderListener, "wait", topic="ready"))
        await operations.store_and_create(runtime, flow.submitted())
        wf = runtime.stored(flow.wf.id)
        assert wf is not None

        await wf.stop(wf.runtime_parameters)

        assert runtime.workflows == {} and runtime.index == {}
    finally:
        set_runtime(None)
