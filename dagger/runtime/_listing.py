"""The runtime's side of listing: workflow summaries kept up to date and rebuilt after a
rebalance (see :mod:`dagger.store._summary` for why they are not a changelogged table).

Read by ``/tasks/instances`` (:meth:`Listing.page`: the raw records of one page) and by the
dashboard's JSON (:meth:`Listing.summary_page` and :meth:`Listing.counts`: the summaries
alone, no stored record read)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from dagger.store._summary import Summary, WorkflowSummaries, summarize
from dagger.store._tables import PartitionedTable

logger = logging.getLogger("dagger.runtime")


def check_list_rate(rate: float | None) -> float | None:
    """Validate ``Dagger(web_list_rate=...)``: pages per second, a positive number, or
    ``None`` for no bound (``ValueError`` naming the option otherwise)."""
    if rate is None:
        return None
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
        raise ValueError(
            f"web_list_rate must be a positive number of pages per second, or None for no "
            f"bound (got {rate!r})"
        )
    return float(rate)


class Listing:
    """Summaries of the workflows in the owned partitions of a kv table, and the page a
    listing asks for (``None`` while some owned partition is still being summarized)."""

    def __init__(self, kv: PartitionedTable) -> None:
        self.kv = kv
        self.summaries = WorkflowSummaries()
        self._generation = 0
        self._rebuild: asyncio.Task[None] | None = None
        #: The rebuilds still to run, each a generator of slices (``rebuild_slices``).
        self._pending: list[Iterator[int]] = []
        self._one_page_at_a_time = asyncio.Lock()
        #: At most this many pages per second (``Dagger(web_list_rate=...)``); ``None``: no
        #: bound. Requests beyond it wait their turn (no CPU) instead of taking the loop.
        self.pages_per_second: float | None = None
        self._tokens = float("inf")  # a full bucket: capped at the burst on first use
        self._tokens_at = 0.0

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
        self._pending = [
            self.summaries.rebuild_slices(partition, self._records(partition)) for partition in todo
        ]
        if not todo:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): summarize now
            self.finish_now()
            return
        self._rebuild = loop.create_task(self._summarize(self._generation))

    def _records(self, partition: int) -> Any:
        return ((key, raw) for _, key, raw in self.kv.items([partition]))

    async def _summarize(self, generation: int) -> None:
        # Slices of records between turns of the event loop; a listing that comes first
        # finishes the rest itself (finish_now), so both share the same generators.
        while self._pending and generation == self._generation:
            slices = self._pending[0]
            for _ in slices:
                if generation != self._generation:
                    return  # a newer assignment started its own rebuild
                await asyncio.sleep(0)
            if self._pending and self._pending[0] is slices:
                self._pending.pop(0)

    def finish_now(self) -> None:
        """Run what is left of the rebuilds at once (a listing needs them: reading every
        record for its own answer would cost as much, and again for each request)."""
        while self._pending:
            for _ in self._pending.pop(0):
                pass

    async def _ready_partitions(self) -> list[int] | None:
        """The owned partitions once all are summarized, after waiting for a rebuild under
        way (its slices yield to the event loop) or, with none running, finishing it now;
        ``None`` when some owned partition was never summarized (no assignment seen)."""
        partitions = self.kv.owned_partitions()
        while not self.summaries.is_ready(partitions):
            rebuild = self._rebuild
            if rebuild is None or rebuild.done():
                self.finish_now()
                break
            await asyncio.shield(rebuild)
        return partitions if self.summaries.is_ready(partitions) else None

    #: Stored records read between two turns of the event loop while answering a page.
    READ_SLICE = 100

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """A page's turn: one page at a time on this worker, at most ``pages_per_second``."""
        async with self._one_page_at_a_time:
            await self._pace()
            yield

    async def _pace(self) -> None:
        """Wait (holding the page lock) for the next page's turn under ``pages_per_second``
        (a token bucket holding a tenth of a second's pages): a client now and then never
        waits, while clients listing in a loop as fast as they can get pages at that rate
        and the rest of the loop's time stays with the workflows."""
        rate = self.pages_per_second
        if not rate:
            return
        loop = asyncio.get_running_loop()
        burst = max(1.0, rate / 10)
        now = loop.time()
        self._tokens = min(burst, self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = now
        if self._tokens < 1:
            await asyncio.sleep((1 - self._tokens) / rate)
            self._tokens, self._tokens_at = 1.0, loop.time()
        self._tokens -= 1

    async def _choose(
        self, *, status: str | None, template: str | None, offset: int, limit: int
    ) -> list[tuple[int, str]] | None:
        """``(partition, id)`` of the matching page, chosen from the summaries in slices
        that give the event loop a turn; ``None`` as for :meth:`_ready_partitions`."""
        partitions = await self._ready_partitions()
        if partitions is None:
            return None
        chosen: list[tuple[int, str]] = []
        for _ in self.summaries.page_slices(
            partitions, chosen, status=status, template=template, offset=offset, limit=limit
        ):
            await asyncio.sleep(0)
        return chosen

    async def page(
        self, *, status: str | None, template: str | None, offset: int, limit: int
    ) -> list[tuple[int, str, bytes]] | None:
        """``(partition, id, raw bytes)`` of the matching page, or ``None`` when some owned
        partition was never summarized (no assignment seen: the caller scans instead).

        It shares the event loop with the workflows: one page is built at a time on this
        worker, at most ``pages_per_second`` of them (other list requests wait their turn
        instead of each taking part of every turn of the loop), and the summary scan, the
        reads and a rebuild still under way give the loop a turn after every slice. However
        many clients list at once, the workflows wait at most about one slice (a millisecond
        or so) per turn of the loop, and listing takes a bounded share of the loop.
        """
        async with self._turn():
            chosen = await self._choose(
                status=status, template=template, offset=offset, limit=limit
            )
            if chosen is None:
                return None
            found: list[tuple[int, str, bytes]] = []
            for count, (partition, workflow_id) in enumerate(chosen, 1):
                raw = self.kv.get(workflow_id, partition)
                if raw is not None:
                    found.append((partition, workflow_id, raw))
                if count % self.READ_SLICE == 0:
                    await asyncio.sleep(0)
            return found

    async def summary_page(
        self, *, status: str | None, template: str | None, offset: int, limit: int
    ) -> list[Summary] | None:
        """The summaries of the page :meth:`page` would read, in the same order, without
        reading a stored record (one page at a time, like :meth:`page`); ``None`` as for
        :meth:`page`."""
        async with self._turn():
            chosen = await self._choose(
                status=status, template=template, offset=offset, limit=limit
            )
        if chosen is None:
            return None
        found: list[Summary] = []
        for partition, workflow_id in chosen:
            summary = self.summaries.summary(partition, workflow_id)
            if summary is not None:
                found.append(summary)
        return found

    async def counts(self) -> dict[tuple[str | None, str | None], int] | None:
        """How many owned workflows have each ``(status, template)`` (counts the summaries
        keep, read in memory); ``None`` as for :meth:`page`."""
        partitions = await self._ready_partitions()
        return None if partitions is None else self.summaries.counts(partitions)
