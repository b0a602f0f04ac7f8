"""Create topics with an explicit partition count and wait until clients can see them."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from dagger.devbroker._binary import DevBrokerError

#: Kafka's rule for topic names. Tansu accepts any name; a real cluster would not.
_LEGAL_TOPIC = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")

_TOPIC_ALREADY_EXISTS = 36


async def create_topic(
    bootstrap_servers: str,
    name: str,
    partitions: int = 1,
    *,
    replication_factor: int = 1,
    exist_ok: bool = True,
    timeout: float = 10.0,
) -> None:
    """Create ``name`` with ``partitions`` partitions and wait until its metadata is visible.

    Raises:
        ValueError: the name is not a legal Kafka topic name, or ``partitions`` < 1.
        DevBrokerError: the broker refused, the topic exists with another partition count
            (or at all, when ``exist_ok`` is false), or it did not show up within ``timeout``.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    if not _LEGAL_TOPIC.match(name):
        raise ValueError(f"illegal Kafka topic name: {name!r}")
    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions}")
    deadline = time.monotonic() + timeout
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout * 1000)
    )
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


async def _partition_count(admin: Any, name: str) -> int | None:
    """Partitions of ``name`` once every one of them has a leader, else ``None``."""
    for topic in await admin.describe_topics([name]):
        if topic.get("topic") != name or topic.get("error_code"):
            continue
        parts = topic.get("partitions") or []
        if parts and all(p.get("error_code") == 0 and p.get("leader", -1) >= 0 for p in parts):
            return len(parts)
    return None
