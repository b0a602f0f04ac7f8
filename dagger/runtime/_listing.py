"""The runtime's side of listing: workflow summaries kept up to date and rebuilt after a
rebalance (see :mod:`dagger.store._summary` for why they are not a changelogged table)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from dagger.store._summary import WorkflowSummaries, summarize
from dagger.store._tables import PartitionedTable

logger = logging.getLogger("dagger.runtime")


class Listing:
    """Summaries of the workflows in the owned partitions of a kv table, and the page a
    listing asks for (``None`` while some owned partition is still being summarized)."""

    def __init__(self, kv: PartitionedTable) -> None:
        self.kv = kv
        self.summaries = WorkflowSummaries()
        self._generation = 0
        self._rebuild: asyncio.Task[None] | None = None

    def saved(self, partition: int, workflow: Any) -> None:
        """A workflow was written to ``partition``."""
        self.summaries.put(partition, summarize(workflow))

    def deleted(self, partition: int, workflow_id: str) -> None:
        """A workflow was deleted from ``partition``."""
        self.summaries.remove(partition, workflow_id)

    def assigned(self, kept: set[int]) -> None:
        """The owned partitions are now ``kept`` (recovered): drop the others and summarize
        the new ones from the kv table in the background."""
        self.summaries.keep_only(kept)
        todo = sorted(p for p in kept if self.summaries.needs_rebuild(p))
        self._generation += 1
        if not todo:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): summarize now
            for partition in todo:
                for _ in self.summaries.rebuild_slices(partition, self._records(partition)):
                    pass
            return
        self._rebuild = loop.create_task(self._summarize(todo, self._generation))

    def _records(self, partition: int) -> Any:
        return ((key, raw) for _, key, raw in self.kv.items([partition]))

    async def _summarize(self, partitions: list[int], generation: int) -> None:
        for partition in partitions:
            for _ in self.summaries.rebuild_slices(partition, self._records(partition)):
                if generation != self._generation:
                    return  # a newer assignment started its own rebuild
                await asyncio.sleep(0)
            logger.debug("summarized the workflows of partition %s", partition)

    def page(
        self, *, status: str | None, template: str | None, offset: int, limit: int
    ) -> list[tuple[int, str, bytes]] | None:
        """``(partition, id, raw bytes)`` of the matching page, or ``None`` when the
        summaries of some owned partition are not ready (the caller scans instead)."""
        partitions = self.kv.owned_partitions()
        if not self.summaries.is_ready(partitions):
            return None
        page = self.summaries.page(
            partitions, status=status, template=template, offset=offset, limit=limit
        )
        found: list[tuple[int, str, bytes]] = []
        for partition, workflow_id in page:
            raw = self.kv.get(workflow_id, partition)
            if raw is not None:
                found.append((partition, workflow_id, raw))
        return found
