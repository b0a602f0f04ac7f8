"""``KafkaAgent``: 0.2.6's feeder of one topic's messages to the listener tasks waiting on it.

The engine runs its own consumer per listener topic; this class stays for services that
built agents themselves. ``dagger.tasks.task`` re-exports it.
"""

from typing import Any

from dagger.core.context import get_runtime
from dagger.engine._dispatch import dispatch_listener_message
from dagger.tasks._base import ITask


class KafkaAgent:
    """Feeds the messages of one topic to the listener tasks waiting on it.

    ``task`` is an instance of the listener type (only its type and key extraction are
    used). ``decorate`` registers the topic with the engine, which runs one consumer per
    topic for every listener type on it.
    """

    def __init__(self, app: Any, topic: Any, task: ITask[Any, Any]) -> None:
        self.app = app
        self.topic = topic
        self.task = task

    @property
    def topic_name(self) -> str:
        """The topic's name (``topic`` may be a faust topic or a name)."""
        getter = getattr(self.topic, "get_topic_name", None)
        return str(getter()) if callable(getter) else str(self.topic)

    async def process_event_helper(self, event: Any) -> int:
        """Deliver one message; return how many tasks processed it."""
        listener_type: Any = type(self.task)
        return await dispatch_listener_message(
            get_runtime(), self.topic_name, [listener_type], event
        )

    async def process_event(self, stream: Any) -> None:
        """Deliver every message of a stream."""
        async for event in stream:
            await self.process_event_helper(event)

    def decorate(self, app: Any, concurrency: int = 1) -> None:
        """Register this listener type on its topic with the engine."""
        app.register_listener(self.topic_name, type(self.task), concurrency)


KafkaAgent.__module__ = "dagger.tasks.task"
