"""The port's own operations, identical on every runtime: records, triggers, the index."""

from __future__ import annotations

import uuid
from typing import Any

from dagger.core.ports import WorkflowRuntime
from dagger.engine import operations
from dagger.tasks.task import Trigger
from tests.contract.conftest import START, Port
from tests.unit.tasks.flows import Due, Flow, OrderListener, Step, make

T0 = int(START)


def flow(order_id: str = "o-1") -> Any:
    """A small workflow, not started (a process with one step)."""
    built = Flow(order_id=order_id)
    built.process("p", make(Step, "a"))
    return built.wf


async def saved(runtime: WorkflowRuntime, order_id: str = "o-1") -> Any:
    workflow = flow(order_id)
    await runtime.save_workflow(workflow)
    return workflow


async def load(runtime: WorkflowRuntime, workflow_id: Any) -> Any:
    found = await runtime.load_workflow(workflow_id)
    assert found is not None, f"workflow {workflow_id} is not stored"
    return found


# -- workflow records ------------------------------------------------------------------------


async def test_a_saved_workflow_loads_back_equal_with_its_count_and_time_bumped(
    port: Port, runtime: WorkflowRuntime
) -> None:
    workflow = flow()

    await runtime.save_workflow(workflow)

    assert (workflow.update_count, workflow.lastupdated) == (1, T0)
    loaded = await load(runtime, workflow.id)
    assert loaded is not workflow
    assert loaded.dumps() == workflow.dumps()
    assert (await load(runtime, str(workflow.id))).id == workflow.id  # str ids load too

    port.clock.advance(30)
    loaded.runtime_parameters["note"] = "second save"
    await runtime.save_workflow(loaded)

    again = await load(runtime, workflow.id)
    assert (again.update_count, again.lastupdated) == (2, T0 + 30)
    assert again.runtime_parameters["note"] == "second save"


async def test_a_loaded_workflow_is_a_copy_changing_it_changes_nothing_stored(
    runtime: WorkflowRuntime,
) -> None:
    workflow = await saved(runtime)

    loaded = await load(runtime, workflow.id)
    loaded.runtime_parameters["order_id"] = "changed"
    loaded.update_count = 99

    fresh = await load(runtime, workflow.id)
    assert fresh.runtime_parameters["order_id"] == "o-1"
    assert fresh.update_count == 1


async def test_an_unknown_id_loads_as_none(runtime: WorkflowRuntime) -> None:
    await saved(runtime)

    assert await runtime.load_workflow(uuid.uuid4()) is None
    assert await runtime.load_workflow(str(uuid.uuid4())) is None


async def waiting_flow(runtime: WorkflowRuntime, order_id: str) -> tuple[Any, Any, Any]:
    """Stored and started: its listener is indexed, its (not reached) trigger task stored."""
    built = Flow(order_id=order_id)
    listen = make(OrderListener, "listen", topic="ready")
    due = make(Due, "due", time_to_execute=T0 + 60)
    built.process("p", listen, due)
    await operations.store_and_create(runtime, built.submitted())
    return built.wf, listen, due


async def test_delete_removes_the_record_its_triggers_and_its_index_entries_only(
    port: Port, runtime: WorkflowRuntime
) -> None:
    gone, _, _ = await waiting_flow(runtime, "o-1")
    kept, kept_listener, kept_due = await waiting_flow(runtime, "o-1")
    assert len(port.triggers()) == 2
    assert len(await runtime.lookup_listeners("o-1", "ready")) == 2

    await runtime.delete_workflow(await load(runtime, gone.id))

    assert await runtime.load_workflow(gone.id) is None
    assert port.triggers() == {(str(kept.id), str(kept_due.id)): T0 + 60}
    assert await runtime.lookup_listeners("o-1", "ready") == [(kept.id, kept_listener.id)]
    assert (await load(runtime, kept.id)).status.code == "EXECUTING"


async def test_deleting_a_workflow_never_saved_changes_nothing(
    port: Port, runtime: WorkflowRuntime
) -> None:
    kept, listener, due = await waiting_flow(runtime, "o-1")

    await runtime.delete_workflow(flow())

    assert (await load(runtime, kept.id)).id == kept.id
    assert port.triggers() == {(str(kept.id), str(due.id)): T0 + 60}
    assert await runtime.lookup_listeners("o-1", "ready") == [(kept.id, listener.id)]


# -- triggers --------------------------------------------------------------------------------


async def test_triggers_are_saved_replaced_per_task_and_removed(
    port: Port, runtime: WorkflowRuntime
) -> None:
    workflow = await saved(runtime)
    first, second = uuid.uuid4(), uuid.uuid4()
    wid = str(workflow.id)

    await runtime.save_trigger(Trigger(T0 + 10, first, workflow.id))
    await runtime.save_trigger(Trigger(T0 + 20, second, workflow.id))
    assert port.triggers() == {(wid, str(first)): T0 + 10, (wid, str(second)): T0 + 20}

    await runtime.save_trigger(Trigger(T0 + 99, first, workflow.id))
    assert port.triggers() == {(wid, str(first)): T0 + 99, (wid, str(second)): T0 + 20}

    await runtime.remove_trigger(workflow.id, first)
    assert port.triggers() == {(wid, str(second)): T0 + 20}

    await runtime.remove_trigger(workflow.id, first)  # already gone: a no-op
    await runtime.remove_trigger(uuid.uuid4(), uuid.uuid4())  # unknown workflow: a no-op
    assert port.triggers() == {(wid, str(second)): T0 + 20}


async def test_triggers_and_index_entries_written_before_the_first_save_are_kept(
    port: Port, runtime: WorkflowRuntime
) -> None:
    # store_and_create registers a new workflow's waiting tasks before saving it.
    workflow, task = flow(), uuid.uuid4()
    await runtime.save_trigger(Trigger(T0 + 5, task, workflow.id))
    await runtime.index_listener("o-1", "ready", workflow.id, task)

    await runtime.save_workflow(workflow)

    assert port.triggers() == {(str(workflow.id), str(task)): T0 + 5}
    assert await runtime.lookup_listeners("o-1", "ready") == [(workflow.id, task)]


# -- the correlation index -------------------------------------------------------------------


async def test_index_entries_are_idempotent_and_separate_per_value_and_topic(
    runtime: WorkflowRuntime,
) -> None:
    a, b = await saved(runtime, "o-1"), await saved(runtime, "o-2")
    ta, tb = uuid.uuid4(), uuid.uuid4()

    await runtime.index_listener("o-1", "ready", a.id, ta)
    await runtime.index_listener("o-1", "ready", a.id, ta)
    await runtime.index_listener("o-1", "ready", b.id, tb)
    await runtime.index_listener("o-1", "other", a.id, ta)
    await runtime.index_listener("o-2", "ready", b.id, tb)

    assert sorted(await runtime.lookup_listeners("o-1", "ready")) == sorted(
        [(a.id, ta), (b.id, tb)]
    )
    assert await runtime.lookup_listeners("o-1", "other") == [(a.id, ta)]
    assert await runtime.lookup_listeners("o-2", "ready") == [(b.id, tb)]
    assert await runtime.lookup_listeners("o-3", "ready") == []
    assert await runtime.lookup_listeners("o-1", "nothing") == []


async def test_unindexing_removes_one_entry_and_tolerates_absent_ones(
    runtime: WorkflowRuntime,
) -> None:
    a, b = await saved(runtime, "o-1"), await saved(runtime, "o-2")
    ta, tb = uuid.uuid4(), uuid.uuid4()
    await runtime.index_listener("o-1", "ready", a.id, ta)
    await runtime.index_listener("o-1", "ready", b.id, tb)
    await runtime.index_listener("o-1", "other", a.id, ta)

    await runtime.unindex_listener("o-1", "ready", a.id, ta)
    assert await runtime.lookup_listeners("o-1", "ready") == [(b.id, tb)]
    assert await runtime.lookup_listeners("o-1", "other") == [(a.id, ta)]

    await runtime.unindex_listener("o-1", "ready", a.id, ta)  # already gone
    await runtime.unindex_listener("o-9", "ready", b.id, tb)  # never indexed there
    assert await runtime.lookup_listeners("o-1", "ready") == [(b.id, tb)]

    await runtime.unindex_listener("o-1", "ready", b.id, tb)
    assert await runtime.lookup_listeners("o-1", "ready") == []
