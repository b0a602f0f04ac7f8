"""``validate_workflow``: a decoded workflow holds together before the engine stores it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from dagger.core.validation import InvalidWorkflowError, RecordDecodeError, validate_workflow
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import ParallelCompositeProcessTemplateDagBuilder
from dagger.runtime._agents import decode_workflow
from dagger.tasks.task import (
    DefaultMonitoringTask,
    ITask,
    ITemplateDAGInstance,
    MonitoredProcessTemplateDAGInstance,
    MonitoringTask,
    TaskOperator,
)
from dagger.templates.template import (
    DecisionTaskTemplateBuilder,
    IntervalTaskTemplateBuilder,
    ParallelCompositeTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
)
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.test_codec import every_task_type
from tests.unit.templates.fakes import (
    ChooseFirst,
    Command,
    Due,
    FakeApp,
    OrderReady,
    OtherStep,
    Poll,
    Step,
)

Data = dict[str, Any]


def encoded() -> Data:
    """A workflow with every task type, as JSON data."""
    data: Data = json.loads(every_task_type().dumps())
    return data


def first_task(data: Data, predicate: Callable[[Data], bool]) -> Data:
    return next(t for t in data["tasks"].values() if predicate(t))


def refused(data: Data) -> str:
    """The message of the ``InvalidWorkflowError`` the tasks-topic decoder raises for ``data``."""
    with pytest.raises(InvalidWorkflowError) as caught:
        decode_workflow(json.dumps(data).encode())
    return str(caught.value)


def test_a_workflow_with_every_task_type_is_valid() -> None:
    wf = every_task_type()

    validate_workflow(wf)
    decoded = decode_workflow(wf.dumps())

    assert decoded == wf


def test_an_unknown_status_code_is_refused() -> None:
    data = encoded()
    task = first_task(data, lambda t: True)
    task["status"] = {"code": "BOGUS", "value": "BOGUS"}

    assert f"task {task['id']} has the unknown status code 'BOGUS'" in refused(data)


def test_an_unknown_workflow_status_code_is_refused() -> None:
    data = encoded()
    data["status"]["code"] = "bogus"

    assert "the workflow has the unknown status code 'bogus'" in refused(data)


@pytest.mark.parametrize("field", ["root_dag", "monitoring_task_id", "monitored_task_id"])
def test_a_dangling_single_reference_is_refused(field: str) -> None:
    data = encoded()
    holder = data if field in data else first_task(data, lambda t: field in t)
    missing = str(uuid.uuid4())
    holder[field] = missing

    assert f"{field} {missing} is not a task of the workflow" in refused(data)


@pytest.mark.parametrize("field", ["next_dags", "parallel_child_task_list"])
def test_a_dangling_reference_in_a_list_is_refused(field: str) -> None:
    data = encoded()
    holder = first_task(data, lambda t: field in t)
    missing = str(uuid.uuid4())
    holder[field] = [*holder[field], missing]

    assert f"{field} holds {missing}, not a task of the workflow" in refused(data)


def test_a_dangling_parent_is_refused() -> None:
    data = encoded()
    task = first_task(data, lambda t: True)
    missing = str(uuid.uuid4())
    task["parent_id"] = missing

    message = refused(data)

    assert f"parent_id {missing} is neither the workflow nor one of its tasks" in message


def test_a_correlation_entry_for_a_missing_task_is_refused() -> None:
    data = encoded()
    entry = next(iter(data["sensor_tasks_to_correletable_map"].values()))
    missing = str(uuid.uuid4())
    data["sensor_tasks_to_correletable_map"][missing] = entry

    assert f"sensor_tasks_to_correletable_map has {missing}" in refused(data)


def test_a_task_under_another_task_s_key_is_refused() -> None:
    data = encoded()
    key, task = next(iter(data["tasks"].items()))
    other = str(uuid.uuid4())
    data["tasks"][other] = task

    assert f"task {other} is stored under a key that is not its id ({key})" in refused(data)


def test_loops_are_refused() -> None:
    data = encoded()
    task = first_task(data, lambda t: t["next_dags"])
    task["next_dags"] = [task["id"]]
    looping_parent = encoded()
    child = first_task(looping_parent, lambda t: t["parent_id"] != looping_parent["id"])
    looping_parent["tasks"][child["parent_id"]]["parent_id"] = child["id"]

    assert "loop back to it" in refused(data)
    assert "parent_id chain loops" in refused(looping_parent)


def test_ids_that_are_not_uuids_are_refused_on_hand_built_workflows() -> None:
    wf = every_task_type()
    task = next(iter(wf.tasks.values()))
    wf.tasks["k"] = task  # type: ignore[index]
    wf.id = "w"  # type: ignore[assignment]

    with pytest.raises(InvalidWorkflowError) as caught:
        validate_workflow(wf)

    assert "its id 'w' is not a UUID" in str(caught.value)
    assert "task key 'k' is not a UUID" in str(caught.value)
    assert isinstance(caught.value, RecordDecodeError)


def test_a_record_that_is_not_a_workflow_is_refused() -> None:
    task = ITask(uuid.uuid4())

    with pytest.raises(RecordDecodeError, match="expected a workflow instance, got ITask"):
        decode_workflow(task.dumps())


class ReportLate(DefaultMonitoringTask):
    async def process_monitored_task(self, monitored_task: Any, workflow_instance: Any) -> None:
        workflow_instance.runtime_parameters["late"] = monitored_task.task_name


class Watched(MonitoredProcessTemplateDAGInstance):
    def get_monitoring_task_type(self) -> type[MonitoringTask[Any, Any]]:
        return ReportLate


def everything_template(app: FakeApp) -> Any:
    """One template using every template kind: each task kind in a monitored process with
    a max run duration, then parallel processes, then a dynamic process."""
    helper = DAGBuilderHelper(app)
    child = helper.generic_executor_task_builder(task_type=Step, name="child").build()
    left = helper.generic_executor_task_builder(task_type=Step, name="left").build()
    right = helper.generic_executor_task_builder(task_type=OtherStep, name="right").build()
    poll = IntervalTaskTemplateBuilder(app).set_name("poll").set_type(Poll)
    poll.set_time_to_force_complete_lookup_key("deadline")
    tasks = helper.build_and_link_tasks(
        [
            helper.generic_command_task_builder(topic="out", task_type=Command, process_name="p"),
            helper.generic_listener_task_builder(topic="ready", task_type=OrderReady, process_name="p"),
            TriggerTaskTemplateBuilder(app).set_name("due").set_type(Due).set_time_to_execute_lookup_key("at"),
            poll.set_interval_execute_period_lookup_key("every"),
            DecisionTaskTemplateBuilder(app).set_name("choose").set_type(ChooseFirst).set_next(left).set_next(right),
            ParallelCompositeTaskTemplateBuilder(app, 2, child).set_name("fan").set_task_operator(TaskOperator.JOIN_ALL),
            helper.generic_executor_task_builder(task_type=Step, name="after"),
        ]
    )  # fmt: skip
    work = helper.generic_executor_task_builder(task_type=Step, name="work").build()
    both = (
        ParallelCompositeProcessTemplateDagBuilder(app)
        .set_name("both")
        .set_parallel_operator_type(TaskOperator.JOIN_ALL)
        .set_parallel_process_templates(helper.generic_process_builder(process_name="w1", root_task=work).build())
        .set_parallel_process_templates(helper.generic_process_builder(process_name="w2", root_task=work).build())
    )  # fmt: skip
    head = helper.build_and_link_processes(
        [
            helper.generic_process_builder(
                process_name="p", root_task=tasks, process_type=Watched, max_run_duration=7200
            ),
            both,
            helper.generic_dynamic_process_builder(name="dyn"),
        ]
    )
    template = helper.generic_template(template_name="wf", root_process=head)
    template.set_dynamic_builders_for_process_template(
        "dyn", [helper.generic_process_builder(process_name="d1", root_task=work)]
    )
    return template


async def test_workflows_the_engine_creates_and_runs_are_valid_at_every_save(
    runtime: InMemoryRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FakeApp()
    checked: list[tuple[str, int]] = []
    save = runtime.save_workflow

    async def checked_save(workflow: ITemplateDAGInstance[Any, Any]) -> None:
        await save(workflow)
        # What the tasks-topic agent would accept, from the bytes the runtime stored.
        decode_workflow(runtime.workflows[str(workflow.id)])
        checked.append((workflow.status.code, len(workflow.tasks)))

    monkeypatch.setattr(runtime, "save_workflow", checked_save)
    now = int(runtime.now())
    wf = await everything_template(app).create_instance(
        uuid.uuid4(),
        "order_id",
        repartition=False,
        submit_task=True,
        order_id="o-1",
        at=now + 60,
        deadline=now + 3600,
        every=10,
        complete_by_time=now + 1800,
    )
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderReady]) == 1
    for _ in range(4):
        runtime.clock.advance(60)
        await runtime.run_due_triggers()

    final = runtime.stored(wf.id)
    assert final is not None and final.status.code == "COMPLETED"
    kinds = {type(t).__name__ for t in final.tasks.values()}
    assert {"Watched", "ReportLate", "SkipOnMaxDurationTask", "ParallelCompositeTask"} <= kinds
    # Checked while waiting for the listener, the trigger and the interval, then at the end.
    assert [code for code, _ in checked] == ["EXECUTING"] * 3 + ["COMPLETED"]
    assert checked[-1][1] == len(final.tasks)
