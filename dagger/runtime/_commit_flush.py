"""Offsets are committed only after the changelog records written before them are sent.

faust writes a table's changelog records through its producer buffer (``send_soon``) and,
before committing the consumer's offsets, flushes the producer. But the buffer's flush
(faust-streaming 0.11 to at least 0.15) returns as soon as 0.1 s pass without a record
sent, however many are still queued: measured on the development broker, a commit went out
with 6,595 records still in the buffer. A worker that crashed then lost those workflows for
good: the start messages were marked processed, and neither its local store (deleted, or
another worker taking the partition over) nor the changelog had them.

:func:`install` gives the worker's producer buffer a flush that returns only once every
record queued before the call has been handed to the Kafka client (whose own flush, which
faust calls next, waits for the broker). It puts a marker behind those records and waits
for the buffer's sender to reach it; records queued after the call do not hold it up, so a
commit waits for a bounded amount of sending even under a steady stream of writes. While
the buffer is stopping (its sender ends) faust's own flush runs as before.
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger("dagger.runtime")

#: Seconds between two warnings while a flush waits for a sender that makes no progress.
PATIENCE = 10.0


class _Marker:
    """Queued behind the records a flush waits for; the buffer's sender "publishes" it
    (``fut.message.channel.publish_message(fut, wait=False)``) once it has handed every
    earlier record to the Kafka client."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.message = self
        self.channel = self

    async def publish_message(self, fut: Any, wait: bool = False) -> None:
        """Reached: every record queued before this marker was handed to the Kafka client."""
        self.reached.set()


async def flush_queued(buffer: Any, faust_flush: Callable[[], Awaitable[None]]) -> None:
    """Return once every record in ``buffer`` when called has been handed to the client."""
    if not buffer.size:
        return
    if buffer.should_stop:
        await faust_flush()  # its sender is ending: faust's best effort
        return
    marker = _Marker()
    buffer.put(marker)
    while not marker.reached.is_set():
        try:
            await asyncio.wait_for(marker.reached.wait(), timeout=PATIENCE)
        except asyncio.TimeoutError:
            if buffer.should_stop:
                await faust_flush()
                return
            logger.warning(
                "waiting to commit offsets: %d changelog records are still to be sent",
                buffer.size,
            )


def install(producer: Any) -> bool:
    """Give a faust producer's buffer the flush above; whether it was installed (not with
    ``producer_threaded``, whose buffer is a queue in another thread)."""
    buffer = producer.buffer
    if producer.app.conf.producer_threaded:
        return False
    faust_flush = buffer.flush

    async def flush(self: Any) -> None:
        await flush_queued(self, faust_flush)

    buffer.flush = types.MethodType(flush, buffer)
    return True
