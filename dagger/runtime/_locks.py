"""Per-workflow locks, so concurrent handlers never interleave on one workflow.

Agents on different topics, the tasks topic and the timer run concurrently in one worker;
each load-modify-save of a workflow holds that workflow's lock. Locks are striped (a fixed
pool indexed by a hash of the id, 0.2.6's ``LOCK_STRIPE_SIZE``) so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any
from uuid import UUID

from dagger.core.ports import WorkflowRuntime

LOCK_STRIPE_SIZE = 1000


class StripedLocks:
    """A fixed pool of asyncio locks addressed by workflow id."""

    def __init__(self, size: int = LOCK_STRIPE_SIZE) -> None:
        self.size = size
        self._locks: list[asyncio.Lock] | None = None
        #: The tasks holding one of these locks through a session (at most one each).
        self._holders: set[asyncio.Task[Any]] = set()

    def index(self, workflow_id: UUID | str) -> int:
        """The stripe of a workflow id (stable across processes)."""
        return zlib.crc32(str(workflow_id).encode()) % self.size

    def lock(self, workflow_id: UUID | str) -> asyncio.Lock:
        """The lock guarding a workflow (created lazily, on the running loop)."""
        if self._locks is None:
            self._locks = [asyncio.Lock() for _ in range(self.size)]
        return self._locks[self.index(workflow_id)]

    def held_by_this_task(self) -> bool:
        """Whether the running task holds one of these locks (a step under way in it)."""
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop
            return False
        return task in self._holders


class LockedSession(WorkflowRuntime):
    """A runtime view for one handler run: loading a workflow takes its lock.

    The session holds at most one stripe at a time (loading another workflow releases the
    previous one first, so two sessions can never wait on each other), and releases it on
    exit. Everything else is delegated to the wrapped runtime.
    """

    def __init__(self, inner: WorkflowRuntime, locks: StripedLocks) -> None:
        self.inner = inner
        self.locks = locks
        self.delete_workflow_on_complete = inner.delete_workflow_on_complete
        self.default_retry_policy = inner.default_retry_policy
        self.observer = inner.observer
        self._held: asyncio.Lock | None = None
        self._holder: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> LockedSession:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.release()

    async def hold(self, workflow_id: UUID | str) -> None:
        """Take the lock of a workflow (releasing any other one held)."""
        lock = self.locks.lock(workflow_id)
        if self._held is lock:
            return
        self.release()
        await lock.acquire()
        self._held = lock
        self._holder = asyncio.current_task()
        if self._holder is not None:
            self.locks._holders.add(self._holder)

    def release(self) -> None:
        """Release the held lock, if any."""
        if self._held is not None:
            held, self._held = self._held, None
            if self._holder is not None:
                self.locks._holders.discard(self._holder)
                self._holder = None
            held.release()

    def now(self) -> float:
        """The wrapped runtime's clock."""
        return self.inner.now()

    def is_owned_elsewhere(self, workflow: Any) -> bool:
        """Delegated."""
        return self.inner.is_owned_elsewhere(workflow)

    async def load_workflow(self, workflow_id: UUID | str) -> Any:
        """Take the workflow's lock, then load it."""
        await self.hold(workflow_id)
        return await self.inner.load_workflow(workflow_id)

    async def save_workflow(self, workflow: Any) -> None:
        """Delegated."""
        await self.inner.save_workflow(workflow)

    async def delete_workflow(self, workflow: Any) -> None:
        """Delegated."""
        await self.inner.delete_workflow(workflow)

    async def save_trigger(self, trigger: Any) -> None:
        """Delegated."""
        await self.inner.save_trigger(trigger)

    async def remove_trigger(self, workflow_id: UUID, task_id: UUID) -> None:
        """Delegated."""
        await self.inner.remove_trigger(workflow_id, task_id)

    async def index_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Delegated."""
        await self.inner.index_listener(key_value, topic, workflow_id, task_id)

    async def unindex_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Delegated."""
        await self.inner.unindex_listener(key_value, topic, workflow_id, task_id)

    async def lookup_listeners(self, key_value: str, topic: str) -> list[tuple[UUID, UUID]]:
        """Delegated."""
        return await self.inner.lookup_listeners(key_value, topic)

    async def send_for_creation(self, key: Any, workflow: Any) -> None:
        """Delegated."""
        await self.inner.send_for_creation(key, workflow)
