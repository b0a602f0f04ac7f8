"""The deferred first save of a workflow created unsubmitted holds back the offset of the
message being handled until the save has run (or a submit claimed the workflow), so faust
can never commit past a start message whose workflow is not stored yet."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from faust.events import Event
from faust.types.tuples import Message

from dagger.runtime import _deferred
from dagger.runtime._deferred import DeferredCreations
from tests.support.waiting import async_wait_until


def _handled_event() -> Event:
    """An event as a stream hands it to an agent: its message holds the stream's reference."""
    message = Message("orders", 0, 41, 0.0, 0, None, b"k", b"v", None)
    message.incref()
    return Event(SimpleNamespace(consumer=None), b"k", b"v", None, message)  # type: ignore[arg-type]


class GatedStore:
    """A save that waits until the test opens the gate."""

    def __init__(self, fails: bool = False) -> None:
        self.gate = asyncio.Event()
        self.stored: list[Any] = []
        #: Whether each save ran on its own (it may take the workflow's lock) or in a load.
        self.alone: list[bool] = []
        self.fails = fails

    async def __call__(self, workflow: Any, alone: bool) -> None:
        await self.gate.wait()
        if self.fails:
            raise RuntimeError("disk full")
        self.stored.append(workflow)
        self.alone.append(alone)


@pytest.fixture
def event(monkeypatch: pytest.MonkeyPatch) -> Event:
    handled = _handled_event()
    monkeypatch.setattr(_deferred, "current_event", lambda: handled)
    return handled


def _workflow(name: str) -> Any:
    return SimpleNamespace(id=name, template_name="t")


async def test_the_offset_is_not_committable_until_the_deferred_save_has_run(event: Event) -> None:
    store = GatedStore()
    deferred = DeferredCreations(store)
    deferred.defer(_workflow("w1"))
    event.ack()  # the agent is done with the message: the stream releases its reference
    assert not event.message.acked

    await async_wait_until(lambda: "w1" not in deferred, timeout=2)  # the save started
    assert not event.message.acked
    store.gate.set()
    await async_wait_until(lambda: event.message.acked, timeout=2)
    assert [w.id for w in store.stored] == ["w1"]
    assert store.alone == [True]  # at the next turn, on its own


async def test_a_save_flushed_by_a_load_is_not_alone() -> None:
    store = GatedStore()
    store.gate.set()
    deferred = DeferredCreations(store)
    deferred.defer(_workflow("w5"))
    await deferred.flush("w5")  # what a load of the workflow does first
    assert store.alone == [False]
    await asyncio.sleep(0)  # the due callback finds nothing left to save
    assert [w.id for w in store.stored] == ["w5"]


async def test_a_claim_by_submit_releases_the_message_at_once(event: Event) -> None:
    store = GatedStore()
    deferred = DeferredCreations(store)
    workflow = _workflow("w2")
    deferred.defer(workflow)
    assert deferred.claim(workflow)
    event.ack()
    assert event.message.acked
    await asyncio.sleep(0)  # the due callback finds nothing to save
    assert "w2" not in deferred and store.stored == []


async def test_a_failed_deferred_save_is_logged_and_releases_the_message(
    event: Event, caplog: pytest.LogCaptureFixture
) -> None:
    store = GatedStore(fails=True)
    deferred = DeferredCreations(store)
    deferred.defer(_workflow("w3"))
    event.ack()
    store.gate.set()
    await async_wait_until(lambda: event.message.acked, timeout=2)
    assert "storing workflow w3 (t), created without submit_task, failed" in caplog.text


async def test_a_creation_outside_an_agent_holds_no_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_deferred, "current_event", lambda: None)
    store = GatedStore()
    store.gate.set()
    deferred = DeferredCreations(store)
    deferred.defer(_workflow("w4"))
    await async_wait_until(lambda: len(store.stored) == 1, timeout=2)
