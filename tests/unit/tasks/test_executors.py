"""Executor and command tasks: inline execution, completion, failures, re-driving."""

from __future__ import annotations

from dagger.engine import operations
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import Boom, Command, Flow, Step, make, status


async def test_an_executor_chain_runs_in_order_and_completes_the_workflow(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    a, b, c = make(Step, "a"), make(Step, "b"), make(Step, "c")
    p1 = flow.process("p1", a, b)
    p2 = flow.process("p2", c)

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert stored.runtime_parameters["trace"] == ["a", "b", "c"]
    assert [status(stored, t) for t in (a, b, c, p1, p2)] == ["COMPLETED"] * 5
    assert stored.status.code == "COMPLETED"
    assert stored.get_task(a.id).time_submitted == int(START)  # type: ignore[union-attr]
    assert stored.get_task(a.id).time_completed == int(START)  # type: ignore[union-attr]
    assert stored.update_count == 1 and len(runtime.saved) == 1


async def test_a_workflow_not_submitted_is_only_stored(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    a = make(Step, "a")
    flow.process("p", a)

    await operations.store_and_create(runtime, flow.wf)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "NOT_STARTED"
    assert status(stored, a) == "NOT_STARTED"
    assert "trace" not in stored.runtime_parameters


async def test_a_command_task_runs_its_execute_and_completes(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    send = make(Command, "send", topic="orders")
    after = make(Step, "after")
    flow.process("p", send, after)

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert stored.runtime_parameters["trace"] == ["send:orders", "after"]
    assert status(stored, send) == "COMPLETED"


async def test_an_exception_in_execute_fails_the_task_and_the_workflow_continues(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    boom, after = make(Boom, "boom"), make(Step, "after")
    flow.process("p1", boom, after)
    last = make(Step, "last")
    flow.process("p2", last)

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    failed = stored.get_task(boom.id)
    assert failed is not None
    assert failed.status.code == "FAILURE"
    assert failed.message == "ValueError: bad input"
    assert stored.runtime_parameters["trace"] == ["after", "last"]
    assert stored.status.code == "COMPLETED"


async def test_a_failure_in_the_last_task_of_a_process_fails_the_process_only(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    p1 = flow.process("p1", make(Step, "a"), make(Boom, "boom"))
    p2 = flow.process("p2", make(Step, "b"))

    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, p1), status(stored, p2)) == ("FAILURE", "COMPLETED")
    assert stored.status.code == "COMPLETED"


async def test_restarting_a_completed_task_re_drives_without_re_executing(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    a, b = make(Step, "a"), make(Step, "b")
    flow.process("p", a, b)
    await operations.store_and_create(runtime, flow.submitted())
    wf = runtime.stored(flow.wf.id)
    assert wf is not None

    task_a = wf.get_task(a.id)
    assert task_a is not None
    await task_a.start(wf)

    assert wf.runtime_parameters["trace"] == ["a", "b"]


async def test_reprocess_on_message_re_executes_a_completed_executor(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    a = make(Step, "a", reprocess_on_message=True)
    flow.process("p", a)
    await operations.store_and_create(runtime, flow.submitted())
    wf = runtime.stored(flow.wf.id)
    assert wf is not None

    task_a = wf.get_task(a.id)
    assert task_a is not None
    await task_a.start(wf)

    assert wf.runtime_parameters["trace"] == ["a", "a"]
    assert task_a.status.code == "COMPLETED"
