"""``InMemoryRuntime``: a dict-backed :class:`WorkflowRuntime` with a controllable clock.

Used by every unit test. Workflows are stored as the bytes of ``dumps()`` and decoded on
every load, so tests exercise the codec as a real store does. Everything it does is
visible in public attributes tests can assert on:

- ``workflows``: ``str(workflow_id) -> bytes``;
- ``saved``: a decoded snapshot of the workflow at each ``save_workflow``;
- ``deleted``: ids passed to ``delete_workflow``;
- ``sent_for_creation``: ``(key, decoded workflow)`` per ``send_for_creation``;
- ``triggers``: ``(str(workflow_id), str(task_id)) -> Trigger``;
- ``index``: ``(key_value, topic) -> [(workflow_id, task_id), ...]`` (empty keys removed).

Like every runtime, ``save_workflow`` does not write a workflow that has ended while
``delete_workflow_on_complete`` is set: its completion deleted it, and a write after
that would re-create it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from dagger.core.ports import WorkflowNode, WorkflowRuntime
from dagger.core.records import Trigger
from dagger.core.transitions import is_terminal
from dagger.engine import operations
from dagger.tasks._listener import KafkaListenerTask
from dagger.tasks._workflow import ITemplateDAGInstance


class FakeClock:
    """A clock that only moves when told to (``advance``/``set``)."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)

    def now(self) -> float:
        """The current fake time, in epoch seconds."""
        return self._now

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward; return the new time."""
        self._now += float(seconds)
        return self._now

    def set(self, when: float) -> None:
        """Jump to an absolute time."""
        self._now = float(when)


def _key(workflow_id: Any, task_id: Any) -> tuple[str, str]:
    return (str(workflow_id), str(task_id))


class InMemoryRuntime(WorkflowRuntime):
    """Every :class:`WorkflowRuntime` operation on plain dicts, plus test conveniences."""

    def __init__(
        self, *, clock: FakeClock | None = None, delete_workflow_on_complete: bool = False
    ) -> None:
        self.clock = clock if clock is not None else FakeClock()
        self.delete_workflow_on_complete = delete_workflow_on_complete
        self.workflows: dict[str, bytes] = {}
        self.saved: list[ITemplateDAGInstance[Any, Any]] = []
        self.deleted: list[UUID] = []
        self.sent_for_creation: list[tuple[Any, ITemplateDAGInstance[Any, Any]]] = []
        self.triggers: dict[tuple[str, str], Trigger] = {}
        self.index: dict[tuple[str, str], list[tuple[UUID, UUID]]] = {}
        self._pending_creation: list[ITemplateDAGInstance[Any, Any]] = []

    def now(self) -> float:
        """The fake clock's time."""
        return self.clock.now()

    # -- workflows ------------------------------------------------------------------------
    async def load_workflow(self, workflow_id: UUID | str) -> ITemplateDAGInstance[Any, Any] | None:
        """Decode the stored workflow (a fresh object on every call), or ``None``."""
        return self.stored(workflow_id)

    def stored(self, workflow_id: UUID | str) -> ITemplateDAGInstance[Any, Any] | None:
        """Synchronous ``load_workflow`` for assertions."""
        data = self.workflows.get(str(workflow_id))
        return None if data is None else ITemplateDAGInstance.loads(data)

    async def save_workflow(self, workflow: WorkflowNode) -> None:
        """Bump ``update_count``/``lastupdated`` and store the encoded workflow."""
        if self.delete_workflow_on_complete and is_terminal(workflow):
            return
        workflow.update_count += 1
        workflow.lastupdated = int(self.now())
        data = workflow.dumps()
        self.workflows[str(workflow.id)] = data
        self.saved.append(ITemplateDAGInstance.loads(data))

    async def delete_workflow(self, workflow: WorkflowNode) -> None:
        """Remove the workflow with its triggers and index entries."""
        self.workflows.pop(str(workflow.id), None)
        self.deleted.append(workflow.id)
        wid = str(workflow.id)
        for key in [k for k in self.triggers if k[0] == wid]:
            del self.triggers[key]
        for key, entries in list(self.index.items()):
            kept = [e for e in entries if str(e[0]) != wid]
            if kept:
                self.index[key] = kept
            else:
                del self.index[key]

    # -- triggers -------------------------------------------------------------------------
    async def save_trigger(self, trigger: Trigger) -> None:
        """Store (or replace) the trigger of ``(workflow_id, id)``."""
        self.triggers[_key(trigger.workflow_id, trigger.id)] = trigger

    async def remove_trigger(self, workflow_id: UUID, task_id: UUID) -> None:
        """Forget a task's trigger (no-op when absent)."""
        self.triggers.pop(_key(workflow_id, task_id), None)

    def due_triggers(self, now: float | None = None) -> list[Trigger]:
        """Triggers due at ``now`` (default: the clock), earliest first."""
        at = self.now() if now is None else now
        due = [
            t for t in self.triggers.values() if t.trigger_time is not None and t.trigger_time <= at
        ]
        return sorted(due, key=lambda t: t.trigger_time)

    async def run_due_triggers(self, now: float | None = None) -> int:
        """Fire every trigger due at ``now`` once (``operations.fire_trigger``); return how many."""
        due = self.due_triggers(now)
        for trigger in due:
            await operations.fire_trigger(self, trigger)
        return len(due)

    # -- correlation ----------------------------------------------------------------------
    async def index_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Add an index entry (idempotent)."""
        entries = self.index.setdefault((str(key_value), topic), [])
        if (workflow_id, task_id) not in entries:
            entries.append((workflow_id, task_id))

    async def unindex_listener(
        self, key_value: str, topic: str, workflow_id: UUID, task_id: UUID
    ) -> None:
        """Remove an index entry (no-op when absent)."""
        key = (str(key_value), topic)
        entries = [e for e in self.index.get(key, []) if e != (workflow_id, task_id)]
        if entries:
            self.index[key] = entries
        else:
            self.index.pop(key, None)

    async def lookup_listeners(self, key_value: str, topic: str) -> list[tuple[UUID, UUID]]:
        """The entries under a key value on a topic, oldest first."""
        return list(self.index.get((str(key_value), topic), []))

    async def deliver(
        self,
        topic: str,
        payload: Any,
        listener_types: Sequence[type[KafkaListenerTask[Any, Any]]],
    ) -> int:
        """Deliver a message as the topic's consumer would (``dispatch_listener_message``)."""
        return await operations.dispatch_listener_message(self, topic, listener_types, payload)

    # -- transport ------------------------------------------------------------------------
    async def send_for_creation(self, key: Any, workflow: WorkflowNode) -> None:
        """Record the send (a decoded copy, as the receiving worker would see it)."""
        copy = ITemplateDAGInstance.loads(workflow.dumps())
        self.sent_for_creation.append((key, copy))
        self._pending_creation.append(copy)

    async def run_creations(self) -> int:
        """Act as the receiving worker: ``store_and_create`` every workflow sent so far."""
        pending, self._pending_creation = self._pending_creation, []
        for workflow in pending:
            await operations.store_and_create(self, workflow)
        return len(pending)
