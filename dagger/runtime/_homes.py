"""Where each workflow is stored on this worker: the partition of its record."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from dagger.store._tables import PartitionedTable

#: How many workflows' homes are remembered (the most recently used).
HOMES_REMEMBERED = 200_000


class Homes:
    """The home partition of each workflow: remembered as saves and lookups learn it, else
    found by a scan of the owned partitions of the workflow table.

    A scan that finds nothing is trusted by the task that made it until that task next
    yields to the event loop: a new workflow's ownership check, admission, index writes and
    first save, one uninterrupted run of the step, scan once. Nothing else runs in between,
    so no rebalance or changelog restore can have put the workflow here meanwhile, and its
    save remembers its home, which is read first. Other tasks, and the same task after it
    yields, scan again.
    """

    def __init__(self, kv: PartitionedTable, remembered: int = HOMES_REMEMBERED) -> None:
        self.kv = kv
        self._remembered = remembered
        self._homes: OrderedDict[str, int] = OrderedDict()
        #: The id a scan did not find, and the task that scanned.
        self._absent: tuple[str, object] | None = None

    def get(self, workflow_id: str) -> int | None:
        """The remembered home (no scan)."""
        return self._homes.get(workflow_id)

    def remember(self, workflow_id: str, partition: int) -> None:
        """The workflow lives in ``partition`` (a save or a lookup found it there)."""
        self._homes[workflow_id] = partition
        self._homes.move_to_end(workflow_id)
        if len(self._homes) > self._remembered:
            self._homes.popitem(last=False)

    def forget(self, workflow_id: str) -> None:
        """The workflow's record was deleted."""
        self._homes.pop(workflow_id, None)

    def keep_only(self, kept: set[int]) -> None:
        """Forget the homes outside ``kept`` (after a rebalance)."""
        for workflow_id in [w for w, p in self._homes.items() if p not in kept]:
            del self._homes[workflow_id]

    def home_of(self, workflow_id: str) -> int | None:
        """The remembered home, else the partition a scan finds the record in."""
        home = self._homes.get(workflow_id)
        if home is not None:
            return home
        found = self.find(workflow_id)
        return None if found is None else found[0]

    def find(self, workflow_id: str) -> tuple[int, bytes] | None:
        """``(partition, record)`` from a scan of the owned partitions (its home is
        remembered), or ``None``."""
        absent = self._absent
        if absent is not None and absent[0] == workflow_id and absent[1] is _current_task():
            return None
        found = self.kv.find(workflow_id)
        if found is not None:
            self.remember(workflow_id, found[0])
            return found
        task = _current_task()
        if task is not None:
            # Dropped at the loop's next iteration, before the task can run again.
            if self._absent is None:
                asyncio.get_running_loop().call_soon(self._forget_absent)
            self._absent = (workflow_id, task)
        return None

    def _forget_absent(self) -> None:
        self._absent = None


def _current_task() -> object | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop
        return None
