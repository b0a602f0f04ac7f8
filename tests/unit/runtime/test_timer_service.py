"""The timer service follows faust's partition assignment through the app's signals.

The app here is a stand-in with mode's real ``Signal`` objects (faust's own signal type), a
table recovery whose ``completed`` event the test sets, and a consumer assignment: what the
service reads of a faust app. The runtime is the engine's, over in-memory tables.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from mode import Signal

from dagger.core.records import Trigger
from dagger.runtime import FaustRuntime
from dagger.runtime._context import TimerContext
from dagger.runtime._locks import StripedLocks
from dagger.runtime._runtime import trigger_key
from dagger.runtime._timer_service import TimerService
from dagger.store._tables import MemoryTable
from tests.support.waiting import async_wait_until

LOG = "dagger.worker"


class FakeFaustApp:
    """What the timer service uses of a faust app, driven by the test."""

    def __init__(self) -> None:
        self.on_partitions_revoked: Any = Signal().with_default_sender(self)
        self.on_partitions_assigned: Any = Signal().with_default_sender(self)
        self.on_rebalance_complete: Any = Signal().with_default_sender(self)
        self.tables = SimpleNamespace(recovery=SimpleNamespace(completed=asyncio.Event()))
        self.assignment: set[Any] = set()
        self.consumer = SimpleNamespace(assignment=lambda: self.assignment)

    async def rebalance(self, owned: set[int], partitions: set[int]) -> None:
        """Revoke, then assign ``partitions`` (the service's owned set becomes them)."""
        await self.on_partitions_revoked.send(set())
        owned.clear()
        owned.update(partitions)
        self.assignment = {("tasks", p) for p in partitions}
        await self.on_partitions_assigned.send(set(self.assignment))


async def stays_false(predicate: Any, seconds: float = 0.3) -> bool:
    """Whether ``predicate`` stays false for ``seconds`` (polled; for what must not happen)."""
    try:
        await async_wait_until(predicate, timeout=seconds, interval=0.01)
    except AssertionError:
        return True
    return False


class Harness(SimpleNamespace):
    app: FakeFaustApp
    owned: set[int]
    runtime: FaustRuntime
    timers: TimerService
    fires: list[bool]


async def _never_forward(key: Any, workflow: Any) -> None:
    raise AssertionError("nothing is forwarded here")


def store_trigger(runtime: FaustRuntime, partition: int, due: float) -> str:
    """Write a trigger straight into the triggers table (as a recovered changelog would)."""
    workflow_id, task_id = uuid.uuid4(), uuid.uuid4()
    trigger = Trigger(trigger_time=due, id=task_id, workflow_id=workflow_id)
    runtime.triggers.put(trigger_key(workflow_id, task_id), trigger.dumps(), partition)
    return str(task_id)


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    """A started timer service over a fake app; stopped after the test."""
    app = FakeFaustApp()
    owned: set[int] = set()
    fires = [False]  # the leader check: nothing is fired unless a test says so
    tables = [MemoryTable(name, lambda: owned) for name in ("kv", "triggers", "index")]
    runtime = FaustRuntime(
        kv=tables[0],
        triggers=tables[1],
        correlation=tables[2],
        partitions=2,
        owned=lambda: owned,
        forward=_never_forward,
    )
    context = TimerContext(
        runtime=runtime,
        locks=StripedLocks(8),
        tasks_topic="tasks",
        owned=lambda: set(owned),
        trigger_interval=0.05,
        fires_here=lambda: fires[0],
    )
    timers = TimerService(app, context)
    runtime.watch_triggers(timers.scheduler.push, timers.scheduler.discard)
    await timers.start()
    try:
        yield Harness(app=app, owned=owned, runtime=runtime, timers=timers, fires=fires)
    finally:
        await timers.stop()


async def test_timers_load_once_the_assignment_is_recovered_and_say_what_is_owned(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    app, timers = harness.app, harness.timers
    store_trigger(harness.runtime, 0, due=4_000_000_000.0)
    store_trigger(harness.runtime, 1, due=4_000_000_000.0)

    with caplog.at_level(logging.INFO, logger=LOG):
        await app.rebalance(harness.owned, {0})
        assert not timers.synced and len(timers.scheduler) == 0
        await app.on_rebalance_complete.send()
        # Recovery has not completed yet: the tables may still be filling.
        assert await stays_false(lambda: timers.synced)
        app.tables.recovery.completed.set()
        await async_wait_until(lambda: timers.synced, timeout=5)

    assert len(timers.scheduler) == 1  # partition 1 is not this worker's
    lines = [r.getMessage() for r in caplog.records if r.name == LOG]
    assert lines == ["owning partitions [0] of tasks (before: none); 1 triggers scheduled"]


async def test_a_new_assignment_unsyncs_the_timers_until_it_is_recovered(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    app, timers = harness.app, harness.timers
    app.tables.recovery.completed.set()
    await app.rebalance(harness.owned, {0})
    await app.on_rebalance_complete.send()
    await async_wait_until(lambda: timers.synced, timeout=5)
    store_trigger(harness.runtime, 1, due=4_000_000_000.0)

    with caplog.at_level(logging.INFO, logger=LOG):
        await app.rebalance(harness.owned, {0, 1})
        assert not timers.synced
        await app.on_rebalance_complete.send()
        await async_wait_until(lambda: timers.synced, timeout=5)

    assert len(timers.scheduler) == 1
    lines = [r.getMessage() for r in caplog.records if r.name == LOG]
    assert lines == ["owning partitions [0, 1] of tasks (before: [0]); 1 triggers scheduled"]


async def test_a_completion_overtaken_by_a_newer_rebalance_is_not_acted_on(
    harness: Harness,
) -> None:
    app, timers = harness.app, harness.timers
    await app.rebalance(harness.owned, {0})
    await app.on_rebalance_complete.send()
    # A new rebalance starts before that recovery is over: its completion is stale.
    await app.rebalance(harness.owned, {1})
    app.tables.recovery.completed.set()
    assert await stays_false(lambda: timers.synced)

    await app.on_rebalance_complete.send()
    await async_wait_until(lambda: timers.synced, timeout=5)


async def test_no_assignment_means_not_in_sync(harness: Harness) -> None:
    app, timers = harness.app, harness.timers
    app.tables.recovery.completed.set()
    await app.rebalance(harness.owned, set())
    await app.on_rebalance_complete.send()
    assert await stays_false(lambda: timers.synced)
    assert timers.sync() is False


async def test_the_catch_up_pass_queues_due_triggers_and_fires_only_where_allowed(
    harness: Harness,
) -> None:
    app, timers, runtime = harness.app, harness.timers, harness.runtime
    app.tables.recovery.completed.set()
    await app.rebalance(harness.owned, {0})
    await app.on_rebalance_complete.send()
    await async_wait_until(lambda: timers.synced, timeout=5)
    # Stored behind the scheduler's back (it never heard of it): only catch-up finds it.
    task_id = store_trigger(runtime, 0, due=runtime.now() - 10)

    await async_wait_until(lambda: timers.scheduler.fired >= 1, timeout=5)
    # Not the leader of a global store: the trigger is left as it is.
    assert [str(t.id) for _, t in runtime.stored_triggers()] == [task_id]


async def test_stopping_the_service_leaves_the_worker_not_ready(harness: Harness) -> None:
    app, timers = harness.app, harness.timers
    app.tables.recovery.completed.set()
    await app.rebalance(harness.owned, {0})
    await app.on_rebalance_complete.send()
    await async_wait_until(lambda: timers.synced, timeout=5)

    await timers.stop()

    assert not timers.synced
