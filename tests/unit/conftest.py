"""Shared unit-test fixtures: a fake clock and an installed in-memory runtime.

Sub-directories may define their own ``runtime`` fixture; theirs wins there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dagger.core.context import set_runtime
from dagger.testing import FakeClock, InMemoryRuntime

#: Where the fake clock starts (a fixed epoch time, so trigger times are easy to read).
START = 1_700_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at :data:`START`."""
    return FakeClock(START)


@pytest.fixture
def runtime(clock: FakeClock) -> Iterator[InMemoryRuntime]:
    """An in-memory runtime on ``clock``, installed for the test and uninstalled after."""
    rt = InMemoryRuntime(clock=clock)
    set_runtime(rt)
    try:
        yield rt
    finally:
        set_runtime(None)
