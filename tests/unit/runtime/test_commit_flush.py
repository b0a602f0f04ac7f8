"""The producer-buffer flush that offset commits wait on (``runtime/_commit_flush``), on
faust's real ProducerBuffer with a sender slower than faust's 0.1 s of patience."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from faust.transport.producer import ProducerBuffer

from dagger.runtime import _commit_flush

#: Seconds to send one record: longer than the 0.1 s after which faust's flush gives up.
SEND_SECONDS = 0.15


class Record:
    """What faust queues for a changelog write, as far as the buffer's sender looks."""

    def __init__(self, sent: list[int], number: int) -> None:
        self.number = number
        self.sent = sent
        self.message = self
        self.channel = self

    async def publish_message(self, fut: Any, wait: bool = False) -> None:
        await asyncio.sleep(SEND_SECONDS)  # a slow broker round trip
        self.sent.append(self.number)


def _producer(buffer: ProducerBuffer, threaded: bool = False) -> Any:
    app = SimpleNamespace(conf=SimpleNamespace(producer_threaded=threaded))
    buffer.app = app  # type: ignore[assignment]
    return SimpleNamespace(buffer=buffer, app=app)


@pytest.fixture
async def buffer() -> AsyncIterator[ProducerBuffer]:
    started = ProducerBuffer()
    _producer(started)
    await started.start()
    yield started
    while not started.pending.empty():  # what a test left queued is not to be sent
        started.pending.get_nowait()
    await started.stop()


async def test_faust_own_flush_returns_with_records_still_queued(buffer: ProducerBuffer) -> None:
    # Why the module exists: if this starts failing, faust's flush waits for real now.
    sent: list[int] = []
    for n in range(3):
        buffer.put(Record(sent, n))  # type: ignore[arg-type]
    await buffer.flush()
    assert buffer.size > 0 and len(sent) < 3


async def test_the_installed_flush_returns_once_every_queued_record_is_sent(
    buffer: ProducerBuffer,
) -> None:
    assert _commit_flush.install(_producer(buffer))
    sent: list[int] = []
    for n in range(3):
        buffer.put(Record(sent, n))  # type: ignore[arg-type]
    await buffer.flush()
    assert sent == [0, 1, 2] and buffer.size == 0


async def test_records_queued_after_the_flush_began_do_not_hold_it_up(
    buffer: ProducerBuffer,
) -> None:
    _commit_flush.install(_producer(buffer))
    sent: list[int] = []
    for n in range(2):
        buffer.put(Record(sent, n))  # type: ignore[arg-type]
    flushing = asyncio.ensure_future(buffer.flush())
    await asyncio.sleep(0)  # the flush has queued its marker
    for n in range(2, 8):
        buffer.put(Record(sent, n))  # type: ignore[arg-type]
    await flushing
    assert sent[:2] == [0, 1]
    assert buffer.size >= 5  # the later records are still queued: the flush did not wait


async def test_an_empty_buffer_flushes_at_once_and_a_threaded_producer_is_left_alone(
    buffer: ProducerBuffer,
) -> None:
    _commit_flush.install(_producer(buffer))
    await asyncio.wait_for(buffer.flush(), timeout=1)
    other = ProducerBuffer()
    assert not _commit_flush.install(_producer(other, threaded=True))
