"""The development broker: starts, carries records, stops, and never outlives its owner."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from dagger.devbroker import DevBroker, DevBrokerError, acreate_topic, create_topic
from tests.support.ids import unique_name
from tests.support.ports import free_port, port_open
from tests.support.processes import pid_alive
from tests.support.waiting import async_wait_until, wait_until
from tests.support.worker import PROJECT_ROOT

pytestmark = pytest.mark.integration


async def test_produce_and_consume_from_earliest(
    dev_broker: DevBroker, make_topic: Callable[..., str]
) -> None:
    topic = make_topic(partitions=3, prefix="roundtrip")
    sent = {f"key-{i}".encode(): f"value-{i}".encode() for i in range(6)}

    producer = AIOKafkaProducer(bootstrap_servers=dev_broker.bootstrap_servers)
    await producer.start()
    try:
        for key, value in sent.items():
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=dev_broker.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: dict[bytes, bytes] = {}
    try:

        async def all_received() -> bool:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    assert record.key is not None and record.value is not None
                    received[record.key] = record.value
            return received == sent

        await async_wait_until(
            all_received, timeout=15, message=lambda: f"received only {received}"
        )
        assert consumer.partitions_for_topic(topic) == {0, 1, 2}
    finally:
        await consumer.stop()


async def test_topics_have_the_partition_count_asked_for(
    dev_broker: DevBroker, make_topic: Callable[..., str]
) -> None:
    topic = make_topic(partitions=5)
    admin = AIOKafkaAdminClient(bootstrap_servers=dev_broker.bootstrap_servers)
    await admin.start()
    try:
        [meta] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert len(meta["partitions"]) == 5
    # Idempotent with the same count, an error with another one.
    await dev_broker.acreate_topic(topic, partitions=5)
    with pytest.raises(DevBrokerError, match="5 partitions"):
        await dev_broker.acreate_topic(topic, partitions=2)
    with pytest.raises(ValueError):
        dev_broker.create_topic("not a legal name!")


async def _partition_counts(broker: DevBroker, topics: list[str]) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {meta["topic"]: len(meta["partitions"]) for meta in described}


def test_create_topic_as_documented_from_plain_code(dev_broker: DevBroker) -> None:
    by_url, by_servers = unique_name("url"), unique_name("servers")
    # The address forms the broker prints (kafka://host:port) and Kafka clients take.
    create_topic(dev_broker.url, by_url, partitions=4)
    create_topic(dev_broker.bootstrap_servers, by_servers, 2)
    counts = asyncio.run(_partition_counts(dev_broker, [by_url, by_servers]))
    assert counts == {by_url: 4, by_servers: 2}
    with pytest.raises(DevBrokerError, match="4 partitions"):
        create_topic(dev_broker.url, by_url, partitions=1)


async def test_create_topic_inside_a_running_loop_and_acreate_topic(
    dev_broker: DevBroker,
) -> None:
    names = [unique_name("inloop") for _ in range(4)]
    create_topic(dev_broker.url, names[0], partitions=2)  # blocks this loop, but works
    create_topic(dev_broker.bootstrap_servers, names[1], partitions=3)
    await acreate_topic(dev_broker.url, names[2], partitions=2)
    await acreate_topic(dev_broker.bootstrap_servers, names[3], partitions=5)
    counts = await _partition_counts(dev_broker, names)
    assert counts == dict(zip(names, [2, 3, 2, 5], strict=True))


def test_start_and_stop_closes_the_port() -> None:
    broker = DevBroker()
    broker.start()
    try:
        port, pid = broker.port, broker.pid
        assert pid is not None
        assert broker.running
        assert broker.url == f"kafka://127.0.0.1:{port}"
        assert broker.bootstrap_servers == f"127.0.0.1:{port}"
        assert port_open(port)
    finally:
        broker.stop()
    assert not broker.running
    assert not port_open(port)
    assert not pid_alive(pid)
    broker.stop()  # a second stop is harmless


async def test_async_context_manager() -> None:
    async with DevBroker() as broker:
        port = broker.port
        assert port_open(port)
        await broker.acreate_topic("async-topic", partitions=2)
    assert not port_open(port)


def test_explicit_port_in_use_is_an_error(dev_broker: DevBroker) -> None:
    with pytest.raises(DevBrokerError, match="already in use"):
        DevBroker(dev_broker.port).start()
    assert dev_broker.running


def _start_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dagger.devbroker", *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_opens_the_port_prints_the_url_and_exits_cleanly(sig: signal.Signals) -> None:
    port = free_port()
    started = time.monotonic()
    proc = _start_cli("--port", str(port))
    try:
        wait_until(lambda: port_open(port), timeout=2.0, interval=0.02, message="port not open")
        assert time.monotonic() - started < 2.0
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"kafka://127.0.0.1:{port}\n"
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not port_open(port)


def test_cli_prints_a_free_port_when_none_is_given() -> None:
    proc = _start_cli()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("kafka://127.0.0.1:")
        assert port_open(int(line.rsplit(":", 1)[1]))
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("ending", ["exit", "sigkill"])
def test_broker_dies_with_its_owner(ending: str) -> None:
    """atexit stops a forgotten broker; the parent-death signal covers a SIGKILLed owner."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from dagger.devbroker import DevBroker
        broker = DevBroker().start()
        print(broker.pid, broker.port, flush=True)
        if {ending!r} == "exit":
            sys.exit(0)
        time.sleep(60)
        """
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        pid_text, port_text = owner.stdout.readline().split()
        pid, port = int(pid_text), int(port_text)
        if ending == "sigkill":
            assert pid_alive(pid)
            os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=10)
        wait_until(lambda: not pid_alive(pid), timeout=5, message=f"broker {pid} outlived owner")
        wait_until(lambda: not port_open(port), timeout=5, message=f"port {port} still open")
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
