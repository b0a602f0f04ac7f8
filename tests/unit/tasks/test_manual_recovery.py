"""Manual recovery: ``retry_workflow`` runs failed tasks again, ``stop_workflow`` stops."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dagger.engine import operations
from dagger.engine.recovery import retry_workflow, retryable_tasks, stop_workflow
from dagger.exceptions.exceptions import (
    NothingToRetry,
    TaskInvalidState,
    WorkflowAlreadyEnded,
    WorkflowNotFound,
)
from dagger.tasks.task import ExecutorTask
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.flows import Flow, OrderListener, Step, make, node, status, trace

#: Names of the Flaky tasks that still fail (a test "fixes" one by removing its name).
BROKEN: set[str] = set()


class Flaky(ExecutorTask[str, str]):
    """Fails while its name is in ``BROKEN``; records each run."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, self.task_name)
        if self.task_name in BROKEN:
            raise RuntimeError(f"{self.task_name} is down")


class FlakyListener(OrderListener):
    """Raises from ``on_message`` while its name is in ``BROKEN``."""

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        trace(runtime_parameters, self.task_name)
        if self.task_name in BROKEN:
            raise RuntimeError("listener broke")
        return True


@pytest.fixture(autouse=True)
def _reset_broken() -> Any:
    BROKEN.clear()
    yield
    BROKEN.clear()


def _has_field(task: Any, name: str) -> bool:
    return name in type(task)._options.fields


async def _run(runtime: InMemoryRuntime, flow: Flow) -> Any:
    await operations.store_and_create(runtime, flow.submitted())
    return runtime.stored(flow.wf.id)


async def test_a_failed_task_runs_again_and_the_workflow_completes(
    runtime: InMemoryRuntime,
) -> None:
    BROKEN.add("charge")
    flow = Flow(order_id="o-1")
    charge = make(Flaky, "charge")
    flow.process("pay", make(Step, "reserve"), charge)
    flow.process("ship", make(Step, "ship"))
    wf = await _run(runtime, flow)
    # FAILURE does not halt a workflow: its process failed, the next one ran, and the
    # workflow completed; the retry reopens it.
    assert (wf.status.code, status(wf, charge)) == ("COMPLETED", "FAILURE")
    assert wf.get_task(charge.id).message == "RuntimeError: charge is down"
    assert wf.runtime_parameters["trace"] == ["reserve", "charge", "ship"]

    BROKEN.clear()
    after = await retry_workflow(runtime, flow.wf.id)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and after.status.code == stored.status.code == "COMPLETED"
    assert status(stored, charge) == "COMPLETED"
    assert node(stored, charge).message is None
    # Only the failed task ran again: the tasks that had finished were passed over.
    assert stored.runtime_parameters["trace"] == ["reserve", "charge", "ship", "charge"]
    assert all(t.status.code == "COMPLETED" for t in stored.tasks.values())


async def test_the_attempt_count_and_last_error_start_again(runtime: InMemoryRuntime) -> None:
    BROKEN.add("charge")
    flow = Flow(order_id="o-1")
    charge = make(Flaky, "charge")
    flow.process("pay", charge)
    await _run(runtime, flow)
    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    failed = stored.get_task(charge.id)
    assert failed is not None
    # Present once retry policies add the fields; set as a policy would after three tries.
    if _has_field(failed, "attempt"):
        failed.attempt = 3
    if _has_field(failed, "last_error"):
        failed.last_error = "RuntimeError: charge is down"
    await runtime.save_workflow(stored)
    BROKEN.clear()

    await retry_workflow(runtime, flow.wf.id)

    task = runtime.stored(flow.wf.id).get_task(charge.id)  # type: ignore[union-attr]
    assert task is not None and task.status.code == "COMPLETED" and task.message is None
    assert getattr(task, "attempt", 1) == 1
    assert getattr(task, "last_error", None) is None


async def test_a_workflow_still_waiting_resumes_where_it_waits(runtime: InMemoryRuntime) -> None:
    BROKEN.add("label")
    flow = Flow(order_id="o-1")
    label = make(Flaky, "label")
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", label, listen)
    wf = await _run(runtime, flow)
    assert (wf.status.code, status(wf, label), status(wf, listen)) == (
        "EXECUTING",
        "FAILURE",
        "EXECUTING",
    )

    BROKEN.clear()
    await retry_workflow(runtime, flow.wf.id)

    stored = runtime.stored(flow.wf.id)
    assert (status(stored, label), status(stored, listen)) == ("COMPLETED", "EXECUTING")
    assert runtime.index == {("o-1", "ready"): [(flow.wf.id, listen.id)]}
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 1
    assert runtime.stored(flow.wf.id).status.code == "COMPLETED"  # type: ignore[union-attr]


async def test_a_failed_listener_is_indexed_again_and_takes_the_next_message(
    runtime: InMemoryRuntime,
) -> None:
    BROKEN.add("listen")
    flow = Flow(order_id="o-1")
    listen = make(FlakyListener, "listen", topic="ready")
    flow.process("p", listen, make(Step, "after"))
    await _run(runtime, flow)
    await runtime.deliver("ready", {"order_id": "o-1"}, [FlakyListener])
    assert status(runtime.stored(flow.wf.id), listen) == "FAILURE"
    assert runtime.index == {}

    BROKEN.clear()
    await retry_workflow(runtime, flow.wf.id)

    assert status(runtime.stored(flow.wf.id), listen) == "EXECUTING"
    assert runtime.index == {("o-1", "ready"): [(flow.wf.id, listen.id)]}
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [FlakyListener]) == 1
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"
    # The task after it ran when the listener failed (FAILURE does not halt), not again.
    assert stored.runtime_parameters["trace"] == ["listen", "after", "listen"]


async def test_a_failed_child_of_a_composite_reopens_the_composite_and_its_process(
    runtime: InMemoryRuntime,
) -> None:
    BROKEN.add("left")
    flow = Flow(order_id="o-1")
    left, right = make(Flaky, "left"), make(Step, "right")
    comp = flow.composite("both", left, right)
    process = flow.process("p", comp)
    wf = await _run(runtime, flow)
    assert [status(wf, t) for t in (left, right, comp, process)] == ["FAILURE", "COMPLETED"] + [
        "FAILURE"
    ] * 2
    assert [t.task_name for t in retryable_tasks(wf)] == ["left"]

    BROKEN.clear()
    await retry_workflow(runtime, flow.wf.id)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"
    assert [status(stored, t) for t in (left, right, comp, process)] == ["COMPLETED"] * 4
    assert stored.runtime_parameters["trace"] == ["left", "right", "left"]


async def test_a_task_still_failing_fails_again(runtime: InMemoryRuntime) -> None:
    BROKEN.add("charge")
    flow = Flow(order_id="o-1")
    charge = make(Flaky, "charge")
    flow.process("p", charge)
    await _run(runtime, flow)

    after = await retry_workflow(runtime, flow.wf.id)

    assert (after.status.code, status(after, charge)) == ("FAILURE", "FAILURE")
    assert after.runtime_parameters["trace"] == ["charge", "charge"]


async def test_a_workflow_without_a_failed_task_is_refused(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    flow.process("p", make(Step, "a"))
    await _run(runtime, flow)
    saves = len(runtime.saved)

    with pytest.raises(NothingToRetry, match="is COMPLETED and has no FAILURE task to retry"):
        await retry_workflow(runtime, flow.wf.id)
    assert len(runtime.saved) == saves
    assert issubclass(NothingToRetry, TaskInvalidState)


async def test_an_unknown_workflow_is_refused(runtime: InMemoryRuntime) -> None:
    unknown = uuid.uuid4()
    with pytest.raises(WorkflowNotFound, match=f"no workflow {unknown} on this worker"):
        await retry_workflow(runtime, unknown)
    with pytest.raises(WorkflowNotFound):
        await stop_workflow(runtime, unknown)


async def test_a_stopped_workflow_is_not_retried(runtime: InMemoryRuntime) -> None:
    BROKEN.add("charge")
    flow = Flow(order_id="o-1")
    flow.process("p", make(Flaky, "charge"), make(OrderListener, "listen", topic="ready"))
    await _run(runtime, flow)
    await stop_workflow(runtime, flow.wf.id)

    with pytest.raises(NothingToRetry, match="was STOPPED"):
        await retry_workflow(runtime, flow.wf.id)


async def test_stop_workflow_stops_a_waiting_workflow(runtime: InMemoryRuntime) -> None:
    flow = Flow(order_id="o-1")
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", listen)
    await _run(runtime, flow)
    assert runtime.index != {}

    after = await stop_workflow(runtime, flow.wf.id)

    stored = runtime.stored(flow.wf.id)
    assert after.status.code == stored.status.code == "STOPPED"  # type: ignore[union-attr]
    assert status(stored, listen) == "STOPPED"
    assert runtime.index == {}
    with pytest.raises(WorkflowAlreadyEnded, match="has already ended STOPPED"):
        await stop_workflow(runtime, flow.wf.id)
