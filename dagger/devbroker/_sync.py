"""Run a coroutine to completion from plain (blocking) code, inside a running loop or not."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a private event loop and return its result.

    Called from inside a running event loop, it runs on a helper thread (a loop cannot run
    another one) and blocks the calling loop until it is done.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_private(coro)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="devbroker") as pool:
        return pool.submit(_run_private, coro).result()


def _run_private(coro: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
