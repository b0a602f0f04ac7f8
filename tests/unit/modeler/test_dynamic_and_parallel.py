"""Dynamic processes (reusable builders) and process-level parallel composites."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dagger.engine import operations
from dagger.exceptions.exceptions import TaskInvalidState
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import ParallelCompositeProcessTemplateDagBuilder, TemplateDAG
from dagger.tasks.task import ITemplateDAGInstance, TaskOperator
from dagger.testing import InMemoryRuntime
from tests.unit.modeler.snapshot import snapshot
from tests.unit.templates.fakes import FakeApp, OrderReady, OtherStep, Step, node


def process(helper: DAGBuilderHelper, name: str, task_type: type = Step, **kwargs: Any) -> Any:
    root = helper.generic_executor_task_builder(task_type=task_type, name=name).build()
    return helper.generic_process_builder(process_name=name, root_task=root, **kwargs)


def listener_process(helper: DAGBuilderHelper, name: str) -> Any:
    root = helper.generic_listener_task_builder(
        topic="ready", task_type=OrderReady, process_name=name
    ).build()
    return helper.generic_process_builder(process_name=name, root_task=root)


def dynamic_template(app: FakeApp, max_run_duration: int = 0) -> TemplateDAG:
    helper = DAGBuilderHelper(app)
    head = helper.build_and_link_processes(
        [
            process(helper, "first"),
            helper.generic_dynamic_process_builder(name="dyn", max_run_duration=max_run_duration),
            process(helper, "last"),
        ]
    )
    template = helper.generic_template(template_name="wf", root_process=head)
    assert isinstance(template, TemplateDAG)
    return template


def process_names(wf: ITemplateDAGInstance) -> list[str]:
    """The workflow's processes in chain order."""
    names = []
    node_id = wf.root_dag
    while node_id is not None:
        current = node(wf, node_id)
        names.append(current.task_name)
        node_id = current.next_dags[0] if current.next_dags else None
    return names


async def test_dynamic_builders_reused_for_three_instances_never_duplicate(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    template = dynamic_template(app)
    builders = [process(helper, "p1"), process(helper, "p2", OtherStep)]
    template.set_dynamic_builders_for_process_template("dyn", builders)
    before = snapshot(template)

    instances = [
        await template.create_instance(uuid.uuid4(), "k", repartition=False, submit_task=True)
        for _ in range(3)
    ]

    expected = ["wf.first", "wf.p1", "wf.p2", "wf.last"]
    for wf in instances:
        stored = await runtime.load_workflow(wf.id)
        assert stored is not None
        assert process_names(stored) == expected
        assert len(stored.tasks) == 8  # four processes, one task each
        assert stored.status.code == "COMPLETED"
        assert [name.split(".")[1] for name in stored.runtime_parameters["trace"]] == [
            "first",
            "p1",
            "p2",
            "last",
        ]
    assert [b.next_process_dag for b in builders] == [[], []]
    assert snapshot(template) == before


async def test_dynamic_max_run_duration_applies_to_generated_processes(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    template = dynamic_template(app, max_run_duration=30)
    template.set_dynamic_builders_for_process_template(
        "dyn", [process(helper, "p1"), process(helper, "p2", max_run_duration=5)]
    )

    wf = await template.create_instance(uuid.uuid4(), "k", repartition=False)

    durations = {
        t.task_name: getattr(t, "max_run_duration", None)
        for t in wf.tasks.values()
        if t.task_type == "SUB_DAG"
    }
    assert durations == {"wf.first": 0, "wf.p1": 30, "wf.p2": 5, "wf.last": 0}


async def test_dynamic_max_run_duration_skips_an_overdue_generated_process(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    template = dynamic_template(app, max_run_duration=30)
    template.set_dynamic_builders_for_process_template("dyn", [listener_process(helper, "wait")])
    wf = await template.create_instance(
        uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
    )
    assert node(runtime.stored(wf.id), wf.id).status.code == "EXECUTING"

    runtime.clock.advance(29)
    await runtime.run_due_triggers()
    assert node(runtime.stored(wf.id), wf.id).status.code == "EXECUTING"
    runtime.clock.advance(2)
    await runtime.run_due_triggers()

    done = runtime.stored(wf.id)
    assert done is not None
    statuses = {t.task_name: t.status.code for t in done.tasks.values()}
    assert statuses["wf.wait.wait_listener_task"] == "SKIPPED"
    assert statuses["wf.last"] == "COMPLETED"
    assert done.status.code == "COMPLETED"


async def test_dynamic_process_without_builders_gives_way_to_the_next(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await dynamic_template(app).create_instance(uuid.uuid4(), "k", repartition=False)

    assert process_names(wf) == ["wf.first", "wf.last"]


async def test_dynamic_process_with_nothing_to_build_says_what_to_call(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    head = helper.build_and_link_processes(
        [process(helper, "first"), helper.generic_dynamic_process_builder(name="dyn")]
    )
    template = helper.generic_template(template_name="wf", root_process=head)

    with pytest.raises(TaskInvalidState, match="set_dynamic_builders_for_process_template"):
        await template.create_instance(uuid.uuid4(), "k", repartition=False)


def parallel_template(app: FakeApp, operator: TaskOperator) -> TemplateDAG:
    helper = DAGBuilderHelper(app)
    both = (
        ParallelCompositeProcessTemplateDagBuilder(app)
        .set_name("both")
        .set_parallel_operator_type(operator)
        .set_parallel_process_templates(listener_process(helper, "wait").build())
        .set_parallel_process_templates(process(helper, "work").build())
    )
    head = helper.build_and_link_processes([both, process(helper, "after")])
    template = helper.generic_template(template_name="wf", root_process=head)
    assert isinstance(template, TemplateDAG)
    return template


async def test_parallel_process_instance_carries_its_operator_and_children(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await parallel_template(app, TaskOperator.ATLEAST_ONE).create_instance(
        uuid.uuid4(), "order_id", repartition=False, order_id="o-1"
    )

    composite = node(wf, wf.root_dag)
    assert composite.task_type == "PARALLEL_COMPOSITE"
    assert composite.operator_type == TaskOperator.ATLEAST_ONE.value
    children = sorted(node(wf, i).task_name for i in composite.parallel_child_task_list)
    assert children == ["wf.both.wait", "wf.both.work"]
    assert {node(wf, i).parent_id for i in composite.parallel_child_task_list} == {composite.id}
    assert process_names(wf) == ["wf.both", "wf.after"]


async def test_atleast_one_composite_moves_on_without_waiting_for_the_listener(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await parallel_template(app, TaskOperator.ATLEAST_ONE).create_instance(
        uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
    )

    stored = await runtime.load_workflow(wf.id)
    assert stored is not None
    assert stored.status.code == "COMPLETED"
    assert "wf.after.after_executor_task" in stored.runtime_parameters["trace"]


async def test_join_all_composite_waits_for_the_listener(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await parallel_template(app, TaskOperator.JOIN_ALL).create_instance(
        uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
    )
    waiting = await runtime.load_workflow(wf.id)
    assert waiting is not None
    assert waiting.status.code == "EXECUTING"
    assert "wf.after.after_executor_task" not in waiting.runtime_parameters["trace"]

    processed = await operations.dispatch_listener_message(
        runtime, "ready", [OrderReady], {"order_id": "o-1"}
    )

    done = await runtime.load_workflow(wf.id)
    assert processed == 1
    assert done is not None
    assert done.status.code == "COMPLETED"
    assert done.runtime_parameters["trace"][-1] == "wf.after.after_executor_task"


async def test_given_number_of_parallel_processes_replaces_the_children(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    template = parallel_template(app, TaskOperator.JOIN_ALL)

    template.set_given_num_of_parallel_processes_for_a_composite_process(
        4, "both", process(helper, "ship")
    )
    wf = await template.create_instance(uuid.uuid4(), "k", repartition=False, submit_task=True)

    composite = node(wf, wf.root_dag)
    names = [node(wf, i).task_name for i in composite.parallel_child_task_list]
    assert names == ["wf.both.ship"] * 4
    stored = await runtime.load_workflow(wf.id)
    assert stored is not None
    assert stored.status.code == "COMPLETED"
    assert stored.runtime_parameters["trace"].count("wf.both.ship.ship_executor_task") == 4
