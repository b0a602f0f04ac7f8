"""``FaustRuntime``: the :class:`WorkflowRuntime` port over the engine's partitioned tables.

Where things live. Every workflow has a *home partition* (see ``_partitioner``): its kv
record, its triggers and its correlation entries are all written there, so the worker that
owns the partition (after a crash or a rebalance) recovers all of them together from the
changelogs. The runtime learns a workflow's home when it loads it (the partition it was
found in) or, for a new workflow, at its first save: the partition of the message that
brought it (``home_partition``), else the partition of its partition key value, else an
owned partition.

Writes about a workflow not saved yet (the listeners and triggers registered while it is
created) are buffered until that first save, then written to its home. A workflow whose home
partition belongs to another worker is forwarded over ``tasks_topic`` to that worker, which
registers its listeners and triggers itself: nothing is lost and nothing is stored where its
owner would not recover it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from dagger.core.correlation import unindex_all
from dagger.core.ports import WorkflowNode, WorkflowRuntime
from dagger.core.records import Trigger
from dagger.core.transitions import is_terminal
from dagger.engine import operations
from dagger.runtime._deferred import DeferredCreations
from dagger.runtime._homes import Homes
from dagger.runtime._listing import Listing
from dagger.runtime._locks import LockedSession, StripedLocks
from dagger.runtime._partitioner import partition_for
from dagger.runtime._workflow_cache import DEFAULT_CACHE_SIZE, WorkflowCache
from dagger.store._index import CorrelationIndex
from dagger.store._summary import Summary
from dagger.store._tables import PartitionedTable
from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.runtime")

#: The partition of the message being handled, set by the tasks-topic agent: the home of a
#: workflow it creates.
home_partition: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "dagger_home_partition", default=None
)

Forward = Callable[[Any, WorkflowNode], Awaitable[None]]
Publish = Callable[[Any, bytes], Awaitable[None]]
Callback = Callable[[WorkflowNode], Awaitable[Any]]
TriggerHook = Callable[[int, str, str, float], None]
_Pending = Callable[[int], None]


def trigger_key(workflow_id: Any, task_id: Any) -> str:
    """Where a task's trigger is stored: ``"<workflow id>/<task id>"``."""
    return f"{workflow_id}/{task_id}"


def partition_key_value(workflow: WorkflowNode) -> Any:
    """The value of the workflow's partition key runtime parameter (``None`` when unset)."""
    lookup = workflow.partition_key_lookup
    return None if lookup is None else workflow.runtime_parameters.get(lookup)


class FaustRuntime(WorkflowRuntime):
    """Workflows, triggers and the correlation index in partitioned tables.

    Args:
        kv, triggers, correlation: the three tables.
        partitions: how many partitions the tables (and ``tasks_topic``) have.
        owned: which partitions this worker owns now (``None``: every one).
        forward: sends a workflow over ``tasks_topic`` keyed by a partition key value.
        publish: sends a task-update event ``(key, json bytes)``, or ``None``.
        callbacks: awaited with each workflow saved (``task_update_callbacks``).
        on_trigger: told about each trigger saved (the scheduler), or ``None``.
        on_trigger_removed: told about each trigger removed, or ``None``.
        chunk_size: correlation chunk size (``max_correletable_keys_in_values``).
        delete_workflow_on_complete: ended workflows are deleted, never written again.
        locks: the per-workflow locks the engine's steps hold (the engine's); a creation
            outside any step holds them too (:meth:`exclusive`).
    """

    def __init__(
        self,
        *,
        kv: PartitionedTable,
        triggers: PartitionedTable,
        correlation: PartitionedTable,
        partitions: int,
        owned: Callable[[], set[int] | None],
        forward: Forward,
        publish: Publish | None = None,
        callbacks: Sequence[Callback] = (),
        on_trigger: TriggerHook | None = None,
        on_trigger_removed: Callable[[str, str], None] | None = None,
        chunk_size: int = 15000,
        delete_workflow_on_complete: bool = False,
        clock: Callable[[], float] = time.time,
        cache_size: int = DEFAULT_CACHE_SIZE,
        locks: StripedLocks | None = None,
    ) -> None:
        self.kv = kv
        self.triggers = triggers
        self.index = CorrelationIndex(correlation, chunk_size)
        self.partitions = max(1, int(partitions))
        self._owned = owned
        self._forward = forward
        self._publish = publish
        self.callbacks = list(callbacks)
        self._on_trigger = on_trigger
        self._on_trigger_removed = on_trigger_removed
        self.delete_workflow_on_complete = delete_workflow_on_complete
        self._clock = clock
        #: Where each workflow is stored (``_homes``).
        self.homes = Homes(kv)
        self._pending: dict[str, list[_Pending]] = {}
        #: Decoded workflows between steps (``_workflow_cache``).
        self.cache = WorkflowCache(cache_size)
        #: Workflow summaries for listing (``_listing``).
        self.listing = Listing(kv)
        self._deferred = DeferredCreations(self._store_created)
        self.locks = StripedLocks() if locks is None else locks

    def now(self) -> float:
        """Wall-clock time, epoch seconds."""
        return self._clock()

    def watch_triggers(self, on_saved: TriggerHook, on_removed: Callable[[str, str], None]) -> None:
        """Tell ``on_saved`` about each trigger stored from now on and ``on_removed`` about
        each one removed (the timer service's scheduler, built after the runtime)."""
        self._on_trigger = on_saved
        self._on_trigger_removed = on_removed

    # -- partitions -------------------------------------------------------------------
    def owns(self, partition: int) -> bool:
        """Whether this worker owns ``partition`` now."""
        owned = self._owned()
        return owned is None or partition in owned

    def forget_partitions(self, kept: set[int] | None) -> None:
        """Drop cached homes outside ``kept`` (after a rebalance)."""
        if kept is None:
            return
        self.homes.keep_only(kept)
        self.cache.keep_only(kept)
        self.listing.assigned(kept)

    def home_of(self, workflow_id: UUID | str) -> int | None:
        """The home partition of a stored workflow, if this worker holds it."""
        return self.homes.home_of(str(workflow_id))

    def choose_home(self, workflow: WorkflowNode) -> int:
        """Where a new workflow lives: the message's partition, its key's, or an owned one."""
        hinted = home_partition.get()
        if hinted is not None:
            return hinted
        value = partition_key_value(workflow)
        if value is not None:
            return partition_for(value, self.partitions)
        owned = self._owned()
        if owned:
            return min(owned)
        return 0

    def is_owned_elsewhere(self, workflow: WorkflowNode) -> bool:
        """Whether the workflow's home (stored here, or where it would go) is another worker's."""
        home = self.home_of(workflow.id)
        if home is None:
            home = self.choose_home(workflow)
        return not self.owns(home)

    # -- workflows --------------------------------------------------------------------
    async def load_workflow(self, workflow_id: UUID | str) -> ITemplateDAGInstance[Any, Any] | None:
        """The stored workflow from whichever owned partition holds it: the copy its last
        save here left in the cache (``_workflow_cache``) while that is still what is
        stored, else decoded. A workflow whose first save is deferred (``defer_creation``)
        is saved first."""
        wid = str(workflow_id)
        if wid in self._deferred:
            await self._deferred.flush(wid)
        home = self.homes.get(wid)
        raw = self.kv.get(wid, home) if home is not None and self.owns(home) else None
        if raw is None:
            found = self.homes.find(wid)
            if found is None:
                return None
            raw = found[1]
        cached = self.cache.take(wid, raw)
        if cached is not None:
            return cached
        return ITemplateDAGInstance.loads(raw)

    async def save_workflow(self, workflow: WorkflowNode) -> None:
        """Bump ``update_count``, publish the update, run callbacks, write it home (the
        encoding and the write are timed for the observer's ``store_saved``).

        A workflow whose home partition another worker owns is forwarded to it instead.
        """
        wid = str(workflow.id)
        if self.delete_workflow_on_complete and is_terminal(workflow):
            self._pending.pop(wid, None)
            return
        home = self.home_of(wid)
        if home is None:
            home = self.choose_home(workflow)
        # Counted before forwarding too: the owner keeps a forwarded copy only if it is newer.
        workflow.update_count += 1
        if not self.owns(home):
            self._pending.pop(wid, None)
            key = partition_key_value(workflow)
            logger.info(
                "workflow %s belongs to partition %s, owned by another worker: forwarding it "
                "over the tasks topic",
                wid,
                home,
            )
            await self._forward(key, workflow)
            return
        workflow.lastupdated = int(self.now())
        await self._emit(workflow)
        began = time.perf_counter()
        raw = workflow.dumps()
        # Index entries and triggers first, the record last: a crash between these
        # changelog writes leaves at worst an entry whose workflow is not stored (skipped when
        # a message finds it), not a stored workflow whose listener cannot be found.
        for write in self._pending.pop(wid, []):
            write(home)
        self.kv.put(wid, raw, home)
        self.observer.store_saved(time.perf_counter() - began)
        self.homes.remember(wid, home)
        if is_terminal(workflow):  # an ended workflow is rarely loaded again
            self.cache.discard(wid)
        else:
            self.cache.put(wid, home, workflow, raw)
        self.listing.saved(home, workflow)

    async def _emit(self, workflow: WorkflowNode) -> None:
        if self._publish is not None:
            body = json.dumps(workflow.to_representation()).encode()
            try:
                await self._publish(partition_key_value(workflow), body)
            except Exception:
                logger.exception("could not publish the update of workflow %s", workflow.id)
        for callback in self.callbacks:
            try:
                await callback(workflow)
            except Exception:
                logger.exception("task_update_callback %r failed for %s", callback, workflow.id)

    async def delete_workflow(self, workflow: WorkflowNode) -> None:
        """Delete the record, its triggers and its correlation entries."""
        wid = str(workflow.id)
        self._pending.pop(wid, None)
        home = self.home_of(wid)
        if home is None or not self.owns(home):
            return
        for _, key, _ in list(self.triggers.items([home], prefix=f"{wid}/")):
            self.triggers.delete(key, home)
            if self._on_trigger_removed is not None:
                self._on_trigger_removed(wid, key.split("/", 1)[1])
        # The core's rule: every entry the workflow records is removed (from its home,
        # known and owned here), and the workflow no longer records them.
        await unindex_all(self, workflow)
        self.kv.delete(wid, home)
        self.homes.forget(wid)
        self.cache.discard(wid)
        self.listing.deleted(home, wid)

    def _at_home(self, workflow_id: UUID | str | None, write: _Pending) -> None:
        """Run ``write(home)`` now if the workflow's home is known, else at its first save."""
        wid = str(workflow_id)
        home = self.home_of(wid)
        if home is None:
            self._pending.setdefault(wid, []).append(write)
        elif self.owns(home):
            write(home)

    # -- creation within one message ---------------------------------------------------
    def defer_creation(self, workflow: WorkflowNode) -> None:
        """Store a just-created, unsubmitted workflow at the next turn of the event loop,
        unless :meth:`claim_creation` takes it back first (``_deferred``)."""
        self._deferred.defer(workflow)

    def claim_creation(self, workflow: WorkflowNode) -> bool:
        """Take back a workflow whose first save is deferred (its submit saves it)."""
        return self._deferred.claim(workflow)

    async def _store_created(self, workflow: Any, alone: bool) -> None:
        if alone:
            await operations.store_and_create_exclusively(self, workflow)
        else:  # flushed by a load, which may run under a lock already
            await operations.store_and_create(self, workflow)

    @contextlib.asynccontextmanager
    async def exclusive(self, workflow_id: UUID | str) -> AsyncIterator[WorkflowRuntime]:
        """This runtime holding one workflow's lock, for a creation outside the engine's
        steps (a user's agent calling ``create_instance(repartition=False)``): it waits for
        a step on the same workflow to end instead of running in the middle of it, where it
        would see the workflow as stored before that step and write back index entries the
        step removed.

        A task holding a lock already (user code in a step, calling ``engine.submit``) does
        not wait for another: a task holds at most one lock, so no two tasks wait on each
        other, and the stripe it would wait for may be the one it holds."""
        if self.locks.held_by_this_task():
            yield self
            return
        async with LockedSession(self, self.locks) as session:
            await session.hold(workflow_id)
            yield session

    # -- triggers ---------------------------------------------------------------------
    async def save_trigger(self, trigger: Trigger) -> None:
        """Store the trigger in its workflow's home partition and schedule it."""
        wid, tid = str(trigger.workflow_id), str(trigger.id)

        def write(home: int) -> None:
            self.triggers.put(trigger_key(wid, tid), trigger.dumps(), home)
            if self._on_trigger is not None and trigger.trigger_time is not None:
                self._on_trigger(home, wid, tid, float(trigger.trigger_time))

        self._at_home(wid, write)

    async def remove_trigger(self, workflow_id: UUID, task_id: UUID) -> None:
        """Delete a task's trigger (no-op when absent)."""
        wid, tid = str(workflow_id), str(task_id)

        def write(home: int) -> None:
            if self.triggers.get(trigger_key(wid, tid), home) is not None:
                self.triggers.delete(trigger_key(wid, tid), home)
            if self._on_trigger_removed is not None:
                self._on_trigger_removed(wid, tid)

        self._at_home(wid, write)

    def load_trigger(self, workflow_id: str, task_id: str, partition: int) -> Trigger | None:
        """The stored trigger of a task in a partition, or ``None``."""
        raw = self.triggers.get(trigger_key(workflow_id, task_id), partition)
        return None if raw is None else Trigger.loads(raw)

    def stored_triggers(self, partitions: list[int] | None = None) -> list[tuple[int, Trigger]]:
        """Every trigger stored in the owned (or given) partitions."""
        found: list[tuple[int, Trigger]] = []
        for partition, _key, raw in self.triggers.items(partitions):
            try:
                found.append((partition, Trigger.loads(raw)))
            except Exception:
                logger.exception("skipping an undecodable trigger in partition %s", partition)
        return found

    # -- correlation ------------------------------------------------------------------
    async def index_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Add an entry in the workflow's home partition."""
        self._at_home(
            workflow_id,
            lambda home: self.index.add(str(key_value), topic, workflow_id, task_id, home),
        )

    async def unindex_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Remove an entry from the workflow's home partition."""

        def write(home: int) -> None:
            self.index.remove(str(key_value), topic, workflow_id, task_id, home)

        self._at_home(workflow_id, write)

    async def lookup_listeners(self, key_value: str, topic: str) -> list[tuple[UUID, UUID]]:
        """Entries under a value on a topic, across every owned partition."""
        pairs: list[tuple[UUID, UUID]] = []
        for partition, workflow_id, task_id in self.index.lookup(str(key_value), topic):
            self.homes.remember(str(workflow_id), partition)
            pairs.append((workflow_id, task_id))
        return pairs

    # -- transport --------------------------------------------------------------------
    async def send_for_creation(self, key: Any, workflow: WorkflowNode) -> None:
        """Send the workflow over ``tasks_topic`` keyed by ``key``."""
        await self._forward(key, workflow)

    # -- listing (web) ----------------------------------------------------------------
    def iter_workflows(self) -> Iterator[tuple[int, str, bytes]]:
        """Yield ``(partition, workflow_id, raw bytes)`` of every locally owned workflow."""
        return self.kv.items()

    async def page_workflows(
        self, *, status: str | None, template: str | None, offset: int, limit: int
    ) -> list[tuple[int, str, bytes]] | None:
        """The raw records of one listing page, chosen from the workflow summaries in
        slices that give the event loop turns (``None`` when some owned partition was
        never summarized)."""
        return await self.listing.page(status=status, template=template, offset=offset, limit=limit)

    async def summary_page(
        self, *, status: str | None, template: str | None, offset: int, limit: int
    ) -> list[Summary] | None:
        """The summaries of one listing page, no record read (``None`` as above)."""
        return await self.listing.summary_page(
            status=status, template=template, offset=offset, limit=limit
        )

    async def count_workflows(self) -> dict[tuple[str | None, str | None], int] | None:
        """How many owned workflows have each ``(status, template)`` (``None`` as above)."""
        return await self.listing.counts()
