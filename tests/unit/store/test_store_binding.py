"""A store is handed its runtime by the engine; it never looks it up (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from dagger.core.records import Trigger
from dagger.service import engineconfig
from dagger.store import _config
from dagger.store._base import IStore, StoreNotBound
from dagger.store._local import InMemoryStore


class Recorder:
    """A runtime that records what the store asked of it."""

    def __init__(self) -> None:
        self.saved: list[Any] = []

    def now(self) -> float:
        return 100.0

    async def load_workflow(self, workflow_id: Any) -> Any:
        return None

    async def save_workflow(self, workflow: Any) -> None:
        self.saved.append(workflow)

    async def delete_workflow(self, workflow: Any) -> None:
        raise AssertionError("not called here")

    async def save_trigger(self, trigger: Trigger) -> None:
        self.saved.append(trigger)

    async def remove_trigger(self, workflow_id: Any, task_id: Any) -> None:
        raise AssertionError("not called here")

    def stored_triggers(self) -> list[tuple[int, Trigger]]:
        return [(0, Trigger(trigger_time=50.0)), (0, Trigger(trigger_time=500.0))]


class NoRuntime:
    """An ``app`` without a ``runtime``: the store must not need one."""

    owned_partitions = None


async def test_an_unbound_store_says_what_is_missing() -> None:
    store = InMemoryStore(NoRuntime())
    with pytest.raises(StoreNotBound, match=r"InMemoryStore has no runtime yet.*IStore\.bind"):
        await store.get_value_for_key("w")


async def test_a_bound_store_delegates_to_the_runtime_it_was_given() -> None:
    store, runtime = InMemoryStore(NoRuntime()), Recorder()
    ran: list[str] = []

    async def catch_up() -> int:
        ran.append("catch-up")
        return 0

    store.bind(runtime, catch_up=catch_up)
    await store.insert_trigger(Trigger(trigger_time=1.0))
    due = await store.get_valid_triggers()
    await store.execute_system_timer_task()

    assert [type(x).__name__ for x in runtime.saved] == ["Trigger"]
    assert [t.trigger_time for t in due] == [50.0]
    assert ran == ["catch-up"]


def test_the_istore_constructor_keeps_its_0_2_6_signature() -> None:
    store = IStore(app="the engine")
    assert store.app == "the engine"


def test_engineconfig_re_exports_the_store_config_under_its_0_2_6_home() -> None:
    for name in ("StoreEnum", "EngineConfig", "AerospikeConfig", "CompressionType"):
        cls = getattr(engineconfig, name)
        assert cls is getattr(_config, name)
        assert cls.__module__ == "dagger.service.engineconfig"
    assert engineconfig.ROCKS_DB_OPTIONS is _config.ROCKS_DB_OPTIONS
