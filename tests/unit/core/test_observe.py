"""The observation port: the no-op default, and what a recording observer is told while
workflows run on the in-memory runtime (the moves of the lifecycle, user code, steps)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from dagger.core.context import current_observer, set_runtime
from dagger.core.observe import NOOP, Observer, Observers, combine
from dagger.core.status import TaskStatusEnum
from dagger.engine import operations
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.flows import Boom, Flow, OrderListener, Step, make, status


class Recorder(Observer):
    """Records every call it gets, as tuples of labels (never ids)."""

    traces = True

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def workflow_started(self, workflow: Any) -> None:
        self.calls.append(("workflow_started", workflow.template_name))

    def workflow_ended(self, workflow: Any, status: Any, seconds: float) -> None:
        self.calls.append(("workflow_ended", workflow.template_name, status, seconds))

    def task_ended(self, task: Any, workflow: Any, status: Any) -> None:
        self.calls.append(("task_ended", task.task_name, type(task).__name__, status))

    @contextlib.contextmanager
    def task_execution(self, task: Any, workflow: Any, hook: str) -> Iterator[None]:
        assert workflow is not None and task.id in workflow.tasks or task is workflow
        try:
            yield
        except Exception as exc:
            self.calls.append(("raised", task.task_name, hook, type(exc).__name__))
            raise
        self.calls.append(("ran", task.task_name, hook))

    @contextlib.contextmanager
    def step(self, name: str, attributes: Mapping[str, str] | None) -> Iterator[None]:
        self.calls.append(("step", name, dict(attributes or {})))
        yield

    def message_dead_lettered(self, topic: str, reason_kind: str) -> None:
        self.calls.append(("dead_lettered", topic, reason_kind))

    def named(self, kind: str) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] == kind]


@pytest.fixture
def recorder(runtime: InMemoryRuntime) -> Recorder:
    rec = Recorder()
    runtime.observer = rec
    return rec


def test_the_default_observer_ignores_everything() -> None:
    runtime = InMemoryRuntime()
    assert runtime.observer is NOOP
    assert type(NOOP) is Observer and not NOOP.traces
    with NOOP.task_execution(object(), None, "execute"), NOOP.step("dagger.x", None):
        pass
    assert NOOP.trace_headers() == {}
    NOOP.message_dead_lettered("tasks", "undecodable")
    # Nothing installed: the current observer is the no-op one, not an error.
    set_runtime(None)
    assert current_observer() is NOOP


def test_combining_observers_leaves_out_the_no_op_ones() -> None:
    one, two = Recorder(), Recorder()
    assert combine() is NOOP
    assert combine(None, NOOP) is NOOP
    assert combine(one, None) is one
    both = combine(one, two)
    assert isinstance(both, Observers) and both.traces
    both.listener_message("ready", "matched")
    both.message_dead_lettered("tasks", "undecodable")
    with both.step("dagger.s", {"k": "v"}):
        pass
    for rec in (one, two):
        assert rec.calls == [
            ("dead_lettered", "tasks", "undecodable"),
            ("step", "dagger.s", {"k": "v"}),
        ]


async def test_a_workflow_run_without_an_observer_completes(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    flow.process("p", make(Step, "a"), make(Step, "b"))
    await operations.store_and_create(runtime, flow.submitted())
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"


async def test_a_recording_observer_sees_each_end_with_its_labels(
    runtime: InMemoryRuntime, recorder: Recorder
) -> None:
    flow = Flow()
    a, boom, c = make(Step, "a"), make(Boom, "boom"), make(Step, "c")
    process = flow.process("p", a, boom, c)
    await operations.store_and_create(runtime, flow.submitted())

    S = TaskStatusEnum
    assert recorder.named("workflow_started") == [("workflow_started", "wf")]
    assert recorder.named("task_ended") == [
        ("task_ended", "a", "Step", S.COMPLETED),
        ("task_ended", "boom", "Boom", S.FAILURE),
        ("task_ended", "c", "Step", S.COMPLETED),
        ("task_ended", process.task_name, type(process).__name__, S.COMPLETED),
    ]
    ((_, template, ended, seconds),) = recorder.named("workflow_ended")
    assert (template, ended) == ("wf", S.COMPLETED) and seconds >= 0
    # User code ran as task executions; the exception of boom's execute was seen.
    assert ("raised", "boom", "execute", "ValueError") in recorder.calls
    assert [c[1:] for c in recorder.named("ran") if c[1] in ("a", "c")] == [
        ("a", "execute"),
        ("c", "execute"),
    ]
    # One step, named after the use case, with the workflow it was given.
    assert recorder.named("step") == [
        (
            "step",
            "dagger.store_and_create",
            {"dagger.workflow.id": str(flow.wf.id), "dagger.template": "wf"},
        )
    ]


async def test_a_listener_end_and_a_stop_are_each_told_once(
    runtime: InMemoryRuntime, recorder: Recorder
) -> None:
    flow = Flow(order_id="o-1")
    listen, after = make(OrderListener, "listen", topic="ready"), make(Step, "after")
    flow.process("p", listen, after)
    await operations.store_and_create(runtime, flow.submitted())
    assert recorder.named("task_ended") == []  # the listener waits

    assert await runtime.deliver("ready", {"order_id": "o-1", "done": False}, [OrderListener]) == 1
    assert recorder.named("task_ended") == []  # on_message ran, the task still waits
    assert ("ran", "listen", "on_message") in recorder.calls
    assert recorder.named("step")[-1][2] == {"dagger.topic": "ready"}

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    await stored.stop()
    assert status(stored, listen) == "STOPPED"
    ends = sorted(c[1:] for c in recorder.named("task_ended"))
    stopped = TaskStatusEnum.STOPPED
    assert ends == [
        ("after", "Step", stopped),
        ("listen", "OrderListener", stopped),
        ("wf.p", "DefaultProcessTemplateDAGInstance", stopped),
    ]
    assert [c[2] for c in recorder.named("workflow_ended")] == [TaskStatusEnum.STOPPED]
    assert len(recorder.named("workflow_started")) == 1
