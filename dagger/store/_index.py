"""The listener correlation index, stored per partition in chunks (0.2.6's layout, per partition).

A listener task waiting for a message on ``topic`` correlated by ``value`` is recorded under
``f"{value}_{topic}@{partition}"`` in the workflow's home partition, as a chain of
:class:`CorreletableKeyTasks` chunks of at most ``chunk_size`` entries linked by
``overflow_key``. A lookup merges the chains of every partition this worker owns.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from dagger.core.records import CorreletableKeyTasks, CorreletableLookUpKey
from dagger.store._tables import PartitionedTable

Pair = tuple[UUID, UUID]


def index_key(value: str, topic: str, partition: int) -> str:
    """The head key of the chain for ``value`` on ``topic`` in ``partition``."""
    return f"{value}_{topic}@{partition}"


class CorrelationIndex:
    """Add, remove and look up listener entries in a partitioned table."""

    def __init__(self, table: PartitionedTable, chunk_size: int = 15000) -> None:
        self.table = table
        self.chunk_size = max(1, int(chunk_size))

    def _chain(self, head: str, partition: int) -> list[CorreletableKeyTasks]:
        chunks: list[CorreletableKeyTasks] = []
        key: str | None = head
        seen: set[str] = set()
        while key is not None and key not in seen:
            seen.add(key)
            raw = self.table.get(key, partition)
            if raw is None:
                break
            chunk = CorreletableKeyTasks.loads(raw)
            chunk.key = key
            chunks.append(chunk)
            key = chunk.overflow_key
        return chunks

    def _write(self, chunk: CorreletableKeyTasks, partition: int) -> None:
        assert chunk.key is not None
        self.table.put(chunk.key, chunk.dumps(), partition)

    def add(self, value: str, topic: str, workflow_id: UUID, task_id: UUID, partition: int) -> None:
        """Record an entry (idempotent)."""
        head = index_key(value, topic, partition)
        entry = CorreletableLookUpKey(workflow_id, task_id)
        chain = self._chain(head, partition)
        if any(entry in chunk.lookup_keys for chunk in chain):
            return
        if not chain:
            self._write(CorreletableKeyTasks({entry}, None, head), partition)
            return
        for chunk in chain:
            if len(chunk.lookup_keys) < self.chunk_size:
                chunk.lookup_keys.add(entry)
                self._write(chunk, partition)
                return
        last = chain[-1]
        fresh = CorreletableKeyTasks({entry}, None, f"{head}#{uuid.uuid4().hex[:16]}")
        self._write(fresh, partition)
        last.overflow_key = fresh.key
        self._write(last, partition)

    def remove(
        self, value: str, topic: str, workflow_id: UUID, task_id: UUID, partition: int
    ) -> bool:
        """Remove an entry; drop chunks that become empty. ``False`` when it was absent."""
        head = index_key(value, topic, partition)
        entry = CorreletableLookUpKey(workflow_id, task_id)
        chain = self._chain(head, partition)
        for position, chunk in enumerate(chain):
            if entry not in chunk.lookup_keys:
                continue
            chunk.lookup_keys.discard(entry)
            if chunk.lookup_keys:
                self._write(chunk, partition)
            elif position == 0 and chunk.overflow_key is None:
                self.table.delete(head, partition)
            elif position == 0:
                self._write(chunk, partition)  # an empty head keeps the chain reachable
            else:
                previous = chain[position - 1]
                previous.overflow_key = chunk.overflow_key
                self._write(previous, partition)
                assert chunk.key is not None
                self.table.delete(chunk.key, partition)
                head_chunk = chain[0]
                if not head_chunk.lookup_keys and head_chunk.overflow_key is None:
                    self.table.delete(head, partition)
            return True
        return False

    def lookup(self, value: str, topic: str) -> list[tuple[int, UUID, UUID]]:
        """Every ``(partition, workflow_id, task_id)`` under ``value`` on ``topic``, locally."""
        found: list[tuple[int, UUID, UUID]] = []
        for partition in self.table.owned_partitions():
            for chunk in self._chain(index_key(value, topic, partition), partition):
                for entry in sorted(
                    chunk.lookup_keys, key=lambda e: (str(e.workflow_id), str(e.task_id))
                ):
                    found.append((partition, entry.workflow_id, entry.task_id))
        return found

    def chains(self, value: str, topic: str) -> list[CorreletableKeyTasks]:
        """The stored chunks under ``value`` on ``topic`` in every owned partition."""
        chunks: list[CorreletableKeyTasks] = []
        for partition in self.table.owned_partitions():
            chunks.extend(self._chain(index_key(value, topic, partition), partition))
        return chunks
