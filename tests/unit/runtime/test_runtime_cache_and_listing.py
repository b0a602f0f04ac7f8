"""FaustRuntime's performance parts (issue 16), on in-memory tables: the cache of decoded
workflows between steps, the single save of a workflow created and submitted in one turn,
and the workflow summaries listing reads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from dagger.engine import operations
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.runtime import FaustRuntime
from dagger.store._tables import MemoryTable
from dagger.tasks.task import DefaultTemplateDAGInstance, ExecutorTask
from dagger.web._handlers import list_instances
from dagger.web._models import InstancesQuery
from tests.support.offline_faust import OWNED, WithoutSummaries, current, memory_faust_runtime
from tests.support.waiting import async_wait_until


class CountingTable(MemoryTable):
    """A memory table that counts the writes of each key."""

    def __init__(self, name: str, owned: Any) -> None:
        super().__init__(name, owned)
        self.writes: dict[str, int] = {}

    def put(self, key: str, value: bytes, partition: int) -> None:
        self.writes[key] = self.writes.get(key, 0) + 1
        super().put(key, value, partition)


class Noop(ExecutorTask[str, str]):
    """Does nothing."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        return None


def _runtime() -> FaustRuntime:
    return memory_faust_runtime(CountingTable)


@pytest.fixture
def runtime() -> Iterator[FaustRuntime]:
    with current(_runtime()) as built:
        yield built


def _template(name: str = "Chain") -> Any:
    helper = DAGBuilderHelper(None)
    chain = helper.build_and_link_tasks(
        [helper.generic_executor_task_builder(task_type=Noop, name=f"s{i}") for i in range(3)]
    )
    process = helper.generic_process_builder(process_name="p", root_task=chain)
    return helper.generic_template(template_name=name, root_process=process.build())


def _waiting(order: str) -> DefaultTemplateDAGInstance:
    workflow = DefaultTemplateDAGInstance(
        id=uuid.uuid4(),
        template_name="W",
        partition_key_lookup="order_id",
        runtime_parameters={"order_id": order},
    )
    workflow.status.code = workflow.status.value = "EXECUTING"
    return workflow


# -- the cache ------------------------------------------------------------------------------


async def test_a_load_after_a_save_is_served_from_a_copy_nobody_else_holds(
    runtime: FaustRuntime,
) -> None:
    workflow = _waiting("a")
    await runtime.save_workflow(workflow)
    workflow.runtime_parameters["changed"] = "after the save, by the saver"

    loaded = await runtime.load_workflow(workflow.id)
    assert runtime.cache.hits == 1
    assert loaded is not None and loaded is not workflow
    assert "changed" not in loaded.runtime_parameters  # the copy was made at the save
    assert loaded.dumps() == runtime.kv.get(str(workflow.id))

    again = await runtime.load_workflow(workflow.id)  # the copy was taken: decoded now
    assert again is not None and again is not loaded and runtime.cache.misses == 1
    assert again.dumps() == loaded.dumps()


async def test_a_record_rewritten_behind_the_runtime_is_decoded_not_served_stale(
    runtime: FaustRuntime,
) -> None:
    workflow = _waiting("b")
    await runtime.save_workflow(workflow)
    home = runtime.home_of(workflow.id)
    assert home is not None
    raw = runtime.kv.get(str(workflow.id))
    assert raw is not None
    rewritten = DefaultTemplateDAGInstance.loads(raw)
    rewritten.runtime_parameters["note"] = "raw write"
    runtime.kv.put(str(workflow.id), rewritten.dumps(), home)

    loaded = await runtime.load_workflow(workflow.id)
    assert loaded is not None and loaded.runtime_parameters["note"] == "raw write"
    assert runtime.cache.hits == 0


async def test_ended_deleted_and_revoked_workflows_leave_the_cache(runtime: FaustRuntime) -> None:
    kept, revoked, deleted, ended = (_waiting(x) for x in "cdef")
    for workflow in (kept, revoked, deleted, ended):
        await runtime.save_workflow(workflow)
    ended.status.code = ended.status.value = "COMPLETED"
    await runtime.save_workflow(ended)
    await runtime.delete_workflow(deleted)
    assert str(ended.id) not in runtime.cache and str(deleted.id) not in runtime.cache

    revoked_home = runtime.home_of(revoked.id)
    runtime.forget_partitions(OWNED - {revoked_home} if revoked_home is not None else OWNED)
    assert str(revoked.id) not in runtime.cache
    assert (str(kept.id) in runtime.cache) == (runtime.home_of(kept.id) != revoked_home)


# -- one save for create_instance then submit ------------------------------------------------


async def test_create_then_submit_in_one_turn_writes_the_workflow_once(
    runtime: FaustRuntime,
) -> None:
    workflow = await _template().create_instance(uuid.uuid4(), "order_id", repartition=False)
    await operations.submit(runtime, workflow, repartition=False)

    assert runtime.kv.writes[str(workflow.id)] == 1  # type: ignore[attr-defined]
    stored = await runtime.load_workflow(workflow.id)
    assert stored is not None and stored.status.code == "COMPLETED"


async def test_a_created_workflow_nobody_submits_is_stored_not_started(
    runtime: FaustRuntime,
) -> None:
    workflow = await _template().create_instance(uuid.uuid4(), "order_id", repartition=False)
    # Read right away: the deferred save runs first.
    loaded = await runtime.load_workflow(workflow.id)
    assert loaded is not None and loaded.status.code == "NOT_STARTED"

    other = await _template().create_instance(uuid.uuid4(), "order_id", repartition=False)
    await async_wait_until(lambda: runtime.kv.get(str(other.id)) is not None, timeout=2)
    raw = runtime.kv.get(str(other.id))
    assert raw is not None
    assert DefaultTemplateDAGInstance.loads(raw).status.code == "NOT_STARTED"


async def test_a_replayed_create_and_submit_of_a_stored_id_is_still_ignored(
    runtime: FaustRuntime,
) -> None:
    template = _template()
    first = await template.create_instance(uuid.uuid4(), "order_id", repartition=False)
    await operations.submit(runtime, first, repartition=False)
    before = runtime.kv.get(str(first.id))

    replay = await template.create_instance(first.id, "order_id", repartition=False)
    await operations.submit(runtime, replay, repartition=False)
    await asyncio.sleep(0)
    assert runtime.kv.get(str(first.id)) == before  # admission: a replayed start is a no-op


# -- listing from the summaries --------------------------------------------------------------


async def test_listing_reads_the_summaries_once_rebuilt_and_answers_like_the_scan(
    runtime: FaustRuntime,
) -> None:
    template = _template("Chain")
    for _ in range(7):
        await template.create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True
        )
    waiting = [_waiting(f"w{i}") for i in range(5)]
    for workflow in waiting:
        await runtime.save_workflow(workflow)
    queries = [
        InstancesQuery(limit=4),
        InstancesQuery(limit=3, offset=5),
        InstancesQuery(status="EXECUTING", limit=50),
        InstancesQuery(status="COMPLETED", template="Chain", limit=2, offset=1),
        InstancesQuery(template="none", limit=5),
    ]
    # Before an assignment, the summaries are not known complete: listing scans.
    assert await runtime.page_workflows(status=None, template=None, offset=0, limit=5) is None
    scanned = [await list_instances(WithoutSummaries(runtime), q) for q in queries]

    fresh = _runtime()  # a worker recovering the same records: summaries rebuilt from kv
    fresh.kv.data = runtime.kv.data  # type: ignore[attr-defined]
    fresh.listing.summaries.REBUILD_SLICE = 2
    fresh.forget_partitions(set(OWNED))
    # Asked while the rebuild has not run yet: the listing finishes it, it does not scan.
    assert not fresh.listing.summaries.is_ready(OWNED)
    assert [await list_instances(_NoScan(fresh), q) for q in queries] == scanned
    assert fresh.listing.summaries.is_ready(OWNED)
    assert len(await list_instances(fresh, queries[2])) == 5

    await fresh.delete_workflow(waiting[0])
    listed = await list_instances(fresh, InstancesQuery(status="EXECUTING", limit=50))
    assert str(waiting[0].id) not in {w["id"] for w in listed} and len(listed) == 4


async def test_summaries_follow_saves_made_while_they_are_rebuilt(runtime: FaustRuntime) -> None:
    runtime.listing.summaries.REBUILD_SLICE = 1  # yield after every record
    for i in range(4):
        await runtime.save_workflow(_waiting(f"r{i}"))
    runtime.forget_partitions(set(OWNED))
    late = _waiting("late")
    await runtime.save_workflow(late)  # while the rebuild is under way
    # The listing waits for the rebuild under way (it does not scan, nor answer None).
    listed = await runtime.page_workflows(status="EXECUTING", template=None, offset=0, limit=50)
    assert listed is not None and len(listed) == 5


class _NoScan:
    """The runtime with its summaries; reading every record fails the test."""

    def __init__(self, runtime: FaustRuntime) -> None:
        self.runtime = runtime

    def iter_workflows(self) -> Any:
        raise AssertionError("the listing scanned the store instead of using the summaries")

    def page_workflows(self, **query: Any) -> Any:
        return self.runtime.page_workflows(**query)

    async def load_workflow(self, workflow_id: Any) -> Any:
        return await self.runtime.load_workflow(workflow_id)
