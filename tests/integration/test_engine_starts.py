"""Starting workflows on several workers: 0.2.6's scale-out call patterns, and replayed starts.

Two workers share 4 partitions. Every start request lands on one partition of the create
topic, so one worker makes every ``create_instance``/``submit`` call and the workflows must
travel to the owner of their business key's partition, run there once, and complete.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from dagger.devbroker import DevBroker
from dagger.runtime._partitioner import partition_for
from tests.integration.engine_support import EngineSetup, Producer, all_in, held, is_ready, owned
from tests.support.waiting import async_wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

PARTITIONS = 4
#: (call pattern, repartition) as 0.2.6 documents them (REFERENCE.md §2.2-2.3).
PATTERNS = [
    ("create_then_submit", True),  # create_instance(repartition=True) + submit(repartition=True)
    ("submit_task", True),  # create_instance(repartition=True, submit_task=True)
    ("create_then_submit", False),  # create_instance(repartition=False) + submit(repartition=True)
]


@pytest.fixture
def setup(dev_broker: DevBroker, tmp_path: Path) -> Iterator[EngineSetup]:
    deployment = EngineSetup(dev_broker, tmp_path, partitions=PARTITIONS)
    yield deployment
    deployment.close()


async def _both_assigned(first: WorkerProcess, second: WorkerProcess) -> None:
    await async_wait_until(
        lambda: is_ready(first) and is_ready(second) and owned(first) and owned(second),
        timeout=60,
        interval=0.2,
        message=lambda: f"workers not both assigned: {first.describe()} | {second.describe()}",
    )
    assert sorted(owned(first) + owned(second)) == list(range(PARTITIONS))


async def _read_commands(broker: DevBroker, topic: str, settle: float = 2.0) -> list[Any]:
    """Every command message on ``topic`` (reads until nothing new arrives for ``settle`` s)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle:
            batch = await consumer.getmany(timeout_ms=300)
            for part in batch.values():
                records.extend(part)
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return records


async def _request(
    producer: Producer, setup: EngineSetup, workflow_id: str, order: str, pattern: str, rep: bool
) -> None:
    """A start request on partition 0 of the create topic (one worker handles them all)."""
    request = {
        "template": "start",
        "id": workflow_id,
        "repartition": rep,
        "pattern": pattern,
        "params": {"order_id": order},
    }
    await producer.send(setup.topic("create"), request, key=order, partition=0)


async def test_every_scale_out_pattern_runs_each_workflow_once_on_its_key_owner(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    first, second = setup.start_worker(), setup.start_worker()
    await _both_assigned(first, second)
    owner_of = {p: proc for proc in (first, second) for p in owned(proc)}

    started: dict[str, tuple[str, str]] = {}  # workflow id -> (order, pattern)
    async with Producer(dev_broker) as producer:
        for pattern, rep in PATTERNS:
            for n in range(8):
                order = f"{pattern[:6]}-{rep:d}-{n}-{uuid.uuid4().hex[:6]}"
                workflow_id = str(uuid.uuid4())
                started[workflow_id] = (order, f"{pattern}/{rep}")
                await _request(producer, setup, workflow_id, order, pattern, rep)
                # A re-delivered copy of the same start message.
                await _request(producer, setup, workflow_id, order, pattern, rep)
        ids = list(started)
        await all_in(setup, ids, "EXECUTING", timeout=45)

        holdings = {proc.web_port: held(proc, "start") for proc in (first, second)}
        for workflow_id, (order, pattern) in started.items():
            owner = owner_of[partition_for(order, PARTITIONS)]
            holders = [port for port, found in holdings.items() if workflow_id in found]
            assert holders == [owner.web_port], f"{pattern}: {order} held by {holders}"
            params = holdings[owner.web_port][workflow_id]["runtime_parameters"]
            assert params["commanded_by"] == str(owner.web_port), f"{pattern}: ran elsewhere"

        for order, _ in started.values():
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await all_in(setup, ids, "COMPLETED", timeout=45)

    commands = [json.loads(r.value) for r in await _read_commands(dev_broker, setup.topic("cmd"))]
    per_workflow = Counter(c["workflow_id"] for c in commands)
    assert set(per_workflow) == set(ids)
    assert per_workflow.most_common(1)[0][1] == 1, "a command was sent twice"
    for command in commands:
        order, _ = started[command["workflow_id"]]
        assert command["order_id"] == order
    held_now = held(first, "start") | held(second, "start")
    assert set(held_now) >= set(ids)
    by_order = Counter(w["runtime_parameters"]["order_id"] for w in held_now.values())
    assert all(by_order[order] == 1 for order, _ in started.values())


IDEMPOTENCY_HEADER = "dagger-idempotency-key"
ORDER_NAMESPACE = uuid.UUID("6f1d7c2e-3b8a-4e59-9d0c-2a7b5e4f8c13")


async def test_a_worker_killed_while_starts_stream_in_leaves_one_workflow_per_order(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    first, second = setup.start_worker(), setup.start_worker()
    await _both_assigned(first, second)

    orders = [f"kill-{n}-{uuid.uuid4().hex[:6]}" for n in range(120)]
    ids = {order: str(uuid.uuid5(ORDER_NAMESPACE, order)) for order in orders}
    async with Producer(dev_broker) as producer:
        for n, order in enumerate(orders):
            request = {
                "template": "start",
                "id": ids[order],
                "repartition": True,
                "params": {"order_id": order},
            }
            await producer.send(setup.topic("create"), request, key=order)
            if n == len(orders) // 2:
                # Mid-stream, once the second worker has started some of the workflows.
                await async_wait_until(
                    lambda: any(w in held(second, "start") for w in ids.values()),
                    timeout=30,
                    interval=0.1,
                    message="the second worker never started a workflow",
                )
                second.kill()
        await async_wait_until(
            lambda: owned(first) == list(range(PARTITIONS)) and is_ready(first),
            timeout=60,
            interval=0.2,
            message=lambda: f"no failover: {first.describe()}",
        )
        await all_in(setup, list(ids.values()), "EXECUTING", timeout=60)
        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await all_in(setup, list(ids.values()), "COMPLETED", timeout=60)

    survivor = held(first, "start")
    per_order = Counter(w["runtime_parameters"]["order_id"] for w in survivor.values())
    assert {o: per_order[o] for o in orders} == {o: 1 for o in orders}
    assert all(survivor[ids[o]]["status"]["code"] == "COMPLETED" for o in orders)

    records = await _read_commands(dev_broker, setup.topic("cmd"))
    keys = [dict(r.headers).get(IDEMPOTENCY_HEADER) for r in records]
    assert None not in keys, "a command message carries no idempotency key"
    # At-least-once: a command may reach the service again after the crash, but always with
    # the key of its first send, so deduplicating on the key leaves one command per order.
    distinct = {key: json.loads(r.value)["order_id"] for key, r in zip(keys, records)}
    assert sorted(distinct.values()) == sorted(orders)
    duplicates = len(records) - len(distinct)
    assert duplicates <= len(orders) // 4, f"{duplicates} duplicate commands"
