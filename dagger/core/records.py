"""Small records of the 0.2.6 surface: timer triggers and correlation-index entries."""

from typing import Any
from uuid import UUID

from dagger.core.record import NOW, Record


class Trigger(Record):
    """A timer entry: task ``id`` of workflow ``workflow_id`` is due at ``trigger_time``.

    Stored under :meth:`get_trigger_key`, so re-saving a task's trigger replaces it.
    """

    trigger_time: Any = NOW
    id: UUID | None = None
    workflow_id: UUID | None = None

    def get_trigger_key(self) -> tuple[UUID | None, UUID | None]:
        """The storage key of this trigger: ``(workflow_id, id)``."""
        return (self.workflow_id, self.id)


class CorrelatableMapValue(Record):
    """Which runtime parameter a listener is correlated by, and the value it was indexed under."""

    correlatable_key_attr: str
    correlatable_key_attr_value: str


class CorreletableLookUpKey(Record):
    """One correlation-index entry: a listener task of a workflow (0.2.6 spelling)."""

    workflow_id: UUID
    task_id: UUID


class CorreletableKeyTasks(Record):
    """One chunk of 0.2.6's correlation index (kept for stores that chunk their entries)."""

    lookup_keys: set[CorreletableLookUpKey] = set()
    overflow_key: str | None = None
    key: str | None = None


#: Correctly spelled aliases.
CorrelatableLookUpKey = CorreletableLookUpKey
CorrelatableKeyTasks = CorreletableKeyTasks

for _cls in (Trigger, CorrelatableMapValue, CorreletableLookUpKey, CorreletableKeyTasks):
    _cls.__module__ = "dagger.tasks.task"
