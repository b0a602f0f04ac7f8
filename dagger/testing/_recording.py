"""``RecordingTopic``: a topic that keeps what is sent to it instead of producing to Kafka."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from dagger.core._idempotency import current_command_headers, merge_missing

__all__ = ["RecordingTopic", "SentMessage"]


class SentMessage(NamedTuple):
    """One message sent on a recording topic."""

    key: Any
    value: Any
    headers: dict[str, Any]


class RecordingTopic:
    """Stands in for a faust topic in tests: ``send``/``send_soon`` record the message.

    Like the engine's own topics, a message sent while a command task's ``execute`` runs
    gets the task's idempotency headers (those the sender did not set itself).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[SentMessage] = []

    def get_topic_name(self) -> str:
        """The topic's name (faust topics answer the same call)."""
        return self.name

    def _record(self, key: Any, value: Any, headers: Any) -> SentMessage:
        extra = current_command_headers() or {}
        given: Any = headers if headers is not None else {}
        merged = merge_missing(given, extra)
        message = SentMessage(
            key, value, dict(merged) if isinstance(merged, Mapping) else dict(list(merged))
        )
        self.sent.append(message)
        return message

    async def send(
        self, *, key: Any = None, value: Any = None, headers: Any = None, **kwargs: Any
    ) -> SentMessage:
        """Record one message (the other faust ``send`` arguments are accepted and ignored)."""
        return self._record(key, value, headers)

    def send_soon(
        self, *, key: Any = None, value: Any = None, headers: Any = None, **kwargs: Any
    ) -> SentMessage:
        """Record one message, as ``send`` does."""
        return self._record(key, value, headers)

    def __repr__(self) -> str:
        return f"<RecordingTopic {self.name!r}: {len(self.sent)} sent>"
