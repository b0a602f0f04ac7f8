"""0.2.6's ``Dagger`` methods that task and template code still calls (REFERENCE.md §1.1, §2.6).

Each is asserted on what it leaves behind: the stored workflow (``get_instance``), its
triggers (``IStore.get_trigger``) and the correlation index (the runtime's lookup).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from dagger.engine import operations
from dagger.service.services import Dagger
from dagger.tasks.task import CorreletableKeyTasks, CorreletableLookUpKey, Trigger
from tests.unit.tasks.flows import Due, Flow, OrderListener, Step, make, status


async def stored(engine: Dagger, workflow_id: Any) -> Any:
    found = await engine.get_instance(workflow_id, log=False)
    assert found is not None, f"workflow {workflow_id} is not stored"
    return found


async def indexed(engine: Dagger, value: str, topic: str = "ready") -> list[tuple[Any, Any]]:
    return await engine.runtime.lookup_listeners(value, topic)


async def waiting(engine: Dagger, order_id: str = "o-1") -> tuple[Any, Any, Any]:
    """A started workflow waiting on a listener, with a trigger task not reached yet."""
    flow = Flow(order_id=order_id)
    listen = make(OrderListener, "listen", topic="ready")
    due = make(Due, "due", time_to_execute=time.time() + 3600)
    flow.process("p", listen, due)
    await engine._store_and_create_task(flow.submitted())
    return await stored(engine, flow.wf.id), listen, due


# -- persistence -----------------------------------------------------------------------------


async def test_store_and_create_task_starts_a_submitted_workflow_and_stores_it(
    engine: Dagger,
) -> None:
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"), make(Step, "b"))

    await engine._store_and_create_task(flow.submitted())

    done = await stored(engine, flow.wf.id)
    assert done.status.code == "COMPLETED"
    assert done.runtime_parameters["trace"] == ["a", "b"]


async def test_store_and_create_task_waits_for_a_step_holding_the_workflow(
    engine: Dagger,
) -> None:
    from dagger.runtime._locks import LockedSession

    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))
    step_ends = asyncio.Event()

    async def a_step_on_the_workflow() -> None:
        async with LockedSession(engine.runtime, engine.locks) as session:
            await session.hold(flow.wf.id)
            await step_ends.wait()

    step = asyncio.create_task(a_step_on_the_workflow())
    await asyncio.sleep(0)  # the step takes the lock
    started = asyncio.create_task(engine._store_and_create_task(flow.submitted()))
    for _ in range(10):  # turns of the loop: the start must not get past the lock
        await asyncio.sleep(0)
    assert not started.done()
    assert await engine.get_instance(flow.wf.id, log=False) is None

    step_ends.set()
    await step
    await started
    assert (await stored(engine, flow.wf.id)).status.code == "COMPLETED"


async def test_store_and_create_task_stores_a_workflow_not_submitted_without_starting_it(
    engine: Dagger,
) -> None:
    flow = Flow(order_id="o-1")
    first = make(Step, "a")
    flow.process("p", first)

    await engine._store_and_create_task(flow.wf)

    kept = await stored(engine, flow.wf.id)
    assert (kept.status.code, status(kept, first)) == ("NOT_STARTED", "NOT_STARTED")
    assert "trace" not in kept.runtime_parameters


async def test_store_and_create_task_ignores_anything_but_a_workflow(engine: Dagger) -> None:
    task = make(Step, "alone")

    await engine._store_and_create_task(task)

    assert task.status.code == "NOT_STARTED"
    assert await engine.get_instance(task.id, log=False) is None


async def test_update_instance_saves_the_workflow_and_moves_its_index_entries(
    engine: Dagger,
) -> None:
    workflow, listen, _ = await waiting(engine, "o-1")
    workflow.runtime_parameters["order_id"] = "o-2"

    await engine._update_instance(workflow)

    again = await stored(engine, workflow.id)
    assert again.runtime_parameters["order_id"] == "o-2"
    assert again.update_count == 2
    assert await indexed(engine, "o-1") == []
    assert await indexed(engine, "o-2") == [(workflow.id, listen.id)]


async def test_store_root_template_instance_saves_a_workflow(engine: Dagger) -> None:
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))

    await engine._store_root_template_instance(flow.wf)

    assert (await stored(engine, flow.wf.id)).update_count == 1
    flow.wf.runtime_parameters["note"] = "again"
    await engine._store_root_template_instance(flow.wf)
    again = await stored(engine, flow.wf.id)
    assert (again.update_count, again.runtime_parameters["note"]) == (2, "again")


async def test_remove_root_template_instance_deletes_the_workflow_triggers_and_index(
    engine: Dagger,
) -> None:
    workflow, listen, due = await waiting(engine)
    other, other_listen, _ = await waiting(engine)
    assert await engine._store.get_trigger((workflow.id, due.id)) is not None

    await engine._remove_root_template_instance(workflow)

    assert await engine.get_instance(workflow.id, log=False) is None
    assert await engine._store.get_trigger((workflow.id, due.id)) is None
    assert await indexed(engine, "o-1") == [(other.id, other_listen.id)]
    assert (await stored(engine, other.id)).status.code == "EXECUTING"


async def test_store_trigger_instance_stores_the_trigger_of_a_timer_task(engine: Dagger) -> None:
    flow = Flow(order_id="o-1")
    due = make(Due, "due", time_to_execute=1234)
    flow.process("p", due)
    await engine._store_root_template_instance(flow.wf)

    await engine._store_trigger_instance(due, flow.wf)

    trigger = await engine._store.get_trigger((flow.wf.id, due.id))
    assert trigger is not None
    assert (trigger.trigger_time, trigger.id, trigger.workflow_id) == (1234, due.id, flow.wf.id)


async def test_the_timed_store_read_and_write_load_and_save(engine: Dagger) -> None:
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))

    await engine._invoke_store_insert_key_value_with_timer(str(flow.wf.id), flow.wf)

    loaded = await engine._invoke_store_get_value_for_key_with_timer(str(flow.wf.id))
    assert (loaded.id, loaded.update_count) == (flow.wf.id, 1)
    assert loaded is not flow.wf
    assert await engine._invoke_store_get_value_for_key_with_timer(str(uuid.uuid4())) is None


async def test_the_system_timer_tick_fires_due_triggers_nothing_had_queued(
    engine: Dagger,
) -> None:
    workflow, listen, due = await waiting(engine)
    await operations.dispatch_listener_message(
        engine.runtime, "ready", [OrderListener], {"order_id": "o-1"}
    )
    # Its time has come, and its trigger is in the table but was never queued (as one
    # recovered from a changelog is): only the timer tick finds it.
    reached = await stored(engine, workflow.id)
    assert status(reached, due) == "EXECUTING"
    reached.get_task(due.id).time_to_execute = time.time() - 1
    await engine._update_instance(reached)
    key = f"{workflow.id}/{due.id}"
    engine._store.set_value(engine._store.triggers_table, key, Trigger(0, due.id, workflow.id))
    assert await engine.scheduler.fire_due() == 0
    assert status(await stored(engine, workflow.id), due) == "EXECUTING"

    await engine._process_system_timer_task()
    assert await engine.scheduler.fire_due() == 1

    done = await stored(engine, workflow.id)
    assert (status(done, due), done.status.code) == ("COMPLETED", "COMPLETED")
    assert done.runtime_parameters["trace"] == ["listen", "due"]
    assert await engine._store.get_trigger((workflow.id, due.id)) is None


class FakeStream:
    """What an agent reads: the values (bootstrap) or the events (tasks topic) of messages."""

    def __init__(self, *values: bytes) -> None:
        self.values = list(values)

    async def _iterate(self, items: list[Any]) -> AsyncIterator[Any]:
        for item in items:
            yield item

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate(self.values)

    def events(self) -> AsyncIterator[Any]:
        messages = [FakeMessage(value, offset) for offset, value in enumerate(self.values)]
        return self._iterate([FakeEvent(message) for message in messages])


class FakeMessage:
    def __init__(self, value: bytes, offset: int) -> None:
        self.value, self.key = value, None
        self.headers: list[tuple[str, bytes]] = []
        self.topic, self.partition, self.offset = "dagger_task_topic", 0, offset


class FakeEvent:
    def __init__(self, message: FakeMessage) -> None:
        self.message = message


async def test_the_tasks_topic_agent_body_stores_and_starts_each_workflow(engine: Dagger) -> None:
    flows = [Flow(order_id=f"o-{n}") for n in range(2)]
    for flow in flows:
        flow.process("p", make(Step, "a"))

    await engine._process_tasks_create_event(FakeStream(*(f.submitted().dumps() for f in flows)))

    for flow in flows:
        assert (await stored(engine, flow.wf.id)).runtime_parameters["trace"] == ["a"]


class RecordingTopic:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send(self, *, value: bytes, **kwargs: Any) -> None:
        self.sent.append(value)


async def test_submit_task_on_bootstrap_topic_sends_the_encoded_task(
    engine: Dagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = RecordingTopic()
    monkeypatch.setattr(engine, "bootstrap_topic", topic)
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))

    await engine._submit_task_on_bootstrap_topic(flow.wf)

    assert topic.sent == [flow.wf.dumps()]
    assert await engine.get_instance(flow.wf.id, log=False) is None


async def test_bootstrap_messages_are_drained_and_start_nothing(
    engine: Dagger, caplog: pytest.LogCaptureFixture
) -> None:
    # 0.2.6 called task.start() on each, a TypeError for every task type; nothing produces
    # to the topic, so its messages are only logged.
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))

    with caplog.at_level(logging.INFO, logger="dagger.service"):
        await engine._process_bootstrap_tasks(FakeStream(flow.submitted().dumps(), b"junk"))

    assert await engine.get_instance(flow.wf.id, log=False) is None
    assert sum("bootstrap" in r.getMessage() for r in caplog.records) == 2


# -- correlation -----------------------------------------------------------------------------


async def test_insert_correletable_key_task_indexes_a_listener_under_its_value(
    engine: Dagger,
) -> None:
    flow = Flow(order_id="o-1")
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", listen)
    await engine._store_root_template_instance(flow.wf)

    await engine._insert_correletable_key_task(listen, flow.wf)

    assert await indexed(engine, "o-1") == [(flow.wf.id, listen.id)]


async def test_update_correletable_key_for_task_moves_the_entry_to_the_new_key(
    engine: Dagger,
) -> None:
    workflow, listen, _ = await waiting(engine, "o-1")
    task = workflow.get_task(listen.id)

    await engine.update_correletable_key_for_task(task, "o-9", workflow_instance=workflow)

    assert workflow.runtime_parameters["order_id"] == "o-9"
    assert await indexed(engine, "o-1") == []
    assert await indexed(engine, "o-9") == [(workflow.id, listen.id)]


async def test_update_correletable_key_for_task_without_a_workflow_does_nothing(
    engine: Dagger,
) -> None:
    workflow, listen, _ = await waiting(engine, "o-1")

    await engine.update_correletable_key_for_task(workflow.get_task(listen.id), "o-9")

    assert await indexed(engine, "o-1") == [(workflow.id, listen.id)]
    assert await indexed(engine, "o-9") == []


async def test_remove_task_from_correletable_keys_table_removes_the_entry(engine: Dagger) -> None:
    workflow, listen, _ = await waiting(engine, "o-1")
    other, other_listen, _ = await waiting(engine, "o-1")

    await engine.remove_task_from_correletable_keys_table(workflow.get_task(listen.id), workflow)

    assert await indexed(engine, "o-1") == [(other.id, other_listen.id)]


async def test_chunk_and_store_correlatable_tasks_indexes_the_task_under_the_value(
    engine: Dagger,
) -> None:
    workflow, listen, _ = await waiting(engine, "o-1")

    await engine.chunk_and_store_correlatable_tasks(
        workflow.get_task(listen.id), "x-5", workflow.id
    )

    assert await indexed(engine, "x-5") == [(workflow.id, listen.id)]
    assert await indexed(engine, "o-1") == [(workflow.id, listen.id)]


async def test_persist_tasks_ids_for_correletable_keys_writes_the_chunks(engine: Dagger) -> None:
    entry = CorreletableLookUpKey(uuid.uuid4(), uuid.uuid4())
    chunk = CorreletableKeyTasks({entry}, None, "o-1_ready")

    await engine.persist_tasks_ids_for_correletable_keys(["o-1"], [chunk, "not a chunk"])

    table = engine._store.correletable_keys_table
    written = await engine._store.get_table_value(table, "o-1_ready")
    assert isinstance(written, CorreletableKeyTasks)
    assert written.lookup_keys == {entry}


async def test_get_tasks_by_correlatable_key_yields_stored_pairs_ended_ones_on_request(
    engine: Dagger,
) -> None:
    flow = Flow(order_id="o-1")
    listen = make(OrderListener, "listen", topic="ready", reprocess_on_message=True)
    flow.process("p", listen)
    await engine._store_and_create_task(flow.submitted())
    await operations.dispatch_listener_message(
        engine.runtime, "ready", [OrderListener], {"order_id": "o-1"}
    )
    ended = await stored(engine, flow.wf.id)
    assert ended.status.code == "COMPLETED"
    running, running_listener, _ = await waiting(engine, "o-1")
    # Entries 0.2.6 left behind (it never removed any): one for the ended workflow, one
    # for a workflow that is gone.
    await engine.chunk_and_store_correlatable_tasks(ended.get_task(listen.id), "o-1", ended.id)
    await engine.runtime.index_listener("o-1", "ready", uuid.uuid4(), uuid.uuid4())

    pairs = engine._get_tasks_by_correlatable_key(("o-1", "ready"))
    assert [(w.id, t.id) async for w, t in pairs] == [(running.id, running_listener.id)]

    pairs = engine._get_tasks_by_correlatable_key(("o-1", "ready"), get_completed=True)
    found = sorted([(w.id, t.id, t.status.code) async for w, t in pairs])
    assert found == sorted(
        [(running.id, running_listener.id, "EXECUTING"), (ended.id, listen.id, "COMPLETED")]
    )
