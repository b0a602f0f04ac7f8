"""0.2.6's ``IStore`` methods on the engine's store (REFERENCE.md §1.8, §2.7, §2.8).

Asserted on what they leave behind: the stored workflow, the triggers and the raw tables,
read back through 0.2.6's own names (``get_value_for_key``, ``get_trigger``, ...).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from dagger.service.services import Dagger
from dagger.tasks.task import SystemTimerTask, Trigger
from tests.unit.tasks.flows import Due, Flow, OrderListener, Step, make


def workflow(order_id: str = "o-1") -> Any:
    flow = Flow(order_id=order_id)
    flow.process("p", make(Step, "a"))
    return flow.wf


async def trigger_time(engine: Dagger, workflow_id: Any, task_id: Any) -> Any:
    trigger = await engine._store.get_trigger((workflow_id, task_id))
    assert trigger is not None, f"no trigger for task {task_id}"
    return trigger.trigger_time


async def test_insert_get_and_remove_key_value(engine: Dagger) -> None:
    store = engine._store
    wf = workflow()

    await store.insert_key_value(str(wf.id), wf)

    loaded = await store.get_value_for_key(str(wf.id))
    assert loaded is not None
    assert (loaded.id, loaded.update_count) == (wf.id, 1)
    await store.remove_key_value(str(wf.id))
    assert await store.get_value_for_key(str(wf.id)) is None
    await store.remove_key_value(str(uuid.uuid4()))  # unknown: a no-op


async def test_remove_key_value_also_removes_triggers_and_index_entries(engine: Dagger) -> None:
    store = engine._store
    flow = Flow(order_id="o-1")
    due = make(Due, "due", time_to_execute=time.time() + 3600)
    flow.process("p", make(OrderListener, "wait", topic="ready"), due)
    await engine._store_and_create_task(flow.submitted())
    assert await store.get_trigger((flow.wf.id, due.id)) is not None

    await store.remove_key_value(str(flow.wf.id))

    assert await store.get_value_for_key(str(flow.wf.id)) is None
    assert await store.get_trigger((flow.wf.id, due.id)) is None
    assert await engine.runtime.lookup_listeners("o-1", "ready") == []


async def test_raw_table_values_round_trip_as_records_or_bytes(engine: Dagger) -> None:
    store = engine._store
    table = store.triggers_table
    trigger = Trigger(42, uuid.uuid4(), uuid.uuid4())

    await store.set_table_value(table, "a-key", trigger)
    store.set_value(table, "raw", b"not a record")

    read = await store.get_table_value(table, "a-key")
    assert isinstance(read, Trigger)
    assert (read.trigger_time, read.id, read.workflow_id) == (42, trigger.id, trigger.workflow_id)
    assert store.get_value(table, "raw") == b"not a record"

    await store.del_table_value(table, "a-key")
    store.del_value(table, "raw")
    assert await store.get_table_value(table, "a-key") is None
    assert store.get_value(table, "raw") is None


async def test_trigger_rows_are_created_from_timer_tasks_overwritten_and_removed(
    engine: Dagger,
) -> None:
    store = engine._store
    wf = workflow()
    await store.insert_key_value(str(wf.id), wf)
    due = make(Due, "due", time_to_execute=100)

    built = store._create_trigger_instance_from_trigger_task(due, wf)
    assert (built.trigger_time, built.id, built.workflow_id) == (100, due.id, wf.id)

    await store.store_trigger_instance(due, wf)
    assert await trigger_time(engine, wf.id, due.id) == 100
    await store.insert_trigger(Trigger(200, due.id, wf.id))  # same key: overwrites
    assert await trigger_time(engine, wf.id, due.id) == 200

    await store.remove_trigger(Trigger(200, due.id, wf.id))
    assert await store.get_trigger((wf.id, due.id)) is None

    await store.insert_trigger(Trigger(300, due.id, wf.id))
    await store.remove_trigger((wf.id, due.id))
    assert await store.get_trigger((wf.id, due.id)) is None

    await store.insert_trigger(Trigger(400, due.id, wf.id))
    await store.process_trigger_task_complete(due, wf)
    assert await store.get_trigger((wf.id, due.id)) is None


async def test_valid_triggers_are_the_due_ones_earliest_first(engine: Dagger) -> None:
    store = engine._store
    wf = workflow()
    await store.insert_key_value(str(wf.id), wf)
    now = time.time()
    late, early, future = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await store.insert_trigger(Trigger(now - 10, late, wf.id))
    await store.insert_trigger(Trigger(now - 60, early, wf.id))
    await store.insert_trigger(Trigger(now + 3600, future, wf.id))

    valid = await store.get_valid_triggers()

    assert [t.id for t in valid] == [early, late]


async def due_trigger_nobody_queued(engine: Dagger) -> Any:
    """A reached trigger task whose time has passed; its trigger was never queued."""
    flow = Flow(order_id="o-1")
    due = make(Due, "due", time_to_execute=time.time() + 3600)
    flow.process("p", due)
    await engine._store_and_create_task(flow.submitted())
    reached = await engine.get_instance(flow.wf.id, log=False)
    reached.get_task(due.id).time_to_execute = time.time() - 1
    await engine._update_instance(reached)
    key = f"{flow.wf.id}/{due.id}"
    engine._store.set_value(engine._store.triggers_table, key, Trigger(0, due.id, flow.wf.id))
    assert await engine.scheduler.fire_due() == 0
    return flow.wf.id


async def test_execute_system_timer_task_fires_the_due_triggers(engine: Dagger) -> None:
    workflow_id = await due_trigger_nobody_queued(engine)

    await engine._store.execute_system_timer_task()
    await engine.scheduler.fire_due()

    done = await engine.get_instance(workflow_id, log=False)
    assert done.status.code == "COMPLETED"
    assert done.runtime_parameters["trace"] == ["due"]


async def test_process_system_timer_task_runs_the_tick(engine: Dagger) -> None:
    workflow_id = await due_trigger_nobody_queued(engine)
    tick = SystemTimerTask(id=uuid.uuid4())

    await engine._store.process_system_timer_task(tick)
    await engine.scheduler.fire_due()

    done = await engine.get_instance(workflow_id, log=False)
    assert done.status.code == "COMPLETED"


def test_the_in_memory_store_has_no_database_options(engine: Dagger) -> None:
    engine._store.initialize()  # a hook; the tables already exist

    assert engine._store.get_db_options() == {}
    assert engine.get_db_options() == {}
