"""A bounded cache of decoded workflows between steps, so a step need not decode again.

Decoding a stored workflow costs about four times copying it; a listener message or a timer
loads the workflow that an earlier step on the same worker saved. So each save of a workflow
that has not ended keeps a **copy** of it here, and the next load takes that copy instead
of decoding the stored bytes.

Nobody else may be changing an object this cache hands out:

- the copy is made when the workflow is saved: whoever saved it keeps their own object
  (``create_instance`` returns it to user code, callbacks receive it) and may change it
  later without touching the copy;
- a load **takes** the copy (it leaves the cache), so two loaders never share an object:
  the second one decodes the stored bytes; only the next save puts a copy back;
- the copy is handed out only while the stored bytes are still the ones its save wrote
  (compared by hash): a record rewritten by anything else, a recovery or a raw table write,
  is decoded instead;
- entries of partitions this worker no longer owns are dropped on a rebalance, and a
  deleted workflow's entry with it.
"""

from __future__ import annotations

import copy
import enum
from collections import OrderedDict
from typing import Any
from uuid import UUID

from dagger.core.record import Record

#: Decoded workflows kept per worker (least recently saved ones go first).
DEFAULT_CACHE_SIZE = 4096

_IMMUTABLE = frozenset({str, int, float, bool, type(None), UUID, bytes})


def copy_workflow(value: Any) -> Any:
    """A deep copy of a workflow (records, dicts and lists copied, immutable leaves
    shared): about four times faster than ``copy.deepcopy`` or decoding, because a record
    graph has no cycles and its leaves are plain values."""
    kind = type(value)
    if kind in _IMMUTABLE or isinstance(value, enum.Enum):
        return value
    if kind is dict:
        return {key: copy_workflow(item) for key, item in value.items()}
    if kind is list:
        return [copy_workflow(item) for item in value]
    if isinstance(value, Record):
        twin = object.__new__(kind)
        twin.__dict__.update({key: copy_workflow(item) for key, item in vars(value).items()})
        return twin
    return copy.deepcopy(value)  # anything else a runtime parameter may hold


class WorkflowCache:
    """Copies of saved workflows by id with their home partition, least recently saved
    first."""

    def __init__(self, size: int = DEFAULT_CACHE_SIZE) -> None:
        self.size = max(0, int(size))
        self._entries: OrderedDict[str, tuple[int, int, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def put(self, workflow_id: str, partition: int, workflow: Any, stored: bytes) -> None:
        """Keep a copy of the workflow just saved as ``stored`` in ``partition``."""
        if self.size == 0:
            return
        self._entries[workflow_id] = (partition, hash(stored), copy_workflow(workflow))
        self._entries.move_to_end(workflow_id)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def take(self, workflow_id: str, stored: bytes) -> Any | None:
        """The cached copy if ``stored`` is what its save wrote (it leaves the cache)."""
        entry = self._entries.pop(workflow_id, None)
        if entry is None or entry[1] != hash(stored):
            self.misses += 1
            return None
        self.hits += 1
        return entry[2]

    def discard(self, workflow_id: str) -> None:
        """Forget a workflow (ended, deleted, or no longer saved here)."""
        self._entries.pop(workflow_id, None)

    def keep_only(self, kept: set[int]) -> None:
        """Drop the workflows of partitions outside ``kept`` (after a rebalance)."""
        for workflow_id in [w for w, entry in self._entries.items() if entry[0] not in kept]:
            del self._entries[workflow_id]

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, workflow_id: object) -> bool:
        return workflow_id in self._entries
