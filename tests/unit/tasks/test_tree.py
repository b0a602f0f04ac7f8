"""Walking a workflow's tree, finding nodes, and failures in the remaining user hooks."""

from __future__ import annotations

from typing import Any

from dagger.engine import operations
from dagger.tasks.task import SystemTimerTask
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import (
    Due,
    Flow,
    OrderListener,
    PickSecond,
    Poll,
    Step,
    make,
    status,
)


async def test_get_remaining_tasks_walks_depth_first_and_stops_before_the_end() -> None:
    flow = Flow()
    a, b = make(Step, "a"), make(Step, "b")
    c1, c2 = make(Step, "c1"), make(Step, "c2")
    comp = flow.composite("comp", c1, c2)
    p1 = flow.process("p1", a, comp, b)
    d = make(Step, "d")
    p2 = flow.process("p2", d)

    everything = await flow.wf.get_remaining_tasks(flow.wf.root_dag, flow.wf)
    before_d = await flow.wf.get_remaining_tasks(flow.wf.root_dag, flow.wf, end_task_id=d.id)

    assert [t.task_name for t in everything] == [
        "a",
        "c1",
        "c2",
        "comp",
        "b",
        "wf.p1",
        "d",
        "wf.p2",
    ]
    assert before_d == everything[:6]
    assert p1 in everything and p2 in everything


def test_get_task_finds_nodes_by_uuid_or_string_and_the_workflow_itself() -> None:
    flow = Flow()
    a: Step = make(Step, "a")
    flow.process("p", a)

    assert flow.wf.get_task(a.id) is a
    assert flow.wf.get_task(str(a.id)) is a
    assert flow.wf.get_task(flow.wf.id) is flow.wf
    assert flow.wf.get_task(None) is None
    assert flow.wf.get_task("not-an-id") is None


async def test_an_exception_in_interval_execute_fails_the_task_and_moves_on(
    runtime: InMemoryRuntime,
) -> None:
    class Flaky(Poll):
        async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
            raise TimeoutError("backend down")

    flow = Flow()
    flaky = make(Flaky, "flaky", interval_execute_period=5, time_to_force_complete=int(START) + 99)
    flow.process("p", flaky, make(Step, "after"))

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    failed = stored.get_task(flaky.id)
    assert failed is not None
    assert (failed.status.code, failed.message) == ("FAILURE", "TimeoutError: backend down")
    assert stored.runtime_parameters["trace"] == ["after"]
    assert runtime.triggers == {}


async def test_a_skipped_listener_leaves_the_index_while_the_workflow_runs_on(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1", box_id="b-1")
    skipped = make(OrderListener, "skipped", topic="a")
    chosen = make(OrderListener, "chosen", topic="b", correlatable_key="box_id")
    decide = make(PickSecond, "decide")
    process = flow.process("p", decide)
    for branch in (skipped, chosen):
        flow.chain(process, branch)
        decide.next_dags.append(branch.id)

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, skipped), status(stored, chosen)) == ("SKIPPED", "EXECUTING")
    assert runtime.index == {("b-1", "b"): [(flow.wf.id, chosen.id)]}
    assert list(stored.sensor_tasks_to_correletable_map) == [chosen.id]


async def test_the_system_timer_task_fires_due_triggers(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    due = make(Due, "due", time_to_execute=int(START) + 5)
    flow.process("p", due)
    await operations.store_and_create(runtime, flow.submitted())
    runtime.clock.advance(5)

    await SystemTimerTask(id=flow.wf.id).execute({})

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and status(stored, due) == "COMPLETED"
