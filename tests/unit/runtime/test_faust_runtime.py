"""The engine runtime over in-memory partitioned tables (no broker): homes, index, timers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from dagger.engine import operations
from dagger.runtime import FaustRuntime, TriggerScheduler, home_partition, partition_for
from dagger.store._index import CorrelationIndex
from dagger.store._tables import MemoryTable
from dagger.tasks.task import DefaultTemplateDAGInstance, Trigger
from dagger.testing import FakeClock
from tests.support.waiting import async_wait_until


def _runtime(owned: set[int] | None = None, partitions: int = 4) -> tuple[FaustRuntime, list[Any]]:
    forwarded: list[Any] = []

    async def forward(key: Any, workflow: Any) -> None:
        forwarded.append((key, workflow))

    def owns() -> set[int] | None:
        return owned

    tables = [MemoryTable(n, owns) for n in ("kv", "triggers", "index")]
    runtime = FaustRuntime(
        kv=tables[0],
        triggers=tables[1],
        correlation=tables[2],
        partitions=partitions,
        owned=owns,
        forward=forward,
    )
    return runtime, forwarded


def _workflow(order: str) -> DefaultTemplateDAGInstance:
    return DefaultTemplateDAGInstance(
        id=uuid.uuid4(), partition_key_lookup="order_id", runtime_parameters={"order_id": order}
    )


def test_partition_for_matches_kafkas_default_partitioner() -> None:
    # Values from Kafka's murmur2-based DefaultPartitioner (positive hash mod n).
    assert partition_for("a", 1) == 0
    assert {partition_for(f"k{i}", 4) for i in range(50)} == {0, 1, 2, 3}
    assert partition_for("k1", 4) == partition_for(b"k1", 4)


async def test_new_workflow_lives_in_its_keys_partition_with_its_buffered_entries() -> None:
    runtime, _ = _runtime(owned={0, 1, 2, 3})
    workflow = _workflow("order-7")
    task_id = uuid.uuid4()
    await runtime.index_listener("order-7", "topic", workflow.id, task_id)
    await runtime.save_trigger(Trigger(123.0, task_id, workflow.id))
    assert not runtime.kv.owned_partitions() or runtime.kv.find(str(workflow.id)) is None
    await runtime.save_workflow(workflow)
    home = partition_for("order-7", 4)
    assert runtime.kv.find(str(workflow.id)) == (home, workflow.dumps())
    assert runtime.load_trigger(str(workflow.id), str(task_id), home) is not None
    assert await runtime.lookup_listeners("order-7", "topic") == [(workflow.id, task_id)]
    assert workflow.update_count == 1


async def test_message_partition_overrides_the_key_and_foreign_homes_are_forwarded() -> None:
    runtime, forwarded = _runtime(owned={2})
    workflow = _workflow("x")
    token = home_partition.set(2)
    try:
        await runtime.save_workflow(workflow)
    finally:
        home_partition.reset(token)
    assert runtime.home_of(workflow.id) == 2
    other = _workflow(next(f"k{i}" for i in range(100) if partition_for(f"k{i}", 4) != 2))
    await runtime.index_listener("v", "t", other.id, uuid.uuid4())
    await runtime.save_workflow(other)
    assert [w.id for _, w in forwarded] == [other.id]
    assert runtime.kv.find(str(other.id)) is None
    assert await runtime.lookup_listeners("v", "t") == []


async def test_delete_removes_record_triggers_and_index() -> None:
    runtime, _ = _runtime(owned={0, 1, 2, 3})
    workflow = _workflow("d")
    await runtime.save_workflow(workflow)
    task_id = uuid.uuid4()
    await runtime.save_trigger(Trigger(5.0, task_id, workflow.id))
    await operations.register_waiting_tasks(runtime, workflow)
    await runtime.delete_workflow(workflow)
    assert await runtime.load_workflow(workflow.id) is None
    assert runtime.stored_triggers() == []


def test_index_chunks_overflow_and_shrink() -> None:
    table = MemoryTable("c", lambda: {0})
    index = CorrelationIndex(table, chunk_size=2)
    entries = [(uuid.uuid4(), uuid.uuid4()) for _ in range(5)]
    for w, t in entries:
        index.add("v", "top", w, t, 0)
    assert len(table.data[0]) == 3 and len(index.lookup("v", "top")) == 5
    for w, t in entries:
        assert index.remove("v", "top", w, t, 0)
    assert table.data[0] == {}


async def test_scheduler_fires_due_triggers_in_due_order_on_its_clock() -> None:
    fired: list[str] = []
    clock = FakeClock(1_000.0)

    async def fire(partition: int, workflow_id: str, task_id: str, due: float) -> None:
        fired.append(task_id)

    scheduler = TriggerScheduler(fire, clock=clock)
    scheduler.push(0, "w", "late", 1_200.0)
    scheduler.push(0, "w", "early", 1_050.0)
    scheduler.push(0, "w", "gone", 1_060.0)
    scheduler.discard("w", "gone")

    assert await scheduler.fire_due() == 0
    clock.advance(60)
    assert await scheduler.fire_due() == 1
    assert fired == ["early"]
    clock.advance(140)
    assert await scheduler.fire_due() == 1
    assert fired == ["early", "late"]
    assert scheduler.max_lateness == 10.0  # "early" was fired at 1060
    assert len(scheduler) == 0


async def test_a_sleeping_scheduler_wakes_for_an_earlier_trigger() -> None:
    fired: list[str] = []
    clock = FakeClock(1_000.0)

    async def fire(partition: int, workflow_id: str, task_id: str, due: float) -> None:
        fired.append(task_id)

    scheduler = TriggerScheduler(fire, clock=clock)
    scheduler.push(0, "w", "late", 1_000.0 + 3_600)
    runner = asyncio.create_task(scheduler.run(max_sleep=3_600))
    try:
        # One turn of the event loop: the loop finds nothing due and waits for "late" (an
        # hour away); only the push of a due trigger can wake it in time.
        await asyncio.sleep(0)
        assert fired == [] and not runner.done()
        scheduler.push(0, "w", "now", 1_000.0)
        await async_wait_until(lambda: fired, timeout=5, message="the scheduler never woke")
    finally:
        runner.cancel()
    assert fired == ["now"]


async def test_a_replayed_creation_waits_for_a_step_on_the_same_workflow() -> None:
    # A user's agent handles a start message again (at-least-once) while a listener step on
    # the same workflow is awaiting its update's send, between removing the listener's
    # index entry and writing the COMPLETED record. Run then, the replay would see the
    # workflow still waiting and index its listener again, for good.
    from dagger.engine._dispatch import deliver_listener_message
    from dagger.runtime._locks import LockedSession
    from dagger.tasks.task import ITemplateDAGInstance
    from tests.unit.tasks.flows import Flow, OrderListener, make

    sending, gate = asyncio.Event(), asyncio.Event()
    gate.set()

    async def publish(key: Any, body: bytes) -> None:
        sending.set()
        await gate.wait()

    runtime, _ = _runtime(owned={0, 1, 2, 3})
    runtime._publish = publish
    flow = Flow(order_id="o-9")
    flow.process("p", make(OrderListener, "wait", topic="ready"))
    replay = ITemplateDAGInstance.loads(flow.wf.dumps())
    await operations.start_created(runtime, flow.wf, repartition=False, submit=True)
    assert len(await runtime.lookup_listeners("o-9", "ready")) == 1

    gate.clear()
    sending.clear()

    async def listener_step() -> int:
        async with LockedSession(runtime, runtime.locks) as session:
            delivery = await deliver_listener_message(
                session, "ready", [OrderListener], {"order_id": "o-9"}
            )
            return delivery.processed

    step = asyncio.create_task(listener_step())
    await asyncio.wait_for(sending.wait(), timeout=2)  # suspended inside its save

    async def replayed_start() -> None:
        await operations.start_created(runtime, replay, repartition=False, submit=True)

    replayed = asyncio.create_task(replayed_start())
    for _ in range(10):  # turns of the loop: the replay must not get past the lock
        await asyncio.sleep(0)
    assert not replayed.done()

    gate.set()
    assert await step == 1
    await replayed
    assert await runtime.lookup_listeners("o-9", "ready") == []
    stored = await runtime.load_workflow(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"


async def test_a_start_from_inside_a_step_does_not_wait_for_a_lock() -> None:
    # User code in a step on workflow A starts workflow B here (``engine.submit(b,
    # repartition=False)``). The step's task holds A's lock; with one stripe B's lock is the
    # same one, so waiting for it would wait forever. A task holding a lock takes no other.
    from dagger.runtime._locks import LockedSession, StripedLocks
    from tests.unit.tasks.flows import Flow, Step, make

    runtime, _ = _runtime(owned={0, 1, 2, 3})
    runtime.locks = StripedLocks(size=1)
    a, b = Flow(order_id="o-a"), Flow(order_id="o-b")
    a.process("p", make(Step, "a"))
    b.process("p", make(Step, "b"))
    await operations.start_created(runtime, a.wf, repartition=False, submit=True)

    async def step_on_a_that_starts_b() -> None:
        async with LockedSession(runtime, runtime.locks) as session:
            await session.load_workflow(a.wf.id)  # holds A's lock, as a step does
            assert runtime.locks.held_by_this_task()
            await operations.start_created(runtime, b.wf, repartition=False, submit=True)
        assert not runtime.locks.held_by_this_task()

    await asyncio.wait_for(step_on_a_that_starts_b(), timeout=5)
    started = await runtime.load_workflow(b.wf.id)
    assert started is not None and started.status.code == "COMPLETED"
