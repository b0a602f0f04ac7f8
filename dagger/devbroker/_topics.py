"""Create topics with an explicit partition count and wait until clients can see them.

`create_topic` blocks until the topic exists; `acreate_topic` is the same as a coroutine.
Both take the broker address as ``host:port`` (what Kafka clients take) or as
``kafka://host:port`` (what faust and `DevBroker.url` use), several separated by ``,``.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from dagger.devbroker._binary import DevBrokerError
from dagger.devbroker._sync import run_sync

#: Kafka's rule for topic names. Tansu accepts any name; a real cluster would not.
_LEGAL_TOPIC = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")

_TOPIC_ALREADY_EXISTS = 36
#: URL schemes accepted in front of ``host:port`` (faust's names for a Kafka broker).
_SCHEMES = ("kafka://", "aiokafka://")


def broker_address(address: str) -> list[str]:
    """``host:port`` of each broker in ``address``: ``host:port`` or ``kafka://host:port``,
    several separated by ``,`` or ``;``. ``ValueError`` for anything else."""
    servers = []
    for part in re.split(r"[,;]", address):
        server = part.strip()
        for scheme in _SCHEMES:
            if server.startswith(scheme):
                server = server[len(scheme) :]
                break
        if not server or "://" in server or "/" in server:
            raise ValueError(
                f"broker address {address!r}: use host:port or kafka://host:port "
                "(several separated by ',')"
            )
        servers.append(server)
    return servers


def create_topic(
    bootstrap_servers: str,
    name: str,
    partitions: int = 1,
    *,
    replication_factor: int = 1,
    exist_ok: bool = True,
    timeout: float = 10.0,
) -> None:
    """Create ``name`` with ``partitions`` partitions and return once clients can see it.

    A plain (blocking) function, for scripts and set-up code; from a coroutine, prefer
    ``await acreate_topic(...)``, which does not block the event loop:

        from dagger.devbroker import create_topic

        create_topic("kafka://127.0.0.1:9092", "orders", partitions=4)

    ``bootstrap_servers`` is ``host:port`` or ``kafka://host:port`` (several separated by
    ``,``). It works on any Kafka, not only the development broker.

    Raises:
        ValueError: the address, the name (not a legal Kafka topic name) or ``partitions``
            (< 1) is invalid.
        DevBrokerError: the broker refused, the topic exists with another partition count
            (or at all, when ``exist_ok`` is false), or it did not show up within ``timeout``.
    """
    broker_address(bootstrap_servers)  # invalid arguments fail here, before any thread
    _check_topic(name, partitions)
    run_sync(
        acreate_topic(
            bootstrap_servers,
            name,
            partitions,
            replication_factor=replication_factor,
            exist_ok=exist_ok,
            timeout=timeout,
        )
    )


async def acreate_topic(
    bootstrap_servers: str,
    name: str,
    partitions: int = 1,
    *,
    replication_factor: int = 1,
    exist_ok: bool = True,
    timeout: float = 10.0,
) -> None:
    """`create_topic` as a coroutine, for async code (it does not block the event loop).

        await acreate_topic("kafka://127.0.0.1:9092", "orders", partitions=4)

    Same arguments and errors as `create_topic`.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    servers = broker_address(bootstrap_servers)
    _check_topic(name, partitions)
    deadline = time.monotonic() + timeout
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=int(timeout * 1000))
    await admin.start()
    try:
        response = await admin.create_topics([NewTopic(name, partitions, replication_factor)])
        for _topic, code, message in response.topic_errors:
            if code == _TOPIC_ALREADY_EXISTS and exist_ok:
                continue
            if code != 0:
                raise DevBrokerError(f"could not create topic {name!r}: [{code}] {message}")
        while True:
            found = await _partition_count(admin, name)
            if found is not None:
                if found != partitions:
                    raise DevBrokerError(
                        f"topic {name!r} exists with {found} partitions, not {partitions}"
                    )
                return
            if time.monotonic() >= deadline:
                raise DevBrokerError(f"topic {name!r} not visible after {timeout} s")
            await asyncio.sleep(0.05)  # poll period while metadata propagates
    finally:
        await admin.close()


def _check_topic(name: str, partitions: int) -> None:
    if not _LEGAL_TOPIC.match(name):
        raise ValueError(f"illegal Kafka topic name: {name!r}")
    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions}")


async def _partition_count(admin: Any, name: str) -> int | None:
    """Partitions of ``name`` once every one of them has a leader, else ``None``."""
    for topic in await admin.describe_topics([name]):
        if topic.get("topic") != name or topic.get("error_code"):
            continue
        parts = topic.get("partitions") or []
        if parts and all(p.get("error_code") == 0 and p.get("leader", -1) >= 0 for p in parts):
            return len(parts)
    return None
