"""Command messages carry an idempotency key header (a worker on the development broker)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from dagger.devbroker import DevBroker
from tests.integration.engine_support import Producer, ready, start_app_worker
from tests.support.waiting import async_wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

APP = Path(__file__).parent / "apps" / "command_app.py"


@pytest.fixture(scope="module")
def worker(
    dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[WorkerProcess, str]]:
    prefix = f"c{uuid.uuid4().hex[:8]}"
    base = tmp_path_factory.mktemp("command-headers")
    env = {"COMMAND_APP_ID": prefix, "COMMAND_PREFIX": prefix}
    topics = ("tasks", "create", "cmd")
    with ready(start_app_worker(dev_broker, APP, base, prefix, topics, env)) as proc:
        yield proc, prefix


async def _command_messages(
    dev_broker: DevBroker, topic: str, order: str, count: int, proc: WorkerProcess
) -> list[Any]:
    """The first ``count`` messages on ``topic`` for ``order`` (polled with a deadline)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=dev_broker.bootstrap_servers, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[Any] = []
    try:

        async def arrived() -> bool:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found.extend(r for r in records if json.loads(r.value)["order_id"] == order)
            return len(found) >= count

        await async_wait_until(
            arrived,
            timeout=30,
            message=lambda: f"{len(found)} of {count} commands arrived: {proc.describe()}",
        )
    finally:
        await consumer.stop()
    return found


async def test_each_command_message_carries_its_workflow_task_and_attempt(
    dev_broker: DevBroker, worker: tuple[WorkerProcess, str]
) -> None:
    proc, prefix = worker
    workflow_id, order = str(uuid.uuid4()), f"o-{uuid.uuid4().hex[:6]}"
    async with Producer(dev_broker) as producer:
        await producer.send(f"{prefix}-create", {"id": workflow_id, "order_id": order}, key=order)
    first, second = await _command_messages(dev_broker, f"{prefix}-cmd", order, 2, proc)

    sent_by = json.loads(first.value)["task_id"]
    headers = dict(first.headers)
    assert headers["dagger-idempotency-key"] == f"{workflow_id}/{sent_by}/1".encode()
    assert headers["dagger-workflow-id"] == workflow_id.encode()
    assert headers["dagger-task-id"] == sent_by.encode()

    # A header the task set itself is kept; the other two are still added.
    other = json.loads(second.value)["task_id"]
    assert other != sent_by
    assert dict(second.headers) == {
        "dagger-idempotency-key": b"own-key",
        "dagger-workflow-id": workflow_id.encode(),
        "dagger-task-id": other.encode(),
    }
