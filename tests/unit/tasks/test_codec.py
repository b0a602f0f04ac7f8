"""Workflows survive the wire format: every task type, user subclasses included."""

from __future__ import annotations

import json
import uuid
from typing import Any

from dagger.tasks.task import (
    CorrelatableMapValue,
    CorreletableKeyTasks,
    CorreletableLookUpKey,
    DecisionTask,
    DefaultMonitoringTask,
    DefaultProcessTemplateDAGInstance,
    DefaultTemplateDAGInstance,
    ExecutorTask,
    IntervalTask,
    ITask,
    ITemplateDAGInstance,
    KafkaCommandTask,
    KafkaListenerTask,
    MonitoredProcessTemplateDAGInstance,
    SensorTask,
    SkipOnMaxDurationTask,
    SystemTimerTask,
    TaskStatus,
    Trigger,
    TriggerTask,
)
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.flows import Flow, make


class UserListener(KafkaListenerTask[str, str]):
    """A user subclass with its own field and a class-attribute default."""

    correlatable_key = "order_id"
    attempts: int = 0
    seen_at: uuid.UUID | None = None


class UserProcess(DefaultProcessTemplateDAGInstance):
    pass


def every_task_type() -> DefaultTemplateDAGInstance:
    flow = Flow(order_id="o-1", nested={"a": [1, 2]})
    listener = make(UserListener, "user", topic="t", attempts=2, seen_at=uuid.uuid4())
    composite = flow.composite("comp", make(ExecutorTask, "e1"), [make(SensorTask, "s1")])
    tasks: list[ITask[Any, Any]] = [
        make(KafkaCommandTask, "cmd", topic="out"),
        make(TriggerTask, "trig", time_to_execute=123),
        make(IntervalTask, "int", time_to_force_complete=5, interval_execute_period=1),
        make(DecisionTask, "dec"),
        listener,
        composite,
        make(ITask, "bare"),
    ]
    flow.process("p1", *tasks, cls=UserProcess, max_run_duration=3)
    flow.process("p2", make(ExecutorTask, "e2"), cls=MonitoredProcessTemplateDAGInstance)
    for monitor_type in (DefaultMonitoringTask, SkipOnMaxDurationTask):
        flow.wf.add_task(make(monitor_type, monitor_type.__name__, monitored_task_id=listener.id))
    flow.wf.add_task(make(SystemTimerTask, "sys"))
    flow.wf.sensor_tasks_to_correletable_map[listener.id] = CorrelatableMapValue("order_id", "o-1")
    flow.wf.status = TaskStatus(code="EXECUTING", value="EXECUTING")
    return flow.wf


def test_a_workflow_with_every_task_type_round_trips_through_bytes() -> None:
    wf = every_task_type()

    data = wf.dumps()
    back = ITemplateDAGInstance.loads(data)

    assert isinstance(data, bytes)
    assert json.loads(data)["__dagger_format__"] == 1
    assert back == wf
    assert type(back) is DefaultTemplateDAGInstance
    kinds = {type(t).__name__ for t in back.tasks.values()}
    assert {
        "UserListener",
        "UserProcess",
        "ParallelCompositeTask",
        "SkipOnMaxDurationTask",
    } <= kinds
    user = next(t for t in back.tasks.values() if isinstance(t, UserListener))
    assert isinstance(user.seen_at, uuid.UUID) and user.attempts == 2
    assert user.correlatable_key == "order_id"
    assert all(isinstance(k, uuid.UUID) for k in back.tasks)
    assert all(isinstance(k, uuid.UUID) for k in back.sensor_tasks_to_correletable_map)


def test_tags_name_the_public_module() -> None:
    wf = every_task_type()

    rep = wf.to_representation()

    assert rep["__faust"]["ns"] == "dagger.tasks.task.DefaultTemplateDAGInstance"
    assert rep["status"]["__faust"]["ns"] == "dagger.tasks.task.TaskStatus"
    assert any(
        t["__faust"]["ns"] == "dagger.tasks.task.ParallelCompositeTask"
        for t in rep["tasks"].values()
    )


def test_small_records_take_positional_fields_and_compare_by_value() -> None:
    wid, tid = uuid.uuid4(), uuid.uuid4()

    trigger = Trigger(10, tid, wid)

    assert trigger.get_trigger_key() == (wid, tid)
    assert Trigger.loads(trigger.dumps()) == trigger
    assert TaskStatus("FAILURE", "FAILURE") == TaskStatus(code="FAILURE", value="FAILURE")
    assert len({CorreletableLookUpKey(wid, tid), CorreletableLookUpKey(wid, tid)}) == 1
    chunk = CorreletableKeyTasks(lookup_keys={CorreletableLookUpKey(wid, tid)}, key="k")
    assert CorreletableKeyTasks.loads(chunk.dumps()) == chunk


def test_defaults_are_fresh_per_instance() -> None:
    a, b = ITask(uuid.uuid4()), ITask(uuid.uuid4())

    a.status.code = "EXECUTING"
    a.next_dags.append(uuid.uuid4())

    assert (b.status.code, b.next_dags) == ("NOT_STARTED", [])


async def test_the_in_memory_runtime_stores_workflows_as_bytes(runtime: InMemoryRuntime) -> None:
    wf = every_task_type()

    await runtime.save_workflow(wf)

    assert isinstance(runtime.workflows[str(wf.id)], bytes)
    loaded = await runtime.load_workflow(wf.id)
    assert loaded == wf and loaded is not wf
    assert wf.update_count == 1
