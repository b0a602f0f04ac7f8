"""The worker harness and the development broker settings, on a real faust worker.

Checks what the rest of the suite relies on: a worker subprocess becomes ready, its table
survives SIGKILL with its local data wiped (recovery from the changelog, which needs
``producer_max_batch_size=1`` on the development broker), and it shuts down on SIGTERM.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from dagger.devbroker import DevBroker
from tests.support.waiting import async_wait_until, wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

APP = Path(__file__).parent / "apps" / "faust_counter.py"


def _counts(worker: WorkerProcess) -> dict[str, int]:
    url = f"http://127.0.0.1:{worker.web_port}/counts"
    with urllib.request.urlopen(url, timeout=2) as response:
        return dict(json.loads(response.read()))


async def _produce(broker: DevBroker, topic: str, keys: list[str]) -> None:
    # linger_ms makes multi-record batches: the shape that trips Tansu's ListOffsets bug.
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, linger_ms=20)
    await producer.start()
    try:
        futures = [await producer.send(topic, k.encode(), key=k.encode()) for k in keys]
        for future in futures:
            await future
    finally:
        await producer.stop()


async def _committed_all(broker: DevBroker, group: str, topic: str, total: int) -> bool:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=broker.bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        committed = [await consumer.committed(TopicPartition(topic, p)) for p in (0, 1)]
    finally:
        await consumer.stop()
    return sum(offset or 0 for offset in committed) >= total


async def test_worker_ready_crash_recover_and_clean_stop(
    dev_broker: DevBroker,
    make_topic: Callable[..., str],
    unique_id: str,
    worker: Callable[..., WorkerProcess],
) -> None:
    topic = make_topic(partitions=2, prefix="counter")
    keys = [f"k{i % 4}" for i in range(40)]
    expected = {f"k{i}": 10 for i in range(4)}
    proc = worker(
        APP,
        args=["worker", "-l", "info"],
        broker=dev_broker.url,
        env={"COUNTER_APP_ID": unique_id, "COUNTER_TOPIC": topic},
    )
    await proc.async_wait_ready(timeout=60)
    await _produce(dev_broker, topic, keys)
    await async_wait_until(
        lambda: _counts(proc) == expected,
        timeout=30,
        ignore=(OSError,),
        message=lambda: f"counts {_counts(proc)}: {proc.describe()}",
    )

    # Processing is at-least-once: a crash before the offsets are committed would replay
    # records and count them twice, so crash only once every record is committed.
    await async_wait_until(
        lambda: _committed_all(dev_broker, unique_id, topic, len(keys)),
        timeout=30,
        interval=0.5,
        message=lambda: "the worker never committed all 40 offsets",
    )

    # Crash, lose the local RocksDB state, restart: the table comes back from its changelog.
    assert proc.kill() is not None
    shutil.rmtree(proc.data_dir)
    proc.start()
    proc.wait_ready(timeout=60)
    wait_until(
        lambda: _counts(proc) == expected,
        timeout=30,
        ignore=(OSError,),
        message=lambda: f"after recovery: {proc.describe()}",
    )

    assert proc.terminate(timeout=30) == 0, proc.describe()
