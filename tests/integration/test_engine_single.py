"""One engine worker on the development broker (RocksDB store): listeners, timers, events, web."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer

from dagger.devbroker import DevBroker
from dagger.tasks.task import ITemplateDAGInstance
from tests.integration.apps import engine_tasks  # noqa: F401 - defines the updates' tasks
from tests.integration.engine_support import (
    EngineSetup,
    Producer,
    http_json,
    instance,
    status_of,
)
from tests.support.waiting import async_wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def setup(dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineSetup]:
    deployment = EngineSetup(dev_broker, tmp_path_factory.mktemp("engine-single"))
    proc = deployment.start_worker()
    proc.wait_ready(timeout=60)
    yield deployment
    deployment.close()


def _worker(setup: EngineSetup) -> WorkerProcess:
    return setup.workers[0]


async def _wait_status(
    setup: EngineSetup, workflow_id: str, code: str, timeout: float = 20
) -> None:
    await async_wait_until(
        lambda: status_of(setup.workers, workflow_id) == code,
        timeout=timeout,
        message=lambda: (
            f"{workflow_id} is {status_of(setup.workers, workflow_id)}, not {code}: "
            f"{_worker(setup).describe()}"
        ),
    )


def _index_keys(setup: EngineSetup) -> list[str]:
    return list(http_json(_worker(setup), "/test/stats")[1]["index_keys"])


async def test_listener_workflow_completes_and_leaves_no_index_entry(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    order = f"o-{uuid.uuid4().hex[:6]}"
    async with Producer(dev_broker) as producer:
        wid = await producer.create(setup, "listen", order)
        await _wait_status(setup, wid, "EXECUTING")
        assert any(k.startswith(f"{order}_") for k in _index_keys(setup))
        await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await _wait_status(setup, wid, "COMPLETED")
    data = instance(_worker(setup), wid)
    assert data is not None
    params = data["runtime_parameters"]
    assert params["commanded"] is True and params["finished_at"] >= params["a_at"]
    assert not any(k.startswith(f"{order}_") for k in _index_keys(setup))


async def test_one_message_completes_two_workflows(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    first, second = f"m-{uuid.uuid4().hex[:6]}", f"m-{uuid.uuid4().hex[:6]}"
    async with Producer(dev_broker) as producer:
        ids = [await producer.create(setup, "listen", o) for o in (first, second)]
        for wid in ids:
            await _wait_status(setup, wid, "EXECUTING")
        await producer.send(setup.topic("a"), {"order_ids": [first, second]}, key=first)
        for wid in ids:
            await _wait_status(setup, wid, "COMPLETED")


async def test_key_changed_in_on_message_is_matched_by_the_next_listener(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    order, box = f"r-{uuid.uuid4().hex[:6]}", f"box-{uuid.uuid4().hex[:6]}"
    async with Producer(dev_broker) as producer:
        wid = await producer.create(setup, "rekey", order, box_id="old-box")
        await _wait_status(setup, wid, "EXECUTING")
        await producer.send(setup.topic("a"), {"order_id": order, "box_id": box}, key=order)
        await async_wait_until(
            lambda: any(k.startswith(f"{box}_") for k in _index_keys(setup)), timeout=20
        )
        assert not any(k.startswith("old-box_") for k in _index_keys(setup))
        await producer.send(setup.topic("b"), {"box_id": box}, key=box)
        await _wait_status(setup, wid, "COMPLETED")
    assert not any(k.startswith(f"{box}_") or k.startswith(f"{order}_") for k in _index_keys(setup))


async def test_trigger_fires_on_time(dev_broker: DevBroker, setup: EngineSetup) -> None:
    due = time.time() + 3
    async with Producer(dev_broker) as producer:
        wid = await producer.create(setup, "trigger", f"t-{uuid.uuid4().hex[:6]}", due=due)
        await _wait_status(setup, wid, "EXECUTING")
        await _wait_status(setup, wid, "COMPLETED", timeout=15)
    data = instance(_worker(setup), wid)
    assert data is not None
    fired_at = data["runtime_parameters"]["fired_at"]
    assert due <= fired_at < due + 1.0, f"fired {fired_at - due:+.3f} s from its due time"


async def test_interval_task_runs_until_finished(dev_broker: DevBroker, setup: EngineSetup) -> None:
    async with Producer(dev_broker) as producer:
        wid = await producer.create(
            setup, "interval", f"i-{uuid.uuid4().hex[:6]}", period=1, deadline=time.time() + 120
        )
        await _wait_status(setup, wid, "COMPLETED", timeout=20)
    data = instance(_worker(setup), wid)
    assert data is not None
    assert data["runtime_parameters"]["polls"] == 3


async def test_task_update_topic_shows_executing_then_completed(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    order = f"u-{uuid.uuid4().hex[:6]}"
    async with Producer(dev_broker) as producer:
        wid = await producer.create(setup, "listen", order)
        await _wait_status(setup, wid, "EXECUTING")
        await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await _wait_status(setup, wid, "COMPLETED")
    consumer = AIOKafkaConsumer(
        setup.topic("updates"),
        bootstrap_servers=dev_broker.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    snapshots: list[ITemplateDAGInstance] = []
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    # Decoding imports nothing: ``engine_tasks`` defines the worker's tasks.
                    workflow = ITemplateDAGInstance.from_data(json.loads(record.value))
                    if str(workflow.id) == wid:
                        snapshots.append(workflow)
            if any(s.status.code == "COMPLETED" for s in snapshots):
                break
    finally:
        await consumer.stop()
    codes = [s.status.code for s in snapshots]
    assert "EXECUTING" in codes and codes[-1] == "COMPLETED", codes
    counts = [s.update_count for s in snapshots]
    assert counts == sorted(counts) and len(set(counts)) == len(counts), counts
    assert all(s.update_count > 1 for s in snapshots if s.status.code == "COMPLETED")


async def test_bad_listener_messages_do_not_stop_the_worker(
    dev_broker: DevBroker, setup: EngineSetup
) -> None:
    order = f"b-{uuid.uuid4().hex[:6]}"
    async with Producer(dev_broker) as producer:
        wid = await producer.create(setup, "listen", order)
        await _wait_status(setup, wid, "EXECUTING")
        await producer.send(setup.topic("a"), b"\xff\xfe not json", key=order)
        await producer.send(setup.topic("a"), [1, 2, 3], key=order)
        await producer.send(setup.topic("a"), {"unexpected": True}, key=order)
        await producer.send(setup.topic("a"), {"order_id": order}, key=order)
        await _wait_status(setup, wid, "COMPLETED")
    assert _worker(setup).alive
    log = _worker(setup).log_text()
    # the undecodable one is logged with where it was (dead letters: test_dead_letters.py)
    assert f"topic={setup.topic('a')} partition=0 offset=" in log


async def test_web_endpoints(dev_broker: DevBroker, setup: EngineSetup) -> None:
    proc = _worker(setup)
    order = f"w-{uuid.uuid4().hex[:6]}"
    async with Producer(dev_broker) as producer:
        waiting = await producer.create(setup, "listen", order)
        await _wait_status(setup, waiting, "EXECUTING")
    assert http_json(proc, "/service/ready") == (200, {"is_ready": True})

    status, body = http_json(proc, f"/tasks/instance/{waiting}")
    assert status == 200 and body["id"] == waiting and body["template_name"] == "listen"
    assert http_json(proc, f"/tasks/instance/{uuid.uuid4()}")[0] == 404
    assert http_json(proc, "/tasks/instance/not-a-uuid")[0] == 400

    status, executing = http_json(proc, "/tasks/instances?status=EXECUTING&limit=1000")
    assert status == 200 and waiting in {w["id"] for w in executing}
    assert all(w["status"]["code"] == "EXECUTING" for w in executing)
    status, listens = http_json(proc, "/tasks/instances?template=listen&limit=1000")
    assert status == 200 and listens and all(w["template_name"] == "listen" for w in listens)
    status, everything = http_json(proc, "/tasks/instances?limit=1000")
    assert len(everything) >= 2
    status, page = http_json(proc, "/tasks/instances?limit=1&offset=1")
    assert status == 200 and len(page) == 1 and page[0]["id"] == everything[1]["id"]
    assert http_json(proc, "/tasks/instances?limit=5000")[0] == 400
    assert http_json(proc, "/tasks/instances?status=NOPE")[0] == 400
