"""Decision tasks and parallel composites (task-level and process-level)."""

from __future__ import annotations

from typing import Any

from dagger.engine import operations
from dagger.tasks.task import DecisionTask
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.flows import (
    Boom,
    Flow,
    OrderListener,
    PickNone,
    PickSecond,
    Step,
    make,
    status,
)


def branching(decision: Any) -> tuple[Flow, Step, Step, Step]:
    flow = Flow()
    first, second = make(Step, "first"), make(Step, "second")
    process = flow.process("decide", decision)
    for branch in (first, second):
        flow.chain(process, branch)
        decision.next_dags.append(branch.id)
    after = make(Step, "after")
    flow.process("next", after)
    return flow, first, second, after


async def test_a_decision_follows_the_chosen_branch_and_skips_the_others(
    runtime: InMemoryRuntime,
) -> None:
    flow, first, second, after = branching(make(PickSecond, "decide"))

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, first), status(stored, second)) == ("SKIPPED", "COMPLETED")
    assert stored.runtime_parameters["trace"] == ["second", "after"]
    assert stored.status.code == "COMPLETED"


async def test_the_default_decision_follows_the_first_branch(runtime: InMemoryRuntime) -> None:
    flow, first, second, _ = branching(make(DecisionTask, "decide"))

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, first), status(stored, second)) == ("COMPLETED", "SKIPPED")


async def test_a_decision_choosing_nothing_skips_every_branch_and_moves_on(
    runtime: InMemoryRuntime,
) -> None:
    flow, first, second, after = branching(make(PickNone, "decide"))

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, first), status(stored, second)) == ("SKIPPED", "SKIPPED")
    assert stored.runtime_parameters["trace"] == ["after"]
    assert stored.status.code == "COMPLETED"


async def test_a_decision_whose_evaluate_raises_fails_and_moves_on(
    runtime: InMemoryRuntime,
) -> None:
    class Broken(DecisionTask[str, str]):
        async def evaluate(self, **kwargs: Any) -> Any:
            raise KeyError("route")

    decide = make(Broken, "decide")
    flow, first, second, after = branching(decide)

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    failed = stored.get_task(decide.id)
    assert failed is not None
    assert (failed.status.code, failed.message) == ("FAILURE", "KeyError: 'route'")
    assert (status(stored, first), status(stored, second)) == ("SKIPPED", "SKIPPED")
    assert stored.runtime_parameters["trace"] == ["after"]


async def test_atleast_one_completes_on_the_first_child_and_moves_on(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    waiting = make(OrderListener, "waiting", topic="ready")
    quick = make(Step, "quick")
    comp = flow.composite("comp", waiting, quick, operator="ATLEAST_ONE")
    after = make(Step, "after")
    flow.process("p", comp, after)

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, comp), status(stored, quick)) == ("COMPLETED", "COMPLETED")
    assert status(stored, waiting) == "EXECUTING"
    assert stored.runtime_parameters["trace"] == ["quick", "after"]
    assert stored.status.code == "COMPLETED"
    assert runtime.index == {}  # the workflow ended: its leftover listener is unindexed


async def test_join_all_waits_for_every_child(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    waiting = make(OrderListener, "waiting", topic="ready")
    chain = [make(Step, "c1"), make(Step, "c2")]
    comp = flow.composite("comp", chain, waiting)
    after = make(Step, "after")
    flow.process("p", comp, after)
    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, comp), status(stored, chain[1])) == ("EXECUTING", "COMPLETED")
    assert stored.runtime_parameters["trace"] == ["c1", "c2"]

    await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener])

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert status(done, comp) == "COMPLETED"
    assert done.runtime_parameters["trace"] == ["c1", "c2", "waiting", "after"]
    assert done.status.code == "COMPLETED"


async def test_join_all_fails_when_a_child_failed(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    comp = flow.composite("comp", make(Boom, "boom"), make(Step, "ok"))
    after = make(Step, "after")
    flow.process("p", comp, after)

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert status(stored, comp) == "FAILURE"
    assert stored.runtime_parameters["trace"] == ["ok", "after"]


async def test_a_process_level_composite_honours_atleast_one(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    comp = flow.composite("procs", operator="ATLEAST_ONE")
    comp.task_type = "PARALLEL_COMPOSITE"
    flow.append(comp)
    slow = flow.child_process(comp, "slow", make(OrderListener, "wait", topic="ready"))
    fast = flow.child_process(comp, "fast", make(Step, "fast_step"))
    last = flow.process("last", make(Step, "last_step"))

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, fast), status(stored, slow)) == ("COMPLETED", "EXECUTING")
    assert (status(stored, comp), status(stored, last)) == ("COMPLETED", "COMPLETED")
    assert stored.status.code == "COMPLETED"


async def test_a_process_level_composite_with_join_all_waits(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    comp = flow.append(flow.composite("procs"))
    slow = flow.child_process(comp, "slow", make(OrderListener, "wait", topic="ready"))
    flow.child_process(comp, "fast", make(Step, "fast_step"))
    flow.process("last", make(Step, "last_step"))
    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, comp), status(stored, slow)) == ("EXECUTING", "EXECUTING")

    await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener])
    done = runtime.stored(flow.wf.id)
    assert done is not None and done.status.code == "COMPLETED"
    assert done.runtime_parameters["trace"] == ["fast_step", "wait", "last_step"]
