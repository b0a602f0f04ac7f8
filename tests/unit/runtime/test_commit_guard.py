"""Commits stop before a message still being processed (``runtime/_commit_guard``), on
faust's real consumer and its own offset bookkeeping (no broker: nothing is sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import faust
import pytest
from faust.types import TP
from faust.types.tuples import Message

from dagger.runtime import _commit_guard, _startup

TOPIC = "guarded"
PARTITION = TP(TOPIC, 0)


def close_thread_loop(consumer: Any) -> None:
    """Close the event loop faust's consumer made for its (never started) thread."""
    consumer._thread.thread_loop.close()


@pytest.fixture
async def consumer() -> AsyncIterator[Any]:
    # Built on the test's running loop: faust's services would make (and leak) one otherwise.
    app = faust.App("guard-test", broker="kafka://127.0.0.1:1", store="memory://")
    app.topics._acking_topics.add(TOPIC)  # type: ignore[attr-defined]  # as an agent's topic
    yield app.consumer
    close_thread_loop(app.consumer)


def taken(consumer: Any, *offsets: int) -> list[Message]:
    """Messages a stream has taken (faust tracks them until they are acknowledged)."""
    messages = [Message(TOPIC, 0, offset, 0.0, 0, None, None, b"{}", None) for offset in offsets]
    for message in messages:
        consumer.track_message(message)
    return messages


async def test_faust_alone_commits_past_a_message_in_flight(consumer: Any) -> None:
    # Why the guard exists (faust issue #606): if this fails, faust waits by itself now.
    consumer._committed_offset[PARTITION] = 5
    slow, *done = taken(consumer, 5, 6, 7)
    for message in done:
        consumer.ack(message)
    assert consumer._new_offset(PARTITION) == 8


async def test_the_commit_stops_before_the_message_in_flight_and_passes_it_once_acked(
    consumer: Any,
) -> None:
    _commit_guard.install(consumer)
    consumer._committed_offset[PARTITION] = 5
    slow, *done = taken(consumer, 5, 6, 7)
    for message in done:
        consumer.ack(message)
    assert consumer._new_offset(PARTITION) is None
    assert sorted(consumer._acked[PARTITION]) == [6, 7]  # kept for a later commit
    consumer.ack(slow)
    assert consumer._new_offset(PARTITION) == 8


async def test_with_nothing_committed_the_commit_stops_before_the_message_in_flight(
    consumer: Any,
) -> None:
    # faust alone would commit 3 here: its run of acked offsets starts at 1.
    _commit_guard.install(consumer)
    slow, *done = taken(consumer, 0, 1, 2)
    for message in done:
        consumer.ack(message)
    assert consumer._new_offset(PARTITION) is None
    consumer.ack(slow)
    assert consumer._new_offset(PARTITION) == 3


async def test_with_nothing_in_flight_the_commit_is_faust_own(consumer: Any) -> None:
    _commit_guard.install(consumer)
    consumer._committed_offset[PARTITION] = 5
    for message in taken(consumer, 5, 6, 7):
        consumer.ack(message)
    assert consumer._new_offset(PARTITION) == 8


async def test_a_message_below_the_committed_offset_does_not_hold_commits(consumer: Any) -> None:
    # A message fetched again after a rebalance moved the committed offset past it.
    _commit_guard.install(consumer)
    taken(consumer, 3)
    consumer._committed_offset[PARTITION] = 5
    for message in taken(consumer, 5, 6):
        consumer.ack(message)
    assert consumer._new_offset(PARTITION) == 7


async def test_another_partition_in_flight_does_not_hold_this_one(consumer: Any) -> None:
    _commit_guard.install(consumer)
    other = Message(TOPIC, 1, 0, 0.0, 0, None, None, b"{}", None)
    consumer.track_message(other)
    for message in taken(consumer, 0, 1):
        consumer.ack(message)
    assert consumer._new_offset(PARTITION) == 2


async def test_the_engine_guards_its_consumer_at_start(
    offline_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_check(engine: Any) -> None:
        return None

    monkeypatch.setattr(_startup, "warn_on_partition_mismatch", no_check)
    engine = offline_engine()
    await engine.on_start()  # the engine's own hook, before faust starts (nothing connects)
    consumer = engine.faust_app.consumer
    consumer._committed_offset[TP("engine-topic", 0)] = 0
    engine.faust_app.topics._acking_topics.add("engine-topic")
    slow, done = (Message("engine-topic", 0, n, 0.0, 0, None, None, b"{}", None) for n in (0, 1))
    consumer.track_message(slow)
    consumer.track_message(done)
    consumer.ack(done)
    try:
        assert consumer._new_offset(TP("engine-topic", 0)) is None
    finally:
        close_thread_loop(consumer)
