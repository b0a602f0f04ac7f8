"""Poll for a condition with a deadline, instead of sleeping and hoping.

Both helpers return the predicate's first truthy value, and raise ``AssertionError`` with
``message`` (plus the last exception the predicate raised, if any) when the deadline passes.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")

Message = str | Callable[[], str]


def _fail(message: Message, timeout: float, last_exc: BaseException | None) -> AssertionError:
    text = message() if callable(message) else message
    text = f"{text} (waited {timeout:g} s)"
    if last_exc is not None:
        text += f"; last error: {last_exc!r}"
    return AssertionError(text)


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: Message = "condition not met",
    *,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Call ``predicate`` every ``interval`` s until it returns something truthy; return that.

    Exceptions of the types in ``ignore`` count as "not yet". ``message`` may be a callable,
    evaluated only on failure (handy for including current state).
    """
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    while True:
        try:
            result = predicate()
        except ignore as exc:
            last_exc = exc
        else:
            if result:
                return result
        if time.monotonic() >= deadline:
            raise _fail(message, timeout, last_exc)
        time.sleep(interval)


@overload
async def async_wait_until(
    predicate: Callable[[], Awaitable[T | None]],
    timeout: float = ...,
    interval: float = ...,
    message: Message = ...,
    *,
    ignore: tuple[type[BaseException], ...] = ...,
) -> T: ...


@overload
async def async_wait_until(
    predicate: Callable[[], T | None],
    timeout: float = ...,
    interval: float = ...,
    message: Message = ...,
    *,
    ignore: tuple[type[BaseException], ...] = ...,
) -> T: ...


async def async_wait_until(
    predicate: Callable[[], Any],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: Message = "condition not met",
    *,
    ignore: tuple[type[BaseException], ...] = (),
) -> Any:
    """Async form of :func:`wait_until`; ``predicate`` may be a plain or an async function."""
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    while True:
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
        except ignore as exc:
            last_exc = exc
        else:
            if result:
                return result
        if time.monotonic() >= deadline:
            raise _fail(message, timeout, last_exc)
        await asyncio.sleep(interval)
