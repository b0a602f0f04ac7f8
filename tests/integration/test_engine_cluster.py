"""Several workers and crashes: repartitioned creation, failover, recovery from changelogs."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagger.devbroker import DevBroker
from tests.integration.engine_support import (
    EngineSetup,
    Producer,
    all_in,
    held,
    http_json,
    is_ready,
    owned,
)
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def deployments(dev_broker: DevBroker, tmp_path: Path) -> Iterator[list[EngineSetup]]:
    made: list[EngineSetup] = []
    yield made
    for setup in made:
        setup.close()


async def test_two_workers_share_repartitioned_workflows_and_fail_over(
    dev_broker: DevBroker, tmp_path: Path, deployments: list[EngineSetup]
) -> None:
    setup = EngineSetup(dev_broker, tmp_path, partitions=4)
    deployments.append(setup)
    first, second = setup.start_worker(), setup.start_worker()
    await async_wait_until(
        lambda: all(is_ready(p) for p in (first, second)) and owned(first) and owned(second),
        timeout=60,
        interval=0.2,
        message=lambda: f"workers not both assigned: {first.describe()} | {second.describe()}",
    )
    assert sorted(owned(first) + owned(second)) == [0, 1, 2, 3]

    orders = [f"c-{uuid.uuid4().hex[:8]}" for _ in range(40)]
    async with Producer(dev_broker) as producer:
        ids = [await producer.create(setup, "listen", o, repartition=True) for o in orders]
        await all_in(setup, ids, "EXECUTING", timeout=30)
        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await all_in(setup, ids, "COMPLETED", timeout=30)
    split = [set(held(first, "listen")) & set(ids), set(held(second, "listen")) & set(ids)]
    assert split[0] and split[1], "both workers should own some workflows"
    assert split[0] | split[1] == set(ids) and not split[0] & split[1]

    # Workflows waiting on both workers; one worker crashes; the other finishes all of them.
    orders = [f"k-{uuid.uuid4().hex[:8]}" for _ in range(20)]
    async with Producer(dev_broker) as producer:
        ids = [await producer.create(setup, "listen", o, repartition=True) for o in orders]
        await all_in(setup, ids, "EXECUTING", timeout=30)
        assert set(held(second, "listen")) & set(ids), "the crashing worker should hold some"
        second.kill()
        await async_wait_until(
            lambda: owned(first) == [0, 1, 2, 3] and is_ready(first),
            timeout=60,
            interval=0.2,
            message=lambda: f"no failover: {first.describe()}",
        )
        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await all_in(setup, ids, "COMPLETED", timeout=30)


async def test_worker_recovers_everything_from_changelogs_after_losing_its_data(
    dev_broker: DevBroker, tmp_path: Path, deployments: list[EngineSetup]
) -> None:
    setup = EngineSetup(dev_broker, tmp_path, partitions=2)
    deployments.append(setup)
    proc = setup.start_worker()
    await proc.async_wait_ready(timeout=60)
    orders = [f"rc-{uuid.uuid4().hex[:8]}" for _ in range(20)]
    async with Producer(dev_broker) as producer:
        ids = [await producer.create(setup, "listen", o) for o in orders]
        await all_in(setup, ids, "EXECUTING", timeout=30)

        proc.kill()
        shutil.rmtree(proc.data_dir)
        proc.start()
        await proc.async_wait_ready(timeout=60)
        await all_in(setup, ids, "EXECUTING", timeout=10)

        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await all_in(setup, ids, "COMPLETED", timeout=30)
    status, stats = http_json(proc, "/test/stats")
    assert not [k for k in stats["index_keys"] if k.startswith("rc-")]
