"""What the faust-side parts tell the runtime's observer: listener outcomes by topic, dead
letters by topic and reason kind, timer lateness, store save durations (no broker: in-memory
tables, a FakeClock); retries and dead letters as the Prometheus metrics count them."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from typing import Any

import pytest

from dagger.core.observe import (
    DEAD_LETTERED,
    FAILED,
    INVALID,
    MATCHED,
    UNDECODABLE,
    UNMATCHED,
    Observer,
)
from dagger.engine import operations
from dagger.runtime import FaustRuntime, TriggerScheduler
from dagger.runtime._agents import handle_listener_message, handle_task_message
from dagger.runtime._context import AgentContext
from dagger.runtime._locks import StripedLocks
from dagger.runtime._metrics import PrometheusMetrics
from dagger.store._tables import MemoryTable
from dagger.tasks.task import KafkaListenerTask, TaskLookupKey
from dagger.testing import FakeClock, InMemoryRuntime
from tests.support.offline_faust import offline_faust_app
from tests.unit.tasks.flows import Flow, Step, make
from tests.unit.tasks.test_retries import Flaky, start, with_policy


class Seen(Observer):
    def __init__(self) -> None:
        self.listener: list[tuple[str, str]] = []
        self.dead: list[tuple[str, str]] = []
        self.saves: list[float] = []

    def listener_message(self, topic: str, outcome: str) -> None:
        self.listener.append((topic, outcome))

    def message_dead_lettered(self, topic: str, reason_kind: str) -> None:
        self.dead.append((topic, reason_kind))

    def store_saved(self, seconds: float) -> None:
        self.saves.append(seconds)


class JsonListener(KafkaListenerTask[str, str]):
    """Reads ``{"order_id": ...}`` JSON bytes; completes on any message."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [("order_id", json.loads(payload)["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


def _runtime(seen: Observer, owned: set[int] | None = None) -> FaustRuntime:
    async def forward(key: Any, workflow: Any) -> None:
        return None

    tables = [MemoryTable(n, lambda: owned) for n in ("kv", "triggers", "index")]
    runtime = FaustRuntime(
        kv=tables[0],
        triggers=tables[1],
        correlation=tables[2],
        partitions=1,
        owned=lambda: owned,
        forward=forward,
    )
    runtime.observer = seen
    return runtime


class DeadLetters:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def reject(self, message: Any, reason: str, error: BaseException | None = None) -> None:
        self.reasons.append(reason)


def _context(runtime: FaustRuntime, dead: DeadLetters) -> AgentContext:
    """The agents' context over ``runtime``, with a ``ready`` topic read by JsonListener."""
    app = offline_faust_app("observed")
    return AgentContext(
        runtime=runtime,
        locks=StripedLocks(8),
        dead_letters=dead,  # type: ignore[arg-type]
        topics={},
        listeners={"ready": [JsonListener]},
        serializers=app.serializers,
    )


def message(value: bytes, topic: str = "ready") -> Any:
    """The parts of a faust message the agents read."""
    return SimpleNamespace(value=value, key=None, topic=topic, partition=0, offset=1, headers=[])


async def test_listener_messages_are_told_matched_unmatched_or_dead_lettered() -> None:
    seen = Seen()
    runtime = _runtime(seen)
    flow = Flow(order_id="o-1")
    flow.process("p", make(JsonListener, "wait", topic="ready"))
    await operations.store_and_create(runtime, flow.submitted())
    dead = DeadLetters()
    ctx = _context(runtime, dead)

    await handle_listener_message(ctx, "ready", message(b'{"order_id": "o-1"}'))
    await handle_listener_message(ctx, "ready", message(b'{"order_id": "o-2"}'))
    await handle_listener_message(ctx, "ready", message(b"not json"))
    assert seen.listener == [("ready", MATCHED), ("ready", UNMATCHED), ("ready", DEAD_LETTERED)]
    assert len(dead.reasons) == 1
    # Raw bytes decode; JsonListener cannot read correlation values from them: a bad message.
    assert seen.dead == [("ready", UNDECODABLE)]


class FailingListener(JsonListener):
    """Reads the message, then its ``on_message`` raises."""

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        raise RuntimeError("the kitchen is on fire")


async def test_a_listener_message_whose_handling_fails_is_dead_lettered_as_failed() -> None:
    seen = Seen()
    runtime = _runtime(seen)
    flow = Flow(order_id="o-1")
    flow.process("p", make(FailingListener, "wait", topic="ready"))
    await operations.store_and_create(runtime, flow.submitted())
    dead = DeadLetters()
    ctx = dataclasses.replace(_context(runtime, dead), listeners={"ready": [FailingListener]})

    await handle_listener_message(ctx, "ready", message(b'{"order_id": "o-1"}'))
    assert seen.dead == [("ready", FAILED)]
    assert seen.listener == [("ready", DEAD_LETTERED)]


async def test_tasks_topic_dead_letters_are_told_by_reason_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = Seen()
    dead = DeadLetters()
    ctx = _context(_runtime(seen), dead)
    inconsistent = json.loads(Flow(order_id="o-1").submitted().dumps())
    inconsistent["status"]["code"] = "bogus"

    assert not await handle_task_message(ctx, message(b"not json", "tasks"))
    assert not await handle_task_message(ctx, message(make(Step, "a").dumps(), "tasks"))
    assert not await handle_task_message(ctx, message(json.dumps(inconsistent).encode(), "tasks"))
    assert await handle_task_message(
        ctx, message(Flow(order_id="o-2").submitted().dumps(), "tasks")
    )
    assert seen.dead == [("tasks", UNDECODABLE), ("tasks", UNDECODABLE), ("tasks", INVALID)]

    async def broken(*args: Any) -> None:
        raise RuntimeError("store down")

    monkeypatch.setattr(operations, "store_and_create", broken)
    assert not await handle_task_message(
        ctx, message(Flow(order_id="o-3").submitted().dumps(), "tasks")
    )
    assert seen.dead[-1] == ("tasks", FAILED)
    assert len(dead.reasons) == len(seen.dead) == 4
    assert seen.listener == []  # the listener outcomes are about listener topics only


async def test_every_dead_letter_is_counted_by_topic_in_the_metrics() -> None:
    metrics = PrometheusMetrics()
    dead = DeadLetters()
    ctx = _context(_runtime(metrics), dead)

    def count(topic: str, reason: str) -> float | None:
        labels = {"topic": topic, "reason": reason}
        return metrics.registry.get_sample_value("dagger_dead_letters_total", labels)

    # A tasks-topic message that is not a workflow: counted, though no listener is involved.
    assert not await handle_task_message(ctx, message(b'{"not": "a workflow"}', "tasks"))
    assert count("tasks", UNDECODABLE) == 1
    assert count("ready", UNDECODABLE) is None
    # A listener dead letter (no listener reads it): counted here too, and still as a
    # listener outcome.
    await handle_listener_message(ctx, "ready", message(b"not json"))
    await handle_listener_message(ctx, "ready", message(b"not json either"))
    assert count("ready", UNDECODABLE) == 2
    assert count("tasks", UNDECODABLE) == 1
    outcome = {"topic": "ready", "outcome": DEAD_LETTERED}
    assert metrics.registry.get_sample_value("dagger_listener_messages_total", outcome) == 2
    assert len(dead.reasons) == 3


async def test_each_save_written_here_is_timed_and_a_forward_is_not() -> None:
    seen = Seen()
    runtime = _runtime(seen)
    flow = Flow(order_id="o-1")
    await runtime.save_workflow(flow.wf)
    await runtime.save_workflow(flow.wf)
    assert len(seen.saves) == 2 and all(s >= 0 for s in seen.saves)

    elsewhere = _runtime(seen, owned=set())  # owns no partition: the workflow is forwarded
    await elsewhere.save_workflow(Flow(order_id="o-2").wf)
    assert len(seen.saves) == 2


async def test_the_scheduler_reports_how_late_each_trigger_fired() -> None:
    clock = FakeClock(1000.0)
    lateness: list[float] = []

    async def fire(partition: int, workflow_id: str, task_id: str, due: float) -> None:
        return None

    scheduler = TriggerScheduler(fire, clock=clock, on_lateness=lateness.append)
    scheduler.push(0, "w", "t1", 1000.5)
    scheduler.push(0, "w", "t2", 1001.0)
    clock.set(1003.0)
    assert await scheduler.fire_due() == 2
    assert lateness == [2.5, 2.0]


async def test_a_scheduled_retry_is_counted_by_task_type(runtime: InMemoryRuntime) -> None:
    metrics = PrometheusMetrics()
    runtime.observer = metrics
    flaky = with_policy(make(Flaky, "flaky"), maximum_attempts=3, initial_interval=1)
    await start(runtime, flaky, succeed_on=3)

    def value(name: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"task_type": "Flaky"})

    assert value("dagger_task_retries_total") == 1
    assert value("dagger_task_retry_delay_seconds_sum") == 1  # attempt 2 waits 1 s
    runtime.clock.advance(1)
    assert await runtime.run_due_triggers() == 1
    assert value("dagger_task_retries_total") == 2
    runtime.clock.advance(2)
    assert await runtime.run_due_triggers() == 1
    assert value("dagger_task_retries_total") == 2  # the third attempt succeeded
    errors = metrics.registry.get_sample_value(
        "dagger_task_execution_errors_total", {"task_type": "Flaky", "hook": "execute"}
    )
    assert errors == 2
