"""Where each workflow is stored (``runtime._homes``): remembered homes, and a scan that
found nothing trusted only by the task that made it, until that task yields."""

from __future__ import annotations

import asyncio
import uuid

from dagger.engine import operations
from dagger.runtime._homes import Homes
from dagger.store._tables import MemoryTable
from tests.support.offline_faust import memory_faust_runtime
from tests.unit.tasks.flows import Flow, Step, make


class CountedTable(MemoryTable):
    """A memory table that counts the scans for a key over its owned partitions."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.scans: list[str] = []

    def find(self, key: str) -> tuple[int, bytes] | None:
        self.scans.append(key)
        return super().find(key)


async def test_a_miss_is_scanned_once_until_the_task_yields() -> None:
    table = CountedTable("kv")
    homes = Homes(table)
    assert [homes.home_of("w1") for _ in range(3)] == [None, None, None]
    assert homes.find("w1") is None
    assert table.scans == ["w1"]

    table.put("w1", b"{}", 2)  # written behind its back, as a restored partition would be
    await asyncio.sleep(0)  # the task yielded: the miss is forgotten
    assert homes.home_of("w1") == 2
    assert table.scans == ["w1", "w1"]
    assert homes.home_of("w1") == 2 and len(table.scans) == 2  # found homes are remembered


async def test_another_task_does_not_trust_the_miss() -> None:
    # Two tasks in one iteration of the loop: what runs between them (here a write behind
    # the runtime's back, as a changelog restore would be) may have stored the workflow.
    table = CountedTable("kv")
    homes = Homes(table)

    async def misses_then_it_is_restored() -> int | None:
        home = homes.home_of("w1")
        table.put("w1", b"{}", 1)
        return home

    async def looks_next() -> int | None:
        return homes.home_of("w1")

    first = asyncio.create_task(misses_then_it_is_restored())
    second = asyncio.create_task(looks_next())
    assert await first is None
    assert await second == 1
    assert table.scans == ["w1", "w1"]


def test_without_a_running_loop_every_lookup_scans() -> None:
    table = CountedTable("kv")
    homes = Homes(table)
    assert homes.home_of("w1") is None and homes.home_of("w1") is None
    assert table.scans == ["w1", "w1"]


async def test_another_miss_in_the_same_turn_scans_and_is_remembered_instead() -> None:
    table = CountedTable("kv")
    homes = Homes(table)
    homes.home_of("w1")
    homes.home_of("w2")
    homes.home_of("w2")
    homes.home_of("w1")  # only the last miss is remembered
    assert table.scans == ["w1", "w2", "w1"]


def test_remembered_homes_are_bounded_and_follow_rebalances_and_deletes() -> None:
    homes = Homes(CountedTable("kv"), remembered=2)
    homes.remember("a", 0)
    homes.remember("b", 1)
    homes.get("a")
    homes.remember("c", 1)  # "a" is the least recently remembered
    assert [homes.get(w) for w in "abc"] == [None, 1, 1]
    homes.remember("a", 0)
    homes.keep_only({0})
    assert [homes.get(w) for w in "abc"] == [0, None, None]
    homes.forget("a")
    assert homes.get("a") is None


async def test_a_new_workflow_is_looked_for_once_from_creation_to_its_first_save() -> None:
    runtime = memory_faust_runtime(kv_table=CountedTable)
    kv = runtime.kv
    assert isinstance(kv, CountedTable)
    flow = Flow(order_id=f"o-{uuid.uuid4().hex[:6]}")
    flow.process("p", make(Step, "a"), make(Step, "b"))
    await operations.store_and_create(runtime, flow.submitted())

    # The ownership check, the admission's lookup and the save: one scan.
    assert kv.scans == [str(flow.wf.id)]
    stored = await runtime.load_workflow(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"
