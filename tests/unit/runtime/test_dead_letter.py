"""``DeadLetters``: the copy, its headers, the headers-only fallback, and one log line."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import pytest

from dagger.runtime._dead_letter import DeadLetters, origin


@dataclass
class Message:
    """The parts of a faust message the dead-letter code reads."""

    value: bytes | None
    key: bytes | None = b"k-1"
    topic: str = "orders"
    partition: int = 2
    offset: int = 41


class Topic:
    """Records what is sent; ``refuse`` makes sends carrying a value fail, ``down`` all."""

    def __init__(self, *, refuse: bool = False, down: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.refuse = refuse
        self.down = down
        self.declared = 0

    def get_topic_name(self) -> str:
        return "tasks-dlq"

    async def maybe_declare(self) -> None:
        self.declared += 1

    async def send(self, **kwargs: Any) -> Any:
        if self.down or (self.refuse and kwargs["value"]):
            raise RuntimeError("RecordTooLarge from the broker")
        self.sent.append(kwargs)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def headers_of(sent: dict[str, Any]) -> dict[str, str]:
    return {name: value.decode() for name, value in sent["headers"]}


async def test_a_message_is_copied_with_its_origin_and_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = Topic()
    caplog.set_level(logging.INFO, logger="dagger.agents")
    await DeadLetters(topic, 1_000_000).reject(Message(b'{"a": 1}'), "bad\nthing")

    [sent] = topic.sent
    assert (sent["key"], sent["value"], sent["force"]) == (b"k-1", b'{"a": 1}', True)
    assert headers_of(sent) == {
        "dagger-reason": "bad thing",
        "dagger-origin-topic": "orders",
        "dagger-origin-partition": "2",
        "dagger-origin-offset": "41",
        "dagger-origin-key": "k-1",
        "dagger-original-size": "8",
    }
    [record] = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == (
        "cannot use message topic=orders partition=2 offset=41: bad thing; "
        "dead-lettered to tasks-dlq"
    )
    assert topic.declared == 1


async def test_a_message_over_the_producer_limit_is_sent_as_headers_only() -> None:
    topic = Topic()
    await DeadLetters(topic, 10_000).reject(Message(b"x" * 20_000), "too big to read")
    [sent] = topic.sent
    headers = headers_of(sent)
    assert (sent["key"], sent["value"]) == (b"k-1", b"")
    assert headers["dagger-original-size"] == "20000"
    assert headers["dagger-value-omitted"].endswith("over the producer limit of 10000")


async def test_a_copy_the_broker_refuses_falls_back_to_headers_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = Topic(refuse=True)
    caplog.set_level(logging.INFO, logger="dagger.agents")
    await DeadLetters(topic, 1_000_000).reject(Message(b"abc", key=None), "reason")
    [sent] = topic.sent
    assert (sent["key"], sent["value"]) == (None, b"")
    assert "dagger-origin-key" not in headers_of(sent)
    assert "RecordTooLarge" in headers_of(sent)["dagger-value-omitted"]
    [record] = caplog.records
    assert "as headers only" in record.getMessage()


async def test_when_nothing_can_be_sent_it_is_one_error_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="dagger.agents")
    await DeadLetters(Topic(down=True), 1_000_000).reject(Message(b"abc"), "reason")
    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is None
    assert record.getMessage().startswith(
        "cannot use message topic=orders partition=2 offset=41: reason; "
        "and could not dead-letter it: RuntimeError"
    )


async def test_the_traceback_is_logged_at_debug_only(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError("deep")
    except ValueError as exc:
        error = exc
    caplog.set_level(logging.INFO, logger="dagger.agents")
    await DeadLetters(Topic(), 1_000_000).reject(Message(b"a"), "reason", error)
    assert [r.exc_info for r in caplog.records] == [None]

    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="dagger.agents")
    await DeadLetters(Topic(), 1_000_000).reject(Message(b"a"), "reason", error)
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(debug) == 1 and debug[0].exc_info is not None


async def test_long_reasons_and_keys_are_cut() -> None:
    topic = Topic()
    await DeadLetters(topic, 1_000_000).reject(Message(b"v", key=b"k" * 5000), "r" * 5000)
    headers = headers_of(topic.sent[0])
    assert len(headers["dagger-reason"]) == 1000
    assert headers["dagger-origin-key"] == "k" * 1024


def test_origin_names_topic_partition_and_offset() -> None:
    assert origin(Message(b"")) == "topic=orders partition=2 offset=41"
