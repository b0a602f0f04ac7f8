"""A worker killed while thousands of changelog records wait in faust's producer buffer,
then restarted with its data dir deleted, loses no workflow (``runtime/_commit_flush``).

faust's own flush before an offset commit gives up after 0.1 s without a record sent; on
the development broker a commit then went out with ~6,600 changelog records unsent, and a
crash lost about two thirds of the workflows of such a burst for good (their start
messages counted as processed, the changelog without them)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagger.devbroker import DevBroker
from tests.integration.engine_support import EngineSetup, Producer, http_json, is_ready
from tests.support.waiting import async_wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

BURSTS = 12
PER_BURST = 500


@pytest.fixture
def setup(dev_broker: DevBroker, tmp_path: Path) -> Iterator[EngineSetup]:
    made = EngineSetup(dev_broker, tmp_path, partitions=1)
    yield made
    made.close()


def created(worker: WorkerProcess) -> int:
    """How many workflows the worker's create agent has created so far."""
    try:
        status, stats = http_json(worker, "/test/stats")
    except OSError:
        return 0
    return int(stats["created"]) if status == 200 else 0


def listed(worker: WorkerProcess) -> set[str]:
    """The ids of every ``rekey`` workflow the worker lists (paged), or none while it
    cannot answer."""
    ids: set[str] = set()
    offset = 0
    while True:
        try:
            status, page = http_json(
                worker, f"/tasks/instances?template=rekey&limit=1000&offset={offset}"
            )
        except OSError:
            return set()
        if status != 200:
            return set()
        ids.update(w["id"] for w in page)
        if len(page) < 1000:
            return ids
        offset += 1000


async def test_a_crash_after_a_burst_with_the_data_dir_lost_loses_no_workflow(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    # Commits every half second, so several fall while the records of the burst are queued;
    # no task_update_topic, whose sends (awaited at each save) would pace the burst.
    worker = setup.start_worker(ENGINE_COMMIT_INTERVAL="0.5", ENGINE_UPDATES="off")
    await worker.async_wait_ready(timeout=60)
    ids = [str(uuid.uuid4()) for _ in range(BURSTS * PER_BURST)]
    async with Producer(dev_broker) as producer:
        for burst in range(BURSTS):
            chunk = ids[burst * PER_BURST : (burst + 1) * PER_BURST]
            many = [{"id": i, "params": {"order_id": f"burst-{i}"}} for i in chunk]
            await producer.send(setup.topic("create"), {"template": "rekey", "many": many})
    # Killed once every workflow is stored locally, while most of their changelog records
    # are still queued in the producer buffer.
    await async_wait_until(
        lambda: created(worker) == len(ids),
        timeout=120,
        interval=0.05,
        message=lambda: f"{created(worker)} of {len(ids)} created: {worker.describe()}",
    )
    worker.kill()
    shutil.rmtree(worker.data_dir)
    worker.start()

    def missing() -> int:
        return len(set(ids) - listed(worker)) if is_ready(worker) else len(ids)

    await async_wait_until(
        lambda: missing() == 0,
        timeout=180,
        interval=1.0,
        message=lambda: f"{missing()} of {len(ids)} workflows lost: {worker.describe()}",
    )


#: Messages for the slow agent, 0.25 s each: most still wait in its queue when faust clears it.
SLOW_MESSAGES = 30


def slow_done(worker: WorkerProcess) -> set[int]:
    """The messages the worker's slow agent has finished with."""
    try:
        status, stats = http_json(worker, "/test/stats")
    except OSError:
        return set()
    return set(stats["slow_done"]) if status == 200 else set()


@pytest.mark.parametrize("committed", [0, 5], ids=["nothing-committed", "offset-committed"])
async def test_messages_fetched_while_a_recovery_ends_are_all_processed(
    dev_broker: DevBroker, setup: EngineSetup, committed: int
) -> None:
    # faust resumes the stream partitions before seeking them to their committed offsets
    # and clears the streams' queues after (``runtime/_recovery_gate``): messages of a
    # partition with no committed offset, fetched in between, were dropped. The seek is
    # made slow (a loaded broker) and the agent slow, so that messages wait in its queue.
    # With an offset committed, the seek rewinds to it and must not skip what was held back.
    worker = setup.start_worker(ENGINE_UPDATES="off")
    await worker.async_wait_ready(timeout=60)
    ids = [str(uuid.uuid4()) for _ in range(20)]
    many = [{"id": i, "params": {"order_id": f"slow-{i}"}} for i in ids]
    async with Producer(dev_broker) as producer:
        await producer.send(setup.topic("create"), {"template": "rekey", "many": many})
        for n in range(committed):
            await producer.send(setup.topic("slow"), {"n": n, "seconds": 0})
        await async_wait_until(
            lambda: created(worker) == len(ids) and slow_done(worker) == set(range(committed)),
            timeout=60,
            interval=0.1,
            message=lambda: f"{created(worker)} of {len(ids)} created: {worker.describe()}",
        )
        # A clean stop sends the changelog and commits what was processed; without the data
        # dir the restart recovers from the changelog.
        worker.terminate()
        shutil.rmtree(worker.data_dir)
        for n in range(committed, SLOW_MESSAGES):
            await producer.send(setup.topic("slow"), {"n": n, "seconds": 0.25})
    # Longer than the fetcher's wait for its current fetch (1.5 s) plus one agent step; no
    # commit meanwhile (one would give the seek an offset to rewind to, as the commit
    # waiting for the changelog records of a burst does not).
    worker.env.update(ENGINE_SLOW_SEEK="4", ENGINE_COMMIT_INTERVAL="1000")
    worker.start()
    wanted = set(range(committed, SLOW_MESSAGES))
    await async_wait_until(
        lambda: slow_done(worker) >= wanted,
        timeout=90,
        interval=0.2,
        message=lambda: (
            f"messages never processed: {sorted(wanted - slow_done(worker))}: {worker.describe()}"
        ),
    )
