"""Listener tasks (sensors); ``dagger.engine._kafka_agent.KafkaAgent`` feeds them messages.

A listener waits, EXECUTING, until a message correlated with it arrives: the engine looks
the message's key values up in the correlation index and calls ``on_message``; the task
completes when ``on_message`` returns ``True`` (see ``dagger.engine.operations``).
"""

import logging
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.correlation import sync_task
from dagger.core.status import KT, VT
from dagger.tasks import _lifecycle, _timeouts
from dagger.tasks._base import ITask, ITemplateDAGInstance
from dagger.tasks._support import runtime

logger = logging.getLogger("dagger.tasks")


class SensorTask(ITask[KT, VT]):
    """A task completed by an outside event rather than by running code.

    ``match_only_one``: a message stops at the first task it is delivered to.
    ``wait_timeout``: seconds it may wait once started; then it ends as ``timeout_action``
    says, ``"fail"`` (FAILURE, ``message`` "timed out after N s") or ``"skip"`` (SKIPPED),
    and the workflow moves on (set with the builder's ``set_timeout``).
    """

    match_only_one: bool = False
    # -- since 0.2.6: last in every listener class (see ``_trailing_fields``) ---------------
    wait_timeout: float | None = None
    timeout_action: str = "fail"
    #: When the wait times out (epoch seconds), set when the listener starts waiting.
    timeout_at: float | None = None
    _trailing_fields = ("wait_timeout", "timeout_action", "timeout_at")
    # Starting a listener makes it wait for a message (ITask._begin). Reached again after
    # it ended, it re-drives its successors even with reprocess_on_message: that flag has
    # it take further messages, not begin again.
    _reruns_when_reached = False

    async def _begin(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Start waiting (EXECUTING) for a message; a ``wait_timeout`` starts counting."""
        if await _lifecycle.apply(tr.START, self, workflow_instance):
            await _timeouts.arm_listener_timeout(self, workflow_instance)

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
