"""Engine use cases: registering, storing, submitting, and the in-memory runtime itself."""

from __future__ import annotations

import uuid

import pytest

from dagger.core.records import CorrelatableMapValue
from dagger.engine import operations
from dagger.exceptions.exceptions import TaskInvalidState
from dagger.tasks.task import TaskStatus, Trigger
from dagger.testing import FakeClock, InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import Due, Flow, OrderListener, Step, make, status


def waiting_flow() -> tuple[Flow, OrderListener, Due]:
    flow = Flow(order_id="o-1")
    listen = make(OrderListener, "listen", topic="ready")
    due = make(Due, "due", time_to_execute=int(START) + 50)
    flow.process("p", listen, due)
    return flow, listen, due


async def test_register_waiting_tasks_indexes_listeners_and_stores_triggers_idempotently(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, due = waiting_flow()
    flow.process("p2", make(OrderListener, "unkeyed", topic="x", correlatable_key="missing"))

    for _ in range(2):
        await operations.register_waiting_tasks(runtime, flow.wf)

    assert runtime.index == {("o-1", "ready"): [(flow.wf.id, listen.id)]}
    assert list(runtime.triggers.values()) == [Trigger(int(START) + 50, due.id, flow.wf.id)]
    entry = flow.wf.sensor_tasks_to_correletable_map[listen.id]
    assert entry.correlatable_key_attr_value == "o-1"
    assert runtime.saved == []  # registering writes no workflow


async def test_submit_here_starts_and_saves(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))

    await operations.submit(runtime, flow.wf, repartition=False)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"
    assert runtime.sent_for_creation == []


async def test_submit_with_repartition_sends_it_and_the_owner_creates_it(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, _ = waiting_flow()

    await operations.submit(runtime, flow.wf)

    assert flow.wf.status.code == "SUBMITTED"
    [(key, sent)] = runtime.sent_for_creation
    assert (key, sent) == ("o-1", flow.wf)
    assert runtime.workflows == {} and runtime.index == {}

    assert await runtime.run_creations() == 1
    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert status(stored, listen) == "EXECUTING"
    assert ("o-1", "ready") in runtime.index


async def test_submit_with_repartition_needs_the_partition_key(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    flow.process("p", make(Step, "a"))

    with pytest.raises(TaskInvalidState, match="'order_id'") as raised:
        await operations.submit(runtime, flow.wf)

    assert isinstance(raised.value, KeyError)
    assert flow.wf.status.code == "NOT_STARTED"


async def test_submitting_an_ended_workflow_raises(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))
    flow.wf.status = TaskStatus(code="STOPPED", value="STOPPED")

    with pytest.raises(TaskInvalidState, match="STOPPED"):
        await operations.submit(runtime, flow.wf, repartition=False)
    assert runtime.saved == []


async def test_the_in_memory_runtime_keeps_the_index_and_triggers_tidy() -> None:
    runtime = InMemoryRuntime(clock=FakeClock(100))
    wid, t1, t2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    await runtime.index_listener("k", "topic", wid, t1)
    await runtime.index_listener("k", "topic", wid, t1)
    await runtime.index_listener("k", "topic", wid, t2)
    assert await runtime.lookup_listeners("k", "topic") == [(wid, t1), (wid, t2)]
    await runtime.unindex_listener("k", "topic", wid, t1)
    await runtime.unindex_listener("k", "topic", wid, t2)
    await runtime.unindex_listener("k", "topic", wid, t2)
    assert runtime.index == {}

    await runtime.save_trigger(Trigger(150, t1, wid))
    await runtime.save_trigger(Trigger(90, t2, wid))
    assert runtime.due_triggers() == [Trigger(90, t2, wid)]
    runtime.clock.advance(60)
    assert [t.id for t in runtime.due_triggers()] == [t2, t1]
    await runtime.remove_trigger(wid, t2)
    assert [t.id for t in runtime.due_triggers(now=1_000)] == [t1]
    assert runtime.now() == 160


async def test_register_waiting_tasks_writes_entries_the_workflow_brought_along(
    runtime: InMemoryRuntime,
) -> None:
    # A workflow forwarded by another worker records the entry that worker made in its own
    # index; the worker that stores it must have the entry in its index too.
    flow, listen, _ = waiting_flow()
    flow.wf.sensor_tasks_to_correletable_map[listen.id] = CorrelatableMapValue("order_id", "o-1")

    await operations.register_waiting_tasks(runtime, flow.wf)

    assert runtime.index == {("o-1", "ready"): [(flow.wf.id, listen.id)]}


async def test_register_waiting_tasks_moves_an_entry_whose_key_value_changed(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, _ = waiting_flow()
    await operations.register_waiting_tasks(runtime, flow.wf)
    flow.wf.runtime_parameters["order_id"] = "o-2"

    await operations.register_waiting_tasks(runtime, flow.wf)

    assert runtime.index == {("o-2", "ready"): [(flow.wf.id, listen.id)]}
    entry = flow.wf.sensor_tasks_to_correletable_map[listen.id]
    assert entry.correlatable_key_attr_value == "o-2"


async def test_register_waiting_tasks_leaves_finished_tasks_out(runtime: InMemoryRuntime) -> None:
    flow, listen, due = waiting_flow()
    for task in (listen, due):
        task.status = TaskStatus(code="COMPLETED", value="COMPLETED")

    await operations.register_waiting_tasks(runtime, flow.wf)

    assert runtime.index == {} and runtime.triggers == {}


async def test_start_created_without_submit_stores_it_not_started_here(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, _ = waiting_flow()

    await operations.start_created(runtime, flow.wf, repartition=False)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "NOT_STARTED"
    assert status(stored, listen) == "NOT_STARTED"
    assert ("o-1", "ready") in runtime.index  # a NOT_STARTED listener may be skipped to
    assert runtime.sent_for_creation == []


async def test_start_created_with_submit_and_repartition_sends_it_submitted(
    runtime: InMemoryRuntime,
) -> None:
    flow, _, _ = waiting_flow()

    await operations.start_created(runtime, flow.wf, submit=True)

    [(key, sent)] = runtime.sent_for_creation
    assert key == "o-1" and sent.status.code == "SUBMITTED"
    assert runtime.workflows == {}


async def test_start_created_without_the_partition_key_changes_nothing(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    flow.process("p", make(Step, "a"))

    with pytest.raises(operations.MissingPartitionKeyError, match="'wf'.*'order_id'"):
        await operations.start_created(runtime, flow.wf, submit=True)

    assert flow.wf.status.code == "NOT_STARTED"
    assert runtime.sent_for_creation == [] and runtime.workflows == {}
