"""Several workers and crashes: repartitioned creation, failover, recovery from changelogs."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagger.devbroker import DevBroker
from tests.integration.engine_support import EngineSetup, Producer, http_json, status_of
from tests.support.waiting import async_wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration


@pytest.fixture
def deployments(dev_broker: DevBroker, tmp_path: Path) -> Iterator[list[EngineSetup]]:
    made: list[EngineSetup] = []
    yield made
    for setup in made:
        setup.close()


def _owned(proc: WorkerProcess) -> list[int]:
    try:
        status, body = http_json(proc, "/test/stats")
    except OSError:
        return []
    return list(body["owned"]) if status == 200 else []


def _ready(proc: WorkerProcess) -> bool:
    try:
        return http_json(proc, "/service/ready") == (200, {"is_ready": True})
    except OSError:
        return False


def _held(proc: WorkerProcess, template: str) -> set[str]:
    status, body = http_json(proc, f"/tasks/instances?template={template}&limit=1000")
    assert status == 200
    return {w["id"] for w in body}


async def _all_in(setup: EngineSetup, ids: list[str], code: str, timeout: float) -> None:
    def missing() -> list[str]:
        return [w for w in ids if status_of(setup.workers, w) != code]

    await async_wait_until(
        lambda: not missing(),
        timeout=timeout,
        interval=0.2,
        message=lambda: (
            f"{len(missing())} of {len(ids)} not {code}; "
            + " | ".join(p.describe() for p in setup.workers)
        ),
    )


async def test_two_workers_share_repartitioned_workflows_and_fail_over(
    dev_broker: DevBroker, tmp_path: Path, deployments: list[EngineSetup]
) -> None:
    setup = EngineSetup(dev_broker, tmp_path, partitions=4)
    deployments.append(setup)
    first, second = setup.start_worker(), setup.start_worker()
    await async_wait_until(
        lambda: all(_ready(p) for p in (first, second)) and _owned(first) and _owned(second),
        timeout=60,
        interval=0.2,
        message=lambda: f"workers not both assigned: {first.describe()} | {second.describe()}",
    )
    assert sorted(_owned(first) + _owned(second)) == [0, 1, 2, 3]

    orders = [f"c-{uuid.uuid4().hex[:8]}" for _ in range(40)]
    async with Producer(dev_broker) as producer:
        ids = [await producer.create(setup, "listen", o, repartition=True) for o in orders]
        await _all_in(setup, ids, "EXECUTING", timeout=30)
        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await _all_in(setup, ids, "COMPLETED", timeout=30)
    held = [_held(first, "listen") & set(ids), _held(second, "listen") & set(ids)]
    assert held[0] and held[1], "both workers should own some workflows"
    assert held[0] | held[1] == set(ids) and not held[0] & held[1]

    # Workflows waiting on both workers; one worker crashes; the other finishes all of them.
    orders = [f"k-{uuid.uuid4().hex[:8]}" for _ in range(20)]
    async with Producer(dev_broker) as producer:
        ids = [await producer.create(setup, "listen", o, repartition=True) for o in orders]
        await _all_in(setup, ids, "EXECUTING", timeout=30)
        assert _held(second, "listen") & set(ids), "the crashing worker should hold some"
        second.kill()
        await async_wait_until(
            lambda: _owned(first) == [0, 1, 2, 3] and _ready(first),
            timeout=60,
            interval=0.2,
            message=lambda: f"no failover: {first.describe()}",
        )
        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await _all_in(setup, ids, "COMPLETED", timeout=30)


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
        await _all_in(setup, ids, "EXECUTING", timeout=30)

        proc.kill()
        shutil.rmtree(proc.data_dir)
        proc.start()
        await proc.async_wait_ready(timeout=60)
        await _all_in(setup, ids, "EXECUTING", timeout=10)

        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await _all_in(setup, ids, "COMPLETED", timeout=30)
    status, stats = http_json(proc, "/test/stats")
    assert not [k for k in stats["index_keys"] if k.startswith("rc-")]
