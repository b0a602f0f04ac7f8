"""One behaviour suite, every runtime: the ``runtime`` fixture runs each test once per runtime.

The engine's use cases (``dagger.engine.operations``) only talk to the
:class:`~dagger.core.ports.WorkflowRuntime` port, so every runtime must behave the same through
it. The runtimes under test:

- ``in-memory``: :class:`dagger.testing.InMemoryRuntime`, what the unit tests run on;
- ``faust-memory``: :class:`dagger.runtime.FaustRuntime` over ``MemoryTable`` partitioned tables;
- ``faust-rocksdb``: ``FaustRuntime`` over real faust tables in RocksDB (a faust app that is
  never started; no broker, the changelog is off), as a worker stores them.

The faust runtimes own all four partitions, so nothing is forwarded: forwarding workflows owned
by another worker is ``FaustRuntime``'s own behaviour (tests/unit/runtime).

The port has no way to list triggers or what was sent for creation, so ``Port`` adds those
two read-only views per runtime; every test asserts through them and the port only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import faust
import pytest

from dagger.core.context import set_runtime
from dagger.core.ports import WorkflowNode, WorkflowRuntime
from dagger.engine import operations
from dagger.runtime import FaustRuntime
from dagger.store.stores import FaustTable, MemoryTable, PartitionedTable
from dagger.tasks.task import ITemplateDAGInstance, Trigger
from dagger.testing import FakeClock, InMemoryRuntime

#: Where the fake clock starts (a fixed epoch time, so trigger times are easy to read).
START = 1_700_000_000.0
#: Partitions of the faust runtimes' tables (this worker owns all of them).
PARTITIONS = 4
KINDS = ["in-memory", "faust-memory", "faust-rocksdb"]

TriggerTimes = dict[tuple[str, str], float | None]


@dataclass
class Port:
    """A runtime under test plus the two views the port itself does not offer."""

    runtime: WorkflowRuntime
    clock: FakeClock
    #: ``(str(workflow_id), str(task_id)) -> trigger_time`` of every stored trigger.
    triggers: Callable[[], TriggerTimes]
    #: ``(key, decoded workflow)`` for every ``send_for_creation``, in order.
    sent: list[tuple[Any, ITemplateDAGInstance[Any, Any]]] = field(default_factory=list)

    async def fire_due(self) -> int:
        """Fire every stored trigger due on the clock, earliest first, as a timer would."""
        due = sorted(
            (when, wid, tid)
            for (wid, tid), when in self.triggers().items()
            if when is not None and when <= self.clock.now()
        )
        for when, wid, tid in due:
            await operations.fire_trigger(self.runtime, Trigger(when, UUID(tid), UUID(wid)))
        return len(due)


def _in_memory(clock: FakeClock, delete_on_complete: bool) -> Port:
    runtime = InMemoryRuntime(clock=clock, delete_workflow_on_complete=delete_on_complete)

    def triggers() -> TriggerTimes:
        return {key: t.trigger_time for key, t in runtime.triggers.items()}

    port = Port(runtime, clock, triggers)
    port.sent = runtime.sent_for_creation
    return port


def _faust(
    clock: FakeClock, delete_on_complete: bool, tables: Callable[[str], PartitionedTable]
) -> Port:
    sent: list[tuple[Any, ITemplateDAGInstance[Any, Any]]] = []

    async def forward(key: Any, workflow: WorkflowNode) -> None:
        # What the receiving worker decodes from the tasks topic.
        sent.append((key, ITemplateDAGInstance.loads(workflow.dumps())))

    runtime = FaustRuntime(
        kv=tables("kv_table"),
        triggers=tables("triggers_table"),
        correlation=tables("correletable_keys_table"),
        partitions=PARTITIONS,
        owned=_all_partitions,
        forward=forward,
        delete_workflow_on_complete=delete_on_complete,
        clock=clock,
    )

    def triggers() -> TriggerTimes:
        stored = runtime.stored_triggers()
        return {(str(t.workflow_id), str(t.id)): t.trigger_time for _, t in stored}

    return Port(runtime, clock, triggers, sent)


def _all_partitions() -> set[int]:
    return set(range(PARTITIONS))


def _memory_tables(name: str) -> PartitionedTable:
    return MemoryTable(name, _all_partitions)


def _rocksdb_tables(datadir: Path) -> Callable[[str], PartitionedTable]:
    app = faust.App(
        f"contract-{uuid.uuid4().hex[:8]}",
        broker="kafka://127.0.0.1:1",
        store="rocksdb://",
        datadir=str(datadir),
        autodiscover=False,
    )

    def table(name: str) -> PartitionedTable:
        faust_table = app.Table(name, partitions=PARTITIONS, key_type=bytes, value_type=bytes)
        return FaustTable(faust_table, _all_partitions, changelog=False)

    return table


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at :data:`START`, shared by the runtime and the test."""
    return FakeClock(START)


@pytest.fixture(params=KINDS)
def make_port(
    request: pytest.FixtureRequest, clock: FakeClock, tmp_path: Path
) -> Callable[..., Port]:
    """``make_port(delete_workflow_on_complete=False) -> Port`` of the runtime kind under test."""

    def make(*, delete_workflow_on_complete: bool = False) -> Port:
        if request.param == "in-memory":
            return _in_memory(clock, delete_workflow_on_complete)
        if request.param == "faust-memory":
            return _faust(clock, delete_workflow_on_complete, _memory_tables)
        datadir = tmp_path / uuid.uuid4().hex[:8]
        return _faust(clock, delete_workflow_on_complete, _rocksdb_tables(datadir))

    return make


@pytest.fixture
def port(make_port: Callable[..., Port]) -> Iterator[Port]:
    """The runtime under test (deletion on completion off), installed for the test."""
    built = make_port()
    set_runtime(built.runtime)
    try:
        yield built
    finally:
        set_runtime(None)


@pytest.fixture
def runtime(port: Port) -> WorkflowRuntime:
    """The runtime under test, through the port only."""
    return port.runtime
