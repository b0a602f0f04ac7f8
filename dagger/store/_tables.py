"""Partition-aware key/value tables: the storage primitive every engine store is built on.

faust's own ``Table`` API only writes from inside a stream event (the changelog partition
and the local RocksDB are the event's) and, with an event present, reads only the event's
partition. The engine writes from timers and web handlers too and reads across partitions,
so it addresses partitions explicitly instead: a workflow lives in its *home partition*
(see :mod:`dagger.runtime._partitioner`) and every record of it is written there, to the
local database of that partition and to that partition of the table's changelog topic.

- :class:`FaustTable`: a faust table (RocksDB store) used through its per-partition
  databases; faust still recovers the databases from the changelog on assignment.
- :class:`MemoryTable`: plain dicts per partition, for tests (nothing survives a restart).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any

logger = logging.getLogger("dagger.store")

#: Which partitions this worker owns now (``None``: all of them, e.g. a global store).
OwnedPartitions = Callable[[], "set[int] | None"]


class PartitionedTable(ABC):
    """A string-keyed table of bytes values, split into partitions.

    Reads only see partitions this worker owns; ``partition=None`` means "whichever owned
    partition holds the key".
    """

    name: str

    @abstractmethod
    def find(self, key: str) -> tuple[int, bytes] | None:
        """Return ``(partition, value)`` of the key in an owned partition, or ``None``."""

    def get(self, key: str, partition: int | None = None) -> bytes | None:
        """Return the value of a key (in ``partition``, or in any owned partition)."""
        found = self.find(key) if partition is None else self._get_in(key, partition)
        if found is None:
            return None
        return found[1] if isinstance(found, tuple) else found

    @abstractmethod
    def _get_in(self, key: str, partition: int) -> bytes | None:
        """Return the value of a key in one partition."""

    @abstractmethod
    def put(self, key: str, value: bytes, partition: int) -> None:
        """Write a key in a partition (and its changelog)."""

    @abstractmethod
    def delete(self, key: str, partition: int) -> None:
        """Delete a key from a partition (and write a changelog tombstone)."""

    @abstractmethod
    def items(
        self, partitions: Iterable[int] | None = None, prefix: str = ""
    ) -> Iterator[tuple[int, str, bytes]]:
        """Iterate ``(partition, key, value)`` over owned partitions (optionally some)."""

    def owned_partitions(self) -> list[int]:
        """The partitions this worker may read now, in order."""
        return sorted(self._owned_now())

    @abstractmethod
    def _owned_now(self) -> set[int]:
        """The owned partitions that hold (or may hold) data."""


class MemoryTable(PartitionedTable):
    """A table of plain dicts, one per partition (tests; nothing is durable)."""

    def __init__(self, name: str, owned: OwnedPartitions | None = None) -> None:
        self.name = name
        self._owned = owned
        self.data: dict[int, dict[str, bytes]] = {}

    def _owned_now(self) -> set[int]:
        owned = self._owned() if self._owned is not None else None
        return set(self.data) if owned is None else set(owned)

    def find(self, key: str) -> tuple[int, bytes] | None:
        """Return ``(partition, value)`` of the key, or ``None``."""
        for partition in self.owned_partitions():
            value = self.data.get(partition, {}).get(key)
            if value is not None:
                return partition, value
        return None

    def _get_in(self, key: str, partition: int) -> bytes | None:
        return self.data.get(partition, {}).get(key)

    def put(self, key: str, value: bytes, partition: int) -> None:
        """Write a key in a partition."""
        self.data.setdefault(partition, {})[key] = value

    def delete(self, key: str, partition: int) -> None:
        """Delete a key from a partition."""
        self.data.get(partition, {}).pop(key, None)

    def items(
        self, partitions: Iterable[int] | None = None, prefix: str = ""
    ) -> Iterator[tuple[int, str, bytes]]:
        """Iterate ``(partition, key, value)``, keys in order within a partition."""
        chosen = self.owned_partitions() if partitions is None else list(partitions)
        for partition in chosen:
            rows = self.data.get(partition, {})
            for key in sorted(k for k in rows if k.startswith(prefix)):
                value = rows.get(key)
                if value is not None:
                    yield partition, key, value


class FaustTable(PartitionedTable):
    """A faust table addressed per partition (RocksDB store, Kafka changelog).

    Writes go to the local database of the given partition and, unless the changelog is
    disabled, to the same partition of ``<app id>-<table>-changelog``, so the worker that
    owns the partition after a crash or rebalance recovers them. Reads only look at the
    partitions ``owned()`` reports, so nothing stale from a standby or a revoked partition
    is seen.
    """

    def __init__(self, table: Any, owned: OwnedPartitions, *, changelog: bool = True) -> None:
        self.table = table
        self.name = str(table.name)
        self._owned = owned
        self.changelog = changelog

    @property
    def _store(self) -> Any:
        return self.table.data

    def _owned_now(self) -> set[int]:
        owned = self._owned()
        if owned is None:
            return set(self._store._dbs)
        return set(owned)

    def _db(self, partition: int) -> Any:
        return self._store._db_for_partition(partition)

    def find(self, key: str) -> tuple[int, bytes] | None:
        """Return ``(partition, value)`` of the key in an owned partition, or ``None``."""
        raw = key.encode()
        for partition in self.owned_partitions():
            db = self._db(partition)
            if db.key_may_exist(raw):
                value = db.get(raw)
                if value is not None:
                    return partition, bytes(value)
        return None

    def _get_in(self, key: str, partition: int) -> bytes | None:
        value = self._db(partition).get(key.encode())
        return None if value is None else bytes(value)

    def put(self, key: str, value: bytes, partition: int) -> None:
        """Write locally and to the changelog partition."""
        raw = key.encode()
        self._db(partition).put(raw, value)
        if self.changelog:
            self.table.send_changelog(
                partition, raw, value, key_serializer="raw", value_serializer="raw"
            )

    def delete(self, key: str, partition: int) -> None:
        """Delete locally and write a tombstone to the changelog partition."""
        raw = key.encode()
        self._db(partition).delete(raw)
        if self.changelog:
            self.table.send_changelog(
                partition, raw, None, key_serializer="raw", value_serializer="raw"
            )

    def items(
        self, partitions: Iterable[int] | None = None, prefix: str = ""
    ) -> Iterator[tuple[int, str, bytes]]:
        """Iterate ``(partition, key, value)`` in key order within each partition."""
        chosen = self.owned_partitions() if partitions is None else list(partitions)
        offset_key = getattr(self._store, "offset_key", None)
        start = prefix.encode()
        for partition in chosen:
            db = self._db(partition)
            iterator = db.items(from_key=start) if start else db.items()
            for raw_key, raw_value in iterator:
                if raw_key == offset_key:
                    continue
                key = bytes(raw_key).decode(errors="replace")
                if not key.startswith(prefix):
                    break
                yield partition, key, bytes(raw_value)
