"""The polling helpers the other tests rely on."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.support.waiting import async_wait_until, wait_until


def test_wait_until_returns_the_first_truthy_value() -> None:
    counter = itertools.count()
    assert wait_until(lambda: next(counter) >= 3 and "done", interval=0.001) == "done"


def test_wait_until_raises_with_the_message_after_the_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"never \(waited 0.1 s\)"):
        wait_until(lambda: False, timeout=0.1, interval=0.01, message="never")
    assert 0.1 <= time.monotonic() - started < 1.0


def test_wait_until_can_ignore_exceptions_and_reports_the_last() -> None:
    def boom() -> bool:
        raise ConnectionError("refused")

    with pytest.raises(AssertionError, match="refused"):
        wait_until(boom, timeout=0.05, interval=0.01, ignore=(ConnectionError,))
    with pytest.raises(ConnectionError):
        wait_until(boom, timeout=0.05)


async def test_async_wait_until_takes_sync_and_async_predicates() -> None:
    counter = itertools.count()

    async def ready() -> bool:
        return next(counter) >= 2

    assert await async_wait_until(ready, interval=0.001) is True
    assert await async_wait_until(lambda: 42, interval=0.001) == 42
    with pytest.raises(AssertionError, match="state: 7"):
        await async_wait_until(lambda: None, timeout=0.05, message=lambda: "state: 7")
