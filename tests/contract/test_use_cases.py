"""The engine's use cases on every runtime: create, deliver, fire, admit, delete on completion."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from dagger.core.context import set_runtime
from dagger.core.ports import WorkflowRuntime
from dagger.engine import operations
from dagger.tasks.task import ITemplateDAGInstance, TaskStatus, Trigger
from tests.contract.conftest import START, Port
from tests.unit.tasks.flows import (
    Due,
    Flow,
    OrderListener,
    Poll,
    SetsOrder,
    Step,
    make,
    status,
)

T0 = int(START)


async def load(runtime: WorkflowRuntime, workflow_id: Any) -> Any:
    found = await runtime.load_workflow(workflow_id)
    assert found is not None, f"workflow {workflow_id} is not stored"
    return found


async def deliver(runtime: WorkflowRuntime, topic: str, payload: dict[str, Any]) -> int:
    return await operations.dispatch_listener_message(runtime, topic, [OrderListener], payload)


def listener_flow(order_id: str = "o-1") -> tuple[Flow, Any]:
    flow = Flow(order_id=order_id)
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", make(Step, "before"), listen, make(Step, "after"))
    return flow, listen


def copy(workflow: Any, code: str | None = None) -> Any:
    """A decoded copy (what a tasks-topic message carries), optionally with another status."""
    copied = ITemplateDAGInstance.loads(workflow.dumps())
    if code is not None:
        copied.status = TaskStatus(code=code, value=code)
    return copied


async def test_a_listener_workflow_waits_then_completes_on_its_message(
    runtime: WorkflowRuntime,
) -> None:
    flow, listen = listener_flow()

    await operations.store_and_create(runtime, flow.submitted())

    waiting = await load(runtime, flow.wf.id)
    assert (waiting.status.code, status(waiting, listen)) == ("EXECUTING", "EXECUTING")
    assert waiting.update_count == 1
    assert await runtime.lookup_listeners("o-1", "ready") == [(flow.wf.id, listen.id)]

    assert await deliver(runtime, "ready", {"order_id": "o-2"}) == 0
    assert await deliver(runtime, "other", {"order_id": "o-1"}) == 0
    assert (await load(runtime, flow.wf.id)).update_count == 1

    assert await deliver(runtime, "ready", {"order_id": "o-1"}) == 1

    done = await load(runtime, flow.wf.id)
    assert (done.status.code, status(done, listen)) == ("COMPLETED", "COMPLETED")
    assert done.runtime_parameters["trace"] == ["before", "listen", "after"]
    assert done.update_count == 2
    assert await runtime.lookup_listeners("o-1", "ready") == []


async def test_one_message_reaches_every_workflow_waiting_on_its_value(
    runtime: WorkflowRuntime,
) -> None:
    flows = [listener_flow("o-1") for _ in range(3)]
    other, _ = listener_flow("o-2")
    for flow, _ in [*flows, (other, None)]:
        await operations.store_and_create(runtime, flow.submitted())

    assert await deliver(runtime, "ready", {"order_id": "o-1"}) == 3

    for flow, _ in flows:
        assert (await load(runtime, flow.wf.id)).status.code == "COMPLETED"
    assert (await load(runtime, other.wf.id)).status.code == "EXECUTING"


async def test_a_task_changing_the_correlation_value_moves_the_listeners_entry(
    runtime: WorkflowRuntime,
) -> None:
    flow = Flow(order_id="o-1", next_order_id="o-2")
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", make(SetsOrder, "rekey"), listen)

    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.lookup_listeners("o-1", "ready") == []
    assert await runtime.lookup_listeners("o-2", "ready") == [(flow.wf.id, listen.id)]
    assert await deliver(runtime, "ready", {"order_id": "o-1"}) == 0
    assert await deliver(runtime, "ready", {"order_id": "o-2"}) == 1
    assert (await load(runtime, flow.wf.id)).status.code == "COMPLETED"


async def test_a_trigger_fires_its_task_once_due_and_is_removed(
    port: Port, runtime: WorkflowRuntime
) -> None:
    flow = Flow()
    due = make(Due, "due", time_to_execute=T0 + 60)
    flow.process("p", make(Step, "before"), due, make(Step, "after"))
    await operations.store_and_create(runtime, flow.submitted())
    key = (str(flow.wf.id), str(due.id))
    assert port.triggers() == {key: T0 + 60}

    port.clock.advance(59)
    assert await operations.fire_trigger(runtime, Trigger(T0 + 60, due.id, flow.wf.id)) is False
    early = await load(runtime, flow.wf.id)
    assert status(early, due) == "EXECUTING"
    assert early.runtime_parameters["trace"] == ["before"]
    assert port.triggers() == {key: T0 + 60}

    port.clock.advance(1)
    assert await operations.fire_trigger(runtime, Trigger(T0 + 60, due.id, flow.wf.id)) is True

    done = await load(runtime, flow.wf.id)
    assert (status(done, due), done.status.code) == ("COMPLETED", "COMPLETED")
    assert done.runtime_parameters["trace"] == ["before", "due", "after"]
    assert port.triggers() == {}


async def test_an_interval_task_reschedules_its_trigger_until_done(
    port: Port, runtime: WorkflowRuntime
) -> None:
    flow = Flow()
    poll = make(Poll, "poll", interval_execute_period=10, time_to_force_complete=T0 + 1000)
    flow.process("p", poll, make(Step, "after"))
    await operations.store_and_create(runtime, flow.submitted())
    key = (str(flow.wf.id), str(poll.id))
    assert port.triggers() == {key: T0 + 10}

    port.clock.advance(10)
    assert await port.fire_due() == 1
    assert port.triggers() == {key: T0 + 20}
    assert (await load(runtime, flow.wf.id)).runtime_parameters["polls"] == 2

    port.clock.advance(10)
    assert await port.fire_due() == 1

    done = await load(runtime, flow.wf.id)
    assert done.runtime_parameters["polls"] == 3
    assert (status(done, poll), done.status.code) == ("COMPLETED", "COMPLETED")
    assert port.triggers() == {}


async def test_a_trigger_whose_task_is_gone_is_removed_and_one_not_reached_stays(
    port: Port, runtime: WorkflowRuntime
) -> None:
    flow = Flow(order_id="o-1")
    due = make(Due, "due", time_to_execute=T0 + 10)
    flow.process("p", make(OrderListener, "wait", topic="ready"), due)
    await operations.store_and_create(runtime, flow.submitted())
    stray = Trigger(T0, uuid.uuid4(), flow.wf.id)
    await runtime.save_trigger(stray)  # points at no task of the workflow
    port.clock.advance(30)

    assert await operations.fire_trigger(runtime, stray) is True
    assert await operations.fire_trigger(runtime, Trigger(T0 + 10, due.id, flow.wf.id)) is False

    assert port.triggers() == {(str(flow.wf.id), str(due.id)): T0 + 10}
    assert status(await load(runtime, flow.wf.id), due) == "NOT_STARTED"


# -- admission -------------------------------------------------------------------------------


async def test_a_replayed_start_of_a_finished_workflow_is_a_no_op(runtime: WorkflowRuntime) -> None:
    flow = Flow()
    flow.process("p", make(Step, "a"))
    await operations.store_and_create(runtime, flow.submitted())
    first = await load(runtime, flow.wf.id)
    assert (first.status.code, first.runtime_parameters["trace"]) == ("COMPLETED", ["a"])

    replay = copy(flow.wf, "SUBMITTED")
    replay.runtime_parameters.pop("trace")
    await operations.store_and_create(runtime, replay)

    stored = await load(runtime, flow.wf.id)
    assert stored.runtime_parameters["trace"] == ["a"]
    assert stored.update_count == 1


async def test_created_twice_then_submitted_twice_starts_the_workflow_once(
    port: Port, runtime: WorkflowRuntime
) -> None:
    # 0.2.6's scale-out: create_instance(repartition=True) sends the NOT_STARTED copy, then
    # submit(repartition=True) the SUBMITTED one; at-least-once delivery may repeat either.
    # The clock moves between arrivals, so ``lastupdated`` tells which one was stored last.
    flow = Flow()
    flow.process("p", make(Step, "a"))
    created = flow.wf

    await operations.store_and_create(runtime, copy(created))
    port.clock.advance(1)
    await operations.store_and_create(runtime, copy(created))
    stored = await load(runtime, created.id)
    assert (stored.status.code, stored.lastupdated) == ("NOT_STARTED", T0)

    port.clock.advance(1)
    await operations.store_and_create(runtime, copy(created, "SUBMITTED"))
    port.clock.advance(1)
    await operations.store_and_create(runtime, copy(created, "SUBMITTED"))

    stored = await load(runtime, created.id)
    assert (stored.status.code, stored.lastupdated) == ("COMPLETED", T0 + 2)
    assert stored.runtime_parameters["trace"] == ["a"]


async def test_a_forwarded_running_copy_is_stored_only_when_newer(
    runtime: WorkflowRuntime,
) -> None:
    flow, _ = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())
    running = await load(runtime, flow.wf.id)

    stale = copy(running)
    stale.runtime_parameters["seen"] = "stale"
    await operations.store_and_create(runtime, stale)
    assert "seen" not in (await load(runtime, flow.wf.id)).runtime_parameters

    newer = copy(running)
    newer.runtime_parameters["seen"] = "newer"
    newer.update_count += 1
    await operations.store_and_create(runtime, newer)
    assert (await load(runtime, flow.wf.id)).runtime_parameters["seen"] == "newer"


async def test_submit_with_repartition_sends_it_and_its_owner_creates_it(
    port: Port, runtime: WorkflowRuntime
) -> None:
    flow = Flow(order_id="o-7")
    flow.process("p", make(Step, "a"))

    await operations.submit(runtime, flow.wf)

    assert await runtime.load_workflow(flow.wf.id) is None
    [(key, sent)] = port.sent
    assert (key, sent.id, sent.status.code) == ("o-7", flow.wf.id, "SUBMITTED")

    await operations.store_and_create(runtime, sent)  # the owning worker receives it
    assert (await load(runtime, flow.wf.id)).runtime_parameters["trace"] == ["a"]


# -- deletion on completion ------------------------------------------------------------------


async def test_with_delete_on_complete_a_finished_workflow_leaves_nothing_behind(
    make_port: Callable[..., Port],
) -> None:
    port = make_port(delete_workflow_on_complete=True)
    runtime = port.runtime
    set_runtime(runtime)
    try:
        flow = Flow(order_id="o-1")
        due = make(Due, "due", time_to_execute=T0 + 60)
        flow.process("p", due, make(OrderListener, "wait", topic="ready"))
        flow.process("p2", make(Step, "x"))
        await operations.store_and_create(runtime, flow.submitted())
        port.clock.advance(60)
        assert await port.fire_due() == 1
        assert await runtime.lookup_listeners("o-1", "ready") != []
        running = await load(runtime, flow.wf.id)

        assert await deliver(runtime, "ready", {"order_id": "o-1"}) == 1

        assert await runtime.load_workflow(flow.wf.id) is None
        assert await runtime.lookup_listeners("o-1", "ready") == []
        assert port.triggers() == {}
        # A late write of the ended workflow does not bring it back.
        running.status = TaskStatus(code="COMPLETED", value="COMPLETED")
        await runtime.save_workflow(running)
        assert await runtime.load_workflow(flow.wf.id) is None
    finally:
        set_runtime(None)


async def test_with_delete_on_complete_a_stopped_workflow_is_deleted_with_its_trigger(
    make_port: Callable[..., Port],
) -> None:
    port = make_port(delete_workflow_on_complete=True)
    runtime = port.runtime
    set_runtime(runtime)
    try:
        flow = Flow(order_id="o-1")
        due = make(Due, "due", time_to_execute=T0 + 60)
        flow.process("p", make(OrderListener, "wait", topic="ready"), due)
        await operations.store_and_create(runtime, flow.submitted())
        assert len(port.triggers()) == 1
        workflow = await load(runtime, flow.wf.id)

        await workflow.stop(workflow.runtime_parameters)

        assert await runtime.load_workflow(flow.wf.id) is None
        assert await runtime.lookup_listeners("o-1", "ready") == []
        assert port.triggers() == {}
    finally:
        set_runtime(None)
