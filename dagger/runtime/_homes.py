"""Where each workflow is stored on this worker: the partition of its record."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict

from dagger.store._tables import PartitionedTable

#: How many workflows' homes are remembered (the most recently used).
HOMES_REMEMBERED = 200_000


class Homes:
    """The home partition of each workflow: remembered as saves and lookups learn it, else
    found by a scan of the owned partitions of the workflow table.

    A scan that finds nothing is remembered until the event loop's next turn: a new
    workflow's ownership check, admission, index writes and first save, all in one turn,
    scan once. Nothing else runs within the turn, so no rebalance or restore can have put
    the workflow here meanwhile, and its save remembers its home, which is read first.
    """

    def __init__(self, kv: PartitionedTable, remembered: int = HOMES_REMEMBERED) -> None:
        self.kv = kv
        self._remembered = remembered
        self._homes: OrderedDict[str, int] = OrderedDict()
        self._absent: str | None = None

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
        if workflow_id == self._absent:
            return None
        found = self.kv.find(workflow_id)
        if found is not None:
            self.remember(workflow_id, found[0])
            return found
        with contextlib.suppress(RuntimeError):  # no running loop: nothing remembered
            loop = asyncio.get_running_loop()
            if self._absent is None:
                loop.call_soon(self._forget_absent)
            self._absent = workflow_id
        return None

    def _forget_absent(self) -> None:
        self._absent = None
