"""Bad messages on every topic a worker consumes are dead-lettered once, with their origin;
the web API stays read-only and quiet (one worker on the development broker)."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from dagger.devbroker import DevBroker
from tests.integration.engine_support import http_json, instance, ready, start_app_worker
from tests.support.waiting import async_wait_until, wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

APP = Path(__file__).parent / "apps" / "dlq_app.py"
BIG = 5 * 1024 * 1024
#: The dev broker and aiokafka accept records up to this size (the default is 1 MB).
MAX_REQUEST = 8 * 1024 * 1024

Sent = tuple[str, int, int]  # topic, partition, offset


class Deployment:
    """The worker under test, its topics and what was sent to them."""

    def __init__(self, broker: DevBroker, base: Path) -> None:
        self.broker = broker
        self.prefix = f"d{uuid.uuid4().hex[:8]}"
        self.worker = start_app_worker(
            broker,
            APP,
            base,
            self.prefix,
            ("tasks", "events", "create"),
            {"DLQ_PREFIX": self.prefix},
        )
        #: (origin, kind, key, value) of each bad message sent.
        self.bad: list[tuple[Sent, str, bytes | None, bytes]] = []

    def topic(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def dlq(self) -> str:
        return f"{self.topic('tasks')}-dlq"


@pytest.fixture(scope="module")
def deployment(dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    setup = Deployment(dev_broker, tmp_path_factory.mktemp("dead-letters"))
    with ready(setup.worker):
        yield setup


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _workflow_tag(ns: str, **fields: Any) -> bytes:
    return _json({"__faust": {"ns": ns}, **fields})


#: Messages no listener on the events topic can use, by kind.
BAD_EVENTS: dict[str, bytes] = {
    "not json": b"\xff\xfe this is not json",
    "json array": _json([1, 2, 3]),
    "unknown key": _json({"customer": "c-1"}),
    "object-valued key": _json({"order_id": {"nested": 1}}),
    "list-valued key": _json({"order_id": ["a", "b"]}),
    "empty key": _json({"order_id": ""}),
    "unknown type tag": _workflow_tag("no.such.Model", order_id="o-1"),
    "a type tag": _workflow_tag(
        "dagger.tasks.task.CorrelatableMapValue",
        correlatable_key_attr="order_id",
        correlatable_key_attr_value="o-1",
    ),
    "5 MB": _json({"customer": "x" * BIG}),
}

#: Messages that are not workflows the tasks agent may store, by kind.
BAD_TASKS: dict[str, bytes] = {
    "not json": b"\x00\x01 not json either",
    "json array": _json(["a"]),
    "untagged object": _json({"id": str(uuid.uuid4())}),
    "a task, not a workflow": _workflow_tag("dagger.tasks.task.ExecutorTask", id=str(uuid.uuid4())),
    "unknown type tag": _workflow_tag("os.system", id=str(uuid.uuid4())),
    "workflow without an id": _workflow_tag("dagger.tasks.task.DefaultTemplateDAGInstance"),
    "workflow with bad tasks": _workflow_tag(
        "dagger.tasks.task.DefaultTemplateDAGInstance",
        id=str(uuid.uuid4()),
        tasks="not a mapping",
        status={"code": "SUBMITTED", "value": "SUBMITTED"},
    ),
    "5 MB": b"\x01" * BIG,
}


async def _send(producer: AIOKafkaProducer, topic: str, value: bytes, key: bytes | None) -> Sent:
    meta = await producer.send_and_wait(topic, value, key=key)
    return (topic, meta.partition, meta.offset)


async def _status(worker: WorkerProcess, workflow_id: str, code: str) -> dict[str, Any]:
    def current() -> dict[str, Any] | None:
        data = instance(worker, workflow_id)
        return data if data is not None and data["status"]["code"] == code else None

    found: dict[str, Any] = await async_wait_until(
        current,
        timeout=30,
        message=lambda: f"{workflow_id} never {code}: {worker.describe()}",
    )
    return found


async def _create(producer: AIOKafkaProducer, setup: Deployment, order_id: str) -> str:
    workflow_id = str(uuid.uuid4())
    body = _json({"id": workflow_id, "order_id": order_id})
    await producer.send_and_wait(setup.topic("create"), body, key=order_id.encode())
    return workflow_id


async def _read_all(setup: Deployment) -> list[Any]:
    """Every record on the dead-letter topic (every partition, up to its end)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=setup.broker.bootstrap_servers,
        enable_auto_commit=False,
        fetch_max_bytes=MAX_REQUEST,
        max_partition_fetch_bytes=MAX_REQUEST,
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(setup.dlq) or set()
        tps = [TopicPartition(setup.dlq, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        for tp in tps:
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=1000)
                records.extend(batch.get(tp, []))
        return records
    finally:
        await consumer.stop()


@pytest.fixture(scope="module")
def after_bad_messages(deployment: Deployment) -> dict[str, Any]:
    """Send every bad message, a waiting workflow's exploding message, one that matches
    nothing, then a good workflow; return what the worker did."""
    return asyncio.run(_send_bad_messages(deployment))


async def _send_bad_messages(setup: Deployment) -> dict[str, Any]:
    producer = AIOKafkaProducer(
        bootstrap_servers=setup.broker.bootstrap_servers, max_request_size=MAX_REQUEST
    )
    await producer.start()
    try:
        boom = await _create(producer, setup, "boom-1")
        await _status(setup.worker, boom, "EXECUTING")
        for kind, value in BAD_EVENTS.items():
            key = f"k-{kind}".encode()
            setup.bad.append(
                (await _send(producer, setup.topic("events"), value, key), kind, key, value)
            )
        exploding = _json({"order_id": "boom-1", "explode": True})
        sent = await _send(producer, setup.topic("events"), exploding, b"boom-1")
        setup.bad.append((sent, "on_message raises", b"boom-1", exploding))
        unmatched = await _send(
            producer, setup.topic("events"), _json({"order_id": "nobody"}), b"nobody"
        )
        for kind, value in BAD_TASKS.items():
            setup.bad.append(
                (await _send(producer, setup.topic("tasks"), value, None), kind, None, value)
            )
        # Sent after the bad ones, on both topics: handled only once they were.
        good = await _create(producer, setup, "good-1")
        await _status(setup.worker, good, "EXECUTING")
        await producer.send_and_wait(
            setup.topic("events"), _json({"order_id": "good-1"}), key=b"good-1"
        )
        await _status(setup.worker, good, "COMPLETED")
    finally:
        await producer.stop()
    return {"boom": boom, "good": good, "unmatched": unmatched, "dlq": await _read_all(setup)}


def _lines_about(log: str, sent: Sent) -> list[str]:
    topic, partition, offset = sent
    needle = f"topic={topic} partition={partition} offset={offset}"
    return [line for line in log.splitlines() if needle + ":" in line or line.endswith(needle)]


def test_each_bad_message_is_one_warning_line_and_no_traceback(
    deployment: Deployment, after_bad_messages: dict[str, Any]
) -> None:
    log = deployment.worker.log_text()
    for sent, kind, _, _ in deployment.bad:
        lines = _lines_about(log, sent)
        assert len(lines) == 1, f"{kind}: {lines}"
        assert " WARNING dagger.agents: cannot use message " in lines[0], lines[0]
        assert f"dead-lettered to {deployment.dlq}" in lines[0], lines[0]
    assert _lines_about(log, after_bad_messages["unmatched"]) == []
    assert "Traceback" not in log


def test_each_bad_message_has_one_dead_letter_with_its_origin(
    deployment: Deployment, after_bad_messages: dict[str, Any]
) -> None:
    letters: dict[Sent, Any] = {}
    for record in after_bad_messages["dlq"]:
        headers = {k: v.decode() for k, v in record.headers}
        origin = (
            headers["dagger-origin-topic"],
            int(headers["dagger-origin-partition"]),
            int(headers["dagger-origin-offset"]),
        )
        assert origin not in letters, f"{origin} dead-lettered twice"
        letters[origin] = (record, headers)
    assert set(letters) == {sent for sent, _, _, _ in deployment.bad}
    for sent, kind, key, value in deployment.bad:
        record, headers = letters[sent]
        assert headers["dagger-reason"], kind
        assert headers["dagger-original-size"] == str(len(value)), kind
        assert headers.get("dagger-origin-key") == (key.decode() if key else None), kind
        if len(value) >= BIG:
            assert record.value == b"", kind
            assert "over the producer limit" in headers["dagger-value-omitted"], kind
        else:
            assert record.value == value, kind
            assert record.key == key, kind
            assert "dagger-value-omitted" not in headers, kind
    reasons = {kind: letters[sent][1]["dagger-reason"] for sent, kind, _, _ in deployment.bad}
    assert "KeyError" in reasons["unknown key"]
    assert "dict value, not a string or number" in reasons["object-valued key"]
    assert "asked to explode" in reasons["on_message raises"]


def test_user_code_failure_still_fails_the_task(
    deployment: Deployment, after_bad_messages: dict[str, Any]
) -> None:
    data = instance(deployment.worker, after_bad_messages["boom"])
    assert data is not None
    listener = next(t for t in data["tasks"].values() if t["task_name"].endswith("listener_task"))
    assert listener["status"]["code"] == "FAILURE"
    assert listener["message"] == "ValueError: asked to explode"


def test_nothing_forged_is_listed(
    deployment: Deployment, after_bad_messages: dict[str, Any]
) -> None:
    status, listed = http_json(deployment.worker, "/tasks/instances?limit=1000")
    assert status == 200
    assert {w["id"] for w in listed} == {after_bad_messages["boom"], after_bad_messages["good"]}


def _get(worker: WorkerProcess, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}{path}", timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_table_views_are_off_by_default(deployment: Deployment) -> None:
    assert _get(deployment.worker, "/table/") == 404
    assert _get(deployment.worker, f"/table/{deployment.prefix}-kv_table/") == 404
    assert _get(deployment.worker, "/service/ready") == 200


def test_offset_is_bounded(deployment: Deployment) -> None:
    status, body = http_json(deployment.worker, "/tasks/instances?offset=100001")
    assert status == 400
    assert body["error"].startswith("offset:")
    assert http_json(deployment.worker, "/tasks/instances?offset=100000")[0] == 200


def test_an_over_long_url_is_one_log_line(deployment: Deployment) -> None:
    worker = deployment.worker
    marker = uuid.uuid4().hex
    status = _get(worker, f"/tasks/instances?{marker}={'x' * 20000}")
    assert 400 <= status < 500
    pattern = re.compile(r" WARNING aiohttp\.server: rejected a malformed HTTP request from ")
    lines = wait_until(
        lambda: [line for line in worker.log_text().splitlines() if pattern.search(line)],
        timeout=10,
        message=lambda: f"no line about the long URL: {worker.describe()}",
    )
    assert len(lines) == 1 and "LineTooLong" in lines[0], lines
    assert "Traceback" not in worker.log_text()
