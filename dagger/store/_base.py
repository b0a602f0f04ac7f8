"""``IStore``: the engine's three tables behind 0.2.6's store interface.

A store owns the kv table (``str(workflow id)`` -> workflow), the triggers table
(``"<workflow id>/<task id>"`` -> :class:`Trigger`) and the correlation table (see
``_index``), as :class:`~dagger.store._tables.PartitionedTable` objects. The engine's
runtime (``dagger.runtime.FaustRuntime``) does the reading and writing; the 0.2.6 methods
below are kept for code that called them and delegate to it. The engine hands the store
its runtime (:meth:`IStore.bind`) once both exist: the store never looks it up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from uuid import UUID

from dagger.core.record import Record
from dagger.core.records import Trigger
from dagger.store._tables import PartitionedTable
from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.store")


class StoreRuntime(Protocol):
    """What the 0.2.6 store methods use of the engine's runtime (``FaustRuntime`` has it)."""

    def now(self) -> float:
        """Wall-clock time, epoch seconds."""

    async def load_workflow(self, workflow_id: UUID | str) -> Any:
        """The stored workflow, or ``None``."""

    async def save_workflow(self, workflow: Any) -> None:
        """Persist a workflow."""

    async def delete_workflow(self, workflow: Any) -> None:
        """Delete a workflow with its triggers and index entries."""

    async def save_trigger(self, trigger: Trigger) -> None:
        """Store (or replace) a trigger and schedule it."""

    async def remove_trigger(self, workflow_id: UUID, task_id: UUID) -> None:
        """Forget a task's trigger."""

    def stored_triggers(self) -> list[tuple[int, Trigger]]:
        """``(partition, trigger)`` of every trigger in the owned partitions."""


class StoreNotBound(RuntimeError):
    """A 0.2.6 store method ran before the engine gave the store its runtime."""


class IStore:
    """The engine's tables, plus 0.2.6's store methods (``app`` is the ``Dagger``).

    The constructor only builds the tables (from ``app``'s settings, as in 0.2.6); the
    engine then calls :meth:`bind` with its runtime and timer catch-up.
    """

    kv_table: PartitionedTable
    triggers_table: PartitionedTable
    correletable_keys_table: PartitionedTable
    #: Whether table writes also go to Kafka changelog topics.
    enable_changelog: bool = True
    #: Whether every worker sees every record (an external database) rather than only
    #: the partitions it owns.
    is_global: bool = False

    def __init__(self, app: Any) -> None:
        self.app = app
        self._runtime: StoreRuntime | None = None
        self._catch_up: Callable[[], Awaitable[Any]] | None = None

    def bind(
        self, runtime: StoreRuntime, catch_up: Callable[[], Awaitable[Any]] | None = None
    ) -> None:
        """Give the store the runtime that reads and writes its tables, and the timer's
        catch-up pass (run by :meth:`execute_system_timer_task`)."""
        self._runtime = runtime
        self._catch_up = catch_up

    @property
    def runtime(self) -> StoreRuntime:
        """The engine's runtime, which does the actual reads and writes."""
        if self._runtime is None:
            raise StoreNotBound(
                f"{type(self).__name__} has no runtime yet: the engine binds it when it is "
                "constructed (IStore.bind)"
            )
        return self._runtime

    # -- workflows (0.2.6 names) --------------------------------------------------------
    async def insert_key_value(self, key: Any, value: ITemplateDAGInstance[Any, Any]) -> None:
        """Save a workflow (``key`` is its id; the update event and callbacks are sent)."""
        await self.runtime.save_workflow(value)

    async def remove_key_value(self, key: Any) -> None:
        """Delete the workflow stored under ``key`` with its triggers and index entries."""
        workflow = await self.runtime.load_workflow(str(key))
        if workflow is not None:
            await self.runtime.delete_workflow(workflow)

    async def get_value_for_key(self, key: Any) -> ITemplateDAGInstance[Any, Any] | None:
        """The workflow stored under ``key``, or ``None``."""
        return await self.runtime.load_workflow(str(key))

    # -- raw table access (0.2.6 names) ------------------------------------------------
    async def get_table_value(self, table: PartitionedTable, key: Any) -> Any:
        """Decode the value of ``key`` in ``table`` (any owned partition), or ``None``."""
        return self.get_value(table, key)

    async def set_table_value(self, table: PartitionedTable, key: Any, value: Any) -> None:
        """Write ``value`` under ``key`` (in the partition that holds it, else partition 0)."""
        self.set_value(table, key, value)

    async def del_table_value(self, table: PartitionedTable, key: Any) -> None:
        """Delete ``key`` from ``table``."""
        self.del_value(table, key)

    def get_value(self, table: PartitionedTable, key: Any) -> Any:
        """Synchronous :meth:`get_table_value`."""
        raw = table.get(str(key))
        if raw is None:
            return None
        try:
            return Record.loads(raw)
        except Exception:
            return raw

    def set_value(self, table: PartitionedTable, key: Any, value: Any) -> None:
        """Synchronous :meth:`set_table_value`."""
        found = table.find(str(key))
        partition = found[0] if found is not None else (table.owned_partitions() or [0])[0]
        data = value.dumps() if isinstance(value, Record) else value
        if isinstance(data, str):
            data = data.encode()
        table.put(str(key), data, partition)

    def del_value(self, table: PartitionedTable, key: Any) -> None:
        """Synchronous :meth:`del_table_value`."""
        found = table.find(str(key))
        if found is not None:
            table.delete(str(key), found[0])

    # -- triggers (0.2.6 names) ---------------------------------------------------------
    def _create_trigger_instance_from_trigger_task(
        self, task_instance: Any, wokflow_instance: Any
    ) -> Trigger:
        """The trigger of a timer task: due at its ``time_to_execute``."""
        return Trigger(task_instance.time_to_execute, task_instance.id, wokflow_instance.id)

    async def store_trigger_instance(self, task_instance: Any, wokflow_instance: Any) -> None:
        """Store the trigger of a timer task."""
        await self.insert_trigger(
            self._create_trigger_instance_from_trigger_task(task_instance, wokflow_instance)
        )

    async def insert_trigger(self, value: Trigger) -> None:
        """Store (or replace) a trigger and schedule it."""
        await self.runtime.save_trigger(value)

    async def remove_trigger(self, value: Any) -> None:
        """Remove a trigger given as a :class:`Trigger` or a ``(workflow_id, task_id)`` key."""
        key = value
        if isinstance(key, Trigger):
            key = key.get_trigger_key()
        workflow_id, task_id = key
        await self.runtime.remove_trigger(workflow_id, task_id)

    async def process_trigger_task_complete(self, task: Any, wokflow_instance: Any) -> None:
        """A timer task finished: forget its trigger."""
        await self.runtime.remove_trigger(wokflow_instance.id, task.id)

    async def get_trigger(self, key: Any, use_partition: bool = False) -> Trigger | None:
        """The trigger stored under ``(workflow_id, task_id)`` (or its string key)."""
        text = key if isinstance(key, str) else f"{key[0]}/{key[1]}"
        raw = self.triggers_table.get(text)
        return None if raw is None else Trigger.loads(raw)

    async def get_valid_triggers(self) -> list[Trigger]:
        """Every trigger due now in the owned partitions, earliest first."""
        now = self.runtime.now()
        due = [
            trigger
            for _, trigger in self.runtime.stored_triggers()
            if trigger.trigger_time is not None and trigger.trigger_time <= now
        ]
        return sorted(due, key=lambda t: t.trigger_time)

    async def execute_system_timer_task(self) -> None:
        """Run a catch-up pass of the timer (fires every due trigger)."""
        if self._catch_up is not None:
            await self._catch_up()

    async def process_system_timer_task(self, timer_task: Any) -> None:
        """Run a ``SystemTimerTask`` (0.2.6's timer tick)."""
        await timer_task.start(workflow_instance=None)
        await self.execute_system_timer_task()

    def initialize(self, *args: Any) -> None:
        """Hook run once the engine is constructed (the tables already exist)."""

    def get_db_options(self) -> dict[str, Any]:
        """Options of the underlying database."""
        return {}
