"""Which partition a key belongs to: the Kafka default partitioner's choice.

A workflow's *home partition* is where ``tasks_topic`` messages keyed by its partition key
value land (murmur2 of the key bytes, as Kafka's and aiokafka's default partitioner), so
the worker consuming that partition of ``tasks_topic`` is the one that stores the workflow.
Keys are sent as the UTF-8 bytes of ``str(value)``.
"""

from __future__ import annotations

from typing import Any

from aiokafka.partitioner import murmur2


def key_bytes(value: Any) -> bytes:
    """The wire form of a partition or correlation key: ``str(value)`` in UTF-8 (bytes kept)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def partition_for(value: Any, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for a key among ``partitions``."""
    if partitions <= 1:
        return 0
    return (murmur2(key_bytes(value)) & 0x7FFFFFFF) % partitions
