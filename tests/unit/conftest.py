"""Shared unit-test fixtures: a fake clock, an installed in-memory runtime, and engines that
are never started.

Sub-directories may define their own ``runtime`` fixture; theirs wins there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dagger.core.context import set_runtime
from dagger.service.services import Dagger
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


@pytest.fixture
def offline_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Dagger]]:
    """Build ``Dagger`` engines that are never started: the in-memory store, a broker nothing
    answers at, a fresh app id and data dir; keywords are more (or other) ``Dagger``
    options. ``Dagger.app`` and the installed runtime are restored after the test."""
    monkeypatch.setattr(Dagger, "app", Dagger.app)

    def build(**options: Any) -> Dagger:
        name = uuid.uuid4().hex[:8]
        settings: dict[str, Any] = {
            "broker": "kafka://127.0.0.1:1",
            "datadir": str(tmp_path / name),
            "store": "memory://",
            "application_name": f"unit-{name}",
            **options,
        }
        return Dagger(**settings)

    try:
        yield build
    finally:
        set_runtime(None)
