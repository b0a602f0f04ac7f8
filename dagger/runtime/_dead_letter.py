"""Dead-lettering: what a worker does with a message it cannot use.

Every consumer of the engine (the ``tasks_topic`` agent and each listener topic's agent)
hands such a message to :meth:`DeadLetters.reject`, which

- copies it to the dead-letter topic (one topic, ``<tasks_topic>-dlq``, shared by every
  topic the worker consumes: the headers say where each record came from), with the headers
  in :data:`HEADERS`; a message too large to copy is sent as headers only (an empty value),
  with its size;
- logs exactly one line naming the topic, partition, offset and reason: WARNING once the
  copy is on the dead-letter topic, ERROR if even the headers-only record could not be
  sent. The traceback behind the reason is logged at DEBUG only.

It never raises: a bad message must not stop the agent.
"""

from __future__ import annotations

import logging
from typing import Any

from aiokafka.record.default_records import DefaultRecordBatchBuilder

logger = logging.getLogger("dagger.agents")

#: The headers of a dead-letter record (values are UTF-8 text).
HEADERS = {
    "dagger-reason": "why the message could not be used (one line, at most 1000 bytes)",
    "dagger-origin-topic": "the topic it was consumed from",
    "dagger-origin-partition": "its partition there",
    "dagger-origin-offset": "its offset there",
    "dagger-origin-key": "its key, as it was (absent when it had none; cut at 1024 bytes)",
    "dagger-original-size": "the size of its value in bytes",
    "dagger-value-omitted": "present when the value was too large to copy: why",
}

REASON_LIMIT = 1000
KEY_LIMIT = 1024
#: Room left for the record's framing when checking a copy against the producer's limit.
_MARGIN = 512


def origin(message: Any) -> str:
    """``topic=<t> partition=<p> offset=<o>`` of a consumed message, for log lines."""
    return f"topic={message.topic} partition={message.partition} offset={message.offset}"


def one_line(text: str, limit: int = REASON_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters (log lines and headers)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit - 3]}..."


def _size(data: bytes | None) -> int:
    return 0 if data is None else len(data)


class DeadLetters:
    """The dead-letter topic of one engine, and how messages are sent to it.

    ``topic`` is a faust topic with raw key and value serializers (``None``: log only);
    ``max_request_size`` is the producer's limit (faust's ``producer_max_request_size``),
    above which a copy is sent as headers only without trying.
    """

    def __init__(self, topic: Any, max_request_size: int) -> None:
        self.topic = topic
        self.max_request_size = int(max_request_size)
        self._declared = False

    @property
    def topic_name(self) -> str | None:
        """The dead-letter topic's name (``None`` when there is none)."""
        if self.topic is None:
            return None
        return str(self.topic.get_topic_name())

    def headers(self, message: Any, reason: str) -> list[tuple[str, bytes]]:
        """The dead-letter headers of ``message`` (see :data:`HEADERS`)."""
        headers = [
            ("dagger-reason", one_line(reason).encode()[:REASON_LIMIT]),
            ("dagger-origin-topic", str(message.topic).encode()),
            ("dagger-origin-partition", str(message.partition).encode()),
            ("dagger-origin-offset", str(message.offset).encode()),
            ("dagger-original-size", str(_size(message.value)).encode()),
        ]
        key = message.key
        if key is not None:
            raw = key if isinstance(key, bytes) else str(key).encode()
            headers.append(("dagger-origin-key", raw[:KEY_LIMIT]))
        return headers

    async def reject(self, message: Any, reason: str, error: BaseException | None = None) -> None:
        """Dead-letter ``message`` and log it once (see the module docstring). Never raises."""
        try:
            outcome = await self._send(message, reason)
        except Exception as exc:
            logger.error(
                "cannot use message %s: %s; and could not dead-letter it: %s",
                origin(message),
                one_line(reason),
                one_line(f"{type(exc).__name__}: {exc}"),
                exc_info=exc if logger.isEnabledFor(logging.DEBUG) else None,
            )
        else:
            logger.warning(
                "cannot use message %s: %s; %s", origin(message), one_line(reason), outcome
            )
        if error is not None and logger.isEnabledFor(logging.DEBUG):
            logger.debug("traceback for message %s", origin(message), exc_info=error)

    async def _send(self, message: Any, reason: str) -> str:
        """Send the copy (or the headers alone); return what was done, for the log line."""
        if self.topic is None:
            return "no dead-letter topic"
        await self._declare()
        headers = self.headers(message, reason)
        key = message.key if isinstance(message.key, bytes) else None
        size = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, message.value, headers)
        omitted: str
        if size + _MARGIN <= self.max_request_size:
            try:
                await self._produce(key, message.value, headers)
                return f"dead-lettered to {self.topic_name}"
            except Exception as exc:
                # Most likely the broker's own size limit: keep what fits.
                omitted = f"copy refused: {one_line(f'{type(exc).__name__}: {exc}', 200)}"
        else:
            omitted = f"{size} bytes, over the producer limit of {self.max_request_size}"
        headers.append(("dagger-value-omitted", omitted.encode()))
        small_key = key if key is None or len(key) <= KEY_LIMIT else None
        # An empty value, not none: Kafka clients need a key or a value.
        await self._produce(small_key, b"", headers)
        return f"dead-lettered to {self.topic_name} as headers only ({omitted})"

    async def _produce(self, key: bytes | None, value: bytes | None, headers: Any) -> None:
        # force=True: send now even when faust would hold sends until the offset commits,
        # and wait for the broker's answer, so a refused copy is known here.
        pending = await self.topic.send(key=key, value=value, headers=headers, force=True)
        await pending

    async def _declare(self) -> None:
        """Create the dead-letter topic on first use, if the broker lets us."""
        if self._declared:
            return
        self._declared = True
        try:
            await self.topic.maybe_declare()
        except Exception as exc:
            logger.warning(
                "could not create the dead-letter topic %s (%s); sending to it anyway",
                self.topic_name,
                one_line(f"{type(exc).__name__}: {exc}", 200),
            )
