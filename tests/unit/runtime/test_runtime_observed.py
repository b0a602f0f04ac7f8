"""What the faust-side parts tell the runtime's observer: listener outcomes by topic, timer
lateness, store save durations (no broker: in-memory tables, a FakeClock); retries as the
Prometheus metrics count them."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

from dagger.core.observe import DEAD_LETTERED, MATCHED, UNMATCHED, Observer
from dagger.engine import operations
from dagger.runtime import FaustRuntime, TriggerScheduler
from dagger.runtime._agents import handle_listener_message
from dagger.runtime._app import create_faust_app
from dagger.runtime._context import AgentContext
from dagger.runtime._locks import StripedLocks
from dagger.runtime._metrics import PrometheusMetrics
from dagger.store._tables import MemoryTable
from dagger.tasks.task import KafkaListenerTask, TaskLookupKey
from dagger.testing import FakeClock, InMemoryRuntime
from tests.unit.tasks.flows import Flow, make
from tests.unit.tasks.test_retries import Flaky, start, with_policy


class Seen(Observer):
    def __init__(self) -> None:
        self.listener: list[tuple[str, str]] = []
        self.saves: list[float] = []

    def listener_message(self, topic: str, outcome: str) -> None:
        self.listener.append((topic, outcome))

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


async def test_listener_messages_are_told_matched_unmatched_or_dead_lettered() -> None:
    seen = Seen()
    runtime = _runtime(seen)
    flow = Flow(order_id="o-1")
    flow.process("p", make(JsonListener, "wait", topic="ready"))
    await operations.store_and_create(runtime, flow.submitted())
    app = create_faust_app(
        f"observed-{uuid.uuid4().hex[:6]}",
        broker="kafka://127.0.0.1:1",
        store="memory://",
        datadir=None,
        package_name="tests",
        kafka_partitions=1,
        logging_config=None,
        extra={},
    )
    dead = DeadLetters()
    ctx = AgentContext(
        runtime=runtime,
        locks=StripedLocks(8),
        dead_letters=dead,  # type: ignore[arg-type]
        topics={},
        listeners={"ready": [JsonListener]},
        serializers=app.serializers,
    )

    def message(value: bytes) -> Any:
        return SimpleNamespace(value=value, key=None, topic="ready", partition=0, offset=1)

    await handle_listener_message(ctx, "ready", message(b'{"order_id": "o-1"}'))
    await handle_listener_message(ctx, "ready", message(b'{"order_id": "o-2"}'))
    await handle_listener_message(ctx, "ready", message(b"not json"))
    assert seen.listener == [("ready", MATCHED), ("ready", UNMATCHED), ("ready", DEAD_LETTERED)]
    assert len(dead.reasons) == 1


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
