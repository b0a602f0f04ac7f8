"""Listener tasks (sensors) and ``KafkaAgent``, which feeds them messages.

A listener waits, EXECUTING, until a message correlated with it arrives: the engine looks
the message's key values up in the correlation index and calls ``on_message``; the task
completes when ``on_message`` returns ``True`` (see ``dagger.engine.operations``).
"""

import logging
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.correlation import sync_task, unindex_task, wants_index
from dagger.core.status import KT, VT
from dagger.tasks._base import WAITING, ITask
from dagger.tasks._support import now, runtime

if TYPE_CHECKING:
    from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.tasks")


class SensorTask(ITask[KT, VT]):
    """A task completed by an outside event rather than by running code.

    ``match_only_one``: a message stops at the first task it is delivered to.
    """

    match_only_one: bool = False

    async def start(self, workflow_instance: "ITemplateDAGInstance") -> bool | None:
        """Start waiting for a message (a finished listener re-drives its successors)."""
        if await self._forward_if_done(workflow_instance, honour_reprocess=False):
            return None
        if tr.code_of(self) in WAITING:
            tr.apply(tr.START, self, now())
        return None

    async def _update_correletable_key(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Re-index this task if the runtime parameter it is correlated by changed."""
        await sync_task(runtime(), workflow_instance, self)

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Listeners do not execute; they wait for messages."""
        raise NotImplementedError(f"{type(self).__name__} is a listener; it has no execute")

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """Listeners do not choose branches."""
        raise NotImplementedError(f"{type(self).__name__} is a listener; it has no evaluate")

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Handle a correlated message; return ``True`` to complete (default: keep waiting)."""
        logger.warning(
            "%s does not override on_message; task %s keeps waiting",
            type(self).__name__,
            self.task_name,
        )
        return False

    async def _on_terminal(self, workflow_instance: "ITemplateDAGInstance") -> None:
        if self.id in workflow_instance.sensor_tasks_to_correletable_map and not wants_index(self):
            await unindex_task(runtime(), workflow_instance, self)


class KafkaListenerTask(SensorTask[KT, VT]):
    """A listener on a Kafka topic (``topic`` holds its name).

    Subclasses set the class attribute ``correlatable_key = "<runtime parameter>"``, extract
    ``(attribute, value)`` mappings from payloads (``get_correlatable_keys_from_payload``)
    and implement ``on_message``.
    """

    topic: str | None = None

    def get_correlatable_key(self, payload: Any) -> Any:
        """Deprecated extractor; the default returns the payload unchanged."""
        return payload


for _cls in (SensorTask, KafkaListenerTask):
    _cls.__module__ = "dagger.tasks.task"
