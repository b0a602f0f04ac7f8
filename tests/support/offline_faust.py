"""The engine's faust-side parts without a broker, for unit tests: a faust app that never
connects (:func:`offline_faust_app`), and a ``FaustRuntime`` over in-memory tables that owns
every partition (:func:`memory_faust_runtime`), also seen as one without summaries
(:class:`WithoutSummaries`), and partition 0 assigned to an engine never started
(:func:`own_partition_zero`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from faust.types import TP

from dagger.core.context import set_runtime
from dagger.runtime import FaustRuntime
from dagger.runtime._app import create_faust_app
from dagger.store._tables import MemoryTable


def offline_faust_app(name: str, **settings: Any) -> Any:
    """The engine's faust app (``create_faust_app``) with its own id ``<name>-<random>``, a
    broker address nothing answers at and the memory store; ``settings`` are faust settings.
    Building topics, tables and web views needs no broker; starting it would."""
    return create_faust_app(
        f"{name}-{uuid.uuid4().hex[:6]}",
        broker="kafka://127.0.0.1:1",
        store="memory://",
        datadir=None,
        package_name="tests",
        kafka_partitions=1,
        logging_config=None,
        extra=settings,
    )


#: The partitions such a runtime has (and owns).
OWNED = {0, 1}


def memory_faust_runtime(kv_table: type[MemoryTable] = MemoryTable) -> FaustRuntime:
    """The runtime, its kv table of class ``kv_table``; forwarding a workflow fails the test
    (every partition is owned, so nothing should be)."""

    async def forward(key: Any, workflow: Any) -> None:
        raise AssertionError("nothing is forwarded: every partition is owned")

    def owns() -> set[int]:
        return OWNED

    return FaustRuntime(
        kv=kv_table("kv", owns),
        triggers=MemoryTable("triggers", owns),
        correlation=MemoryTable("index", owns),
        partitions=len(OWNED),
        owned=owns,
        forward=forward,
    )


class WithoutSummaries:
    """A runtime as one without workflow summaries looks to listing: it can only be read
    record by record (``iter_workflows``), so listing takes its decoding fallback."""

    def __init__(self, runtime: FaustRuntime) -> None:
        self.runtime = runtime

    def iter_workflows(self) -> Any:
        """Every stored record, as the runtime yields them."""
        return self.runtime.iter_workflows()

    async def load_workflow(self, workflow_id: Any) -> Any:
        """The stored workflow, as the runtime loads it."""
        return await self.runtime.load_workflow(workflow_id)


@contextmanager
def current(runtime: FaustRuntime) -> Iterator[FaustRuntime]:
    """``runtime`` as the current runtime (what task code reaches) for the block."""
    set_runtime(runtime)
    try:
        yield runtime
    finally:
        set_runtime(None)


def own_partition_zero(engine: Any, monkeypatch: Any) -> None:
    """Play the broker's part for an engine that is never started: assign it partition 0 of
    its tasks topic (faust's assignor answers with that set for the test)."""
    owned = {TP(engine.tasks_topic.get_topic_name(), 0)}
    monkeypatch.setattr(engine.faust_app.assignor, "assigned_actives", lambda: owned)
