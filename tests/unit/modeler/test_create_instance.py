"""``TemplateDAG.create_instance``: the instance tree, ids, parameters and hand-off."""

from __future__ import annotations

import random
import uuid

import pytest

from dagger.exceptions.exceptions import InvalidTriggerTimeForTask, TaskInvalidState
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import ParallelCompositeProcessTemplateDagBuilder, TemplateDAG
from dagger.tasks.task import DefaultTemplateDAGInstance, ITemplateDAGInstance
from dagger.templates.template import (
    ParallelCompositeTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
)
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.modeler.snapshot import snapshot
from tests.unit.templates.fakes import Due, FakeApp, OtherStep, Step, node


def two_process_template(app: FakeApp) -> TemplateDAG:
    helper = DAGBuilderHelper(app)
    first = helper.generic_process_builder(
        process_name="first",
        root_task=helper.build_and_link_tasks(
            [helper.generic_executor_task_builder(task_type=Step, name=n) for n in ("a", "b")]
        ),
    )
    second = helper.generic_process_builder(
        process_name="second",
        root_task=helper.generic_executor_task_builder(task_type=OtherStep, name="c").build(),
    )
    template = helper.generic_template(
        template_name="wf", root_process=helper.build_and_link_processes([first, second])
    )
    assert isinstance(template, TemplateDAG)
    return template


def names_by_parent(wf: ITemplateDAGInstance) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for task in wf.tasks.values():
        parent = node(wf, task.parent_id)
        out.setdefault(parent.task_name, []).append(str(task.task_name))
    return {k: sorted(v) for k, v in out.items()}


async def test_instance_is_a_not_started_root_with_runtime_parameters(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf_id = uuid.uuid4()

    wf = await two_process_template(app).create_instance(
        wf_id, "order_id", repartition=False, order_id="o-1", amount=3
    )

    assert type(wf) is DefaultTemplateDAGInstance
    assert wf.id == wf_id
    assert wf.task_type == "ROOT"
    assert wf.status.code == "NOT_STARTED"
    assert wf.template_name == "wf"
    assert wf.partition_key_lookup == "order_id"
    assert wf.runtime_parameters == {"order_id": "o-1", "amount": 3}
    assert {t.status.code for t in wf.tasks.values()} == {"NOT_STARTED"}


async def test_tasks_get_dotted_names_and_processes_chain(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await two_process_template(app).create_instance(uuid.uuid4(), "k", repartition=False)

    assert names_by_parent(wf) == {
        "wf": ["wf.first", "wf.second"],
        "wf.first": ["wf.first.a_executor_task", "wf.first.b_executor_task"],
        "wf.second": ["wf.second.c_executor_task"],
    }
    first = node(wf, wf.root_dag)
    assert first.task_type == "SUB_DAG"
    assert first.process_name == "first"
    [second_id] = first.next_dags
    assert node(wf, second_id).task_name == "wf.second"


async def test_same_seed_gives_identical_id_trees(app: FakeApp, runtime: InMemoryRuntime) -> None:
    template = two_process_template(app)
    trees = []
    for _ in range(2):
        seed = random.Random(42)
        wf = await template.create_instance(
            uuid.UUID(int=seed.getrandbits(128)), "k", repartition=False, seed=seed
        )
        trees.append(
            {t.id: (t.task_name, t.parent_id, tuple(t.next_dags)) for t in wf.tasks.values()}
        )

    assert trees[0] == trees[1]
    other = await template.create_instance(uuid.uuid4(), "k", repartition=False)
    assert set(other.tasks).isdisjoint(trees[0])


def fan_out_template(app: FakeApp) -> TemplateDAG:
    """A task-level composite inside a process, then a parallel composite of two processes."""
    helper = DAGBuilderHelper(app)
    fan = ParallelCompositeTaskTemplateBuilder(
        app, 2, helper.generic_executor_task_builder(task_type=OtherStep, name="leg").build()
    ).set_name("fan")
    first = helper.generic_process_builder(
        process_name="first",
        root_task=helper.build_and_link_tasks(
            [
                helper.generic_executor_task_builder(task_type=Step, name="a"),
                fan,
                helper.generic_executor_task_builder(task_type=Step, name="b"),
            ]
        ),
    )
    side = ParallelCompositeProcessTemplateDagBuilder(app).set_name("par")
    for i in (1, 2):
        side.set_parallel_process_templates(
            helper.generic_process_builder(
                process_name=f"side{i}",
                root_task=helper.generic_executor_task_builder(
                    task_type=Step, name=f"s{i}"
                ).build(),
            ).build()
        )
    template = helper.generic_template(
        template_name="wf", root_process=helper.build_and_link_processes([first, side])
    )
    assert isinstance(template, TemplateDAG)
    return template


async def test_a_seed_gives_ids_in_creation_order(app: FakeApp, runtime: InMemoryRuntime) -> None:
    # The order is part of reproducibility: a node, then what runs inside it, then what
    # follows it; a task composite's children after the tasks that follow the composite.
    wf = await fan_out_template(app).create_instance(
        uuid.uuid4(), "k", repartition=False, seed=random.Random(11)
    )

    draws = random.Random(11)
    names = {task.id: task.task_name for task in wf.tasks.values()}
    assert [names[uuid.UUID(int=draws.getrandbits(128))] for _ in names] == [
        "wf.first",
        "wf.first.a_executor_task",
        "wf.first.fan",
        "wf.first.b_executor_task",
        "wf.first.fan.leg_executor_task",
        "wf.first.fan.leg_executor_task",
        "wf.par",
        "wf.par.side1",
        "wf.par.side1.s1_executor_task",
        "wf.par.side2",
        "wf.par.side2.s2_executor_task",
    ]


async def test_ids_without_a_seed_are_unique_time_based_uuids(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    template = fan_out_template(app)
    ids: list[uuid.UUID] = []
    for _ in range(3):
        wf = await template.create_instance(uuid.uuid4(), "k", repartition=False)
        ids.extend(wf.tasks)

    assert len(set(ids)) == len(ids) == 33
    assert {i.version for i in ids} == {1}  # uuid1, as 0.2.6
    assert {i.node for i in ids} == {uuid.getnode()}


async def test_creation_times_are_whole_seconds_of_the_runtime_clock(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    runtime.clock.advance(0.75)

    wf = await fan_out_template(app).create_instance(uuid.uuid4(), "k", repartition=False)

    times = [wf.time_created] + [task.time_created for task in wf.tasks.values()]
    assert times == [int(START)] * 12
    assert {type(t) for t in times} == {int}


async def test_creating_instances_leaves_the_template_unchanged(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    template = two_process_template(app)
    before = snapshot(template)

    for n in range(3):
        await template.create_instance(
            uuid.uuid4(), "k", repartition=False, submit_task=n % 2 == 0, k=str(n)
        )

    assert snapshot(template) == before


async def test_repartition_sends_one_workflow_keyed_by_the_partition_key(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await two_process_template(app).create_instance(
        uuid.uuid4(), "order_id", order_id="o-7", submit_task=True
    )

    assert runtime.sent_for_creation == [("o-7", wf)]
    assert wf.status.code == "SUBMITTED"
    assert runtime.stored(wf.id) is None


async def test_the_receiving_worker_starts_a_submitted_repartitioned_workflow(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await two_process_template(app).create_instance(
        uuid.uuid4(), "order_id", order_id="o-7", submit_task=True
    )

    assert await runtime.run_creations() == 1

    stored = runtime.stored(wf.id)
    assert stored is not None
    assert stored.status.code == "COMPLETED"
    assert len(stored.runtime_parameters["trace"]) == 3


async def test_repartition_without_the_partition_key_names_it_and_the_template(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    with pytest.raises(TaskInvalidState) as raised:
        await two_process_template(app).create_instance(uuid.uuid4(), "order_id", other=1)

    assert isinstance(raised.value, KeyError)  # 0.2.6 raised a bare KeyError here
    assert "'order_id'" in str(raised.value)
    assert "'wf'" in str(raised.value)
    assert runtime.sent_for_creation == [] and runtime.workflows == {}


async def test_templates_leave_triggers_to_the_worker_that_stores_the_workflow(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    due = TriggerTaskTemplateBuilder(app).set_name("remind").set_type(Due)
    process = helper.generic_process_builder(
        process_name="p", root_task=due.set_time_to_execute_lookup_key("at").build()
    )
    template = helper.generic_template(template_name="wf", root_process=process)

    wf = await template.create_instance(uuid.uuid4(), "k", k="x", at=10**10)
    assert runtime.triggers == {}

    await runtime.run_creations()

    [trigger] = runtime.triggers.values()
    assert (trigger.workflow_id, trigger.trigger_time) == (wf.id, 10**10)


async def test_local_creation_without_submit_stores_the_workflow_not_started(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await two_process_template(app).create_instance(uuid.uuid4(), "k", repartition=False)

    stored = runtime.stored(wf.id)
    assert stored is not None
    assert stored.status.code == "NOT_STARTED"
    assert "trace" not in stored.runtime_parameters


async def test_local_creation_with_submit_runs_the_executor_chain_to_completion(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await two_process_template(app).create_instance(
        uuid.uuid4(), "k", repartition=False, submit_task=True
    )

    stored = await runtime.load_workflow(wf.id)
    assert stored is not None
    assert stored.status.code == "COMPLETED"
    assert {t.status.code for t in stored.tasks.values()} == {"COMPLETED"}
    assert stored.runtime_parameters["trace"] == [
        "wf.first.a_executor_task",
        "wf.first.b_executor_task",
        "wf.second.c_executor_task",
    ]


async def test_trigger_task_without_its_parameter_fails_creation_clearly(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    due = TriggerTaskTemplateBuilder(app).set_name("remind").set_type(Due)
    process = helper.generic_process_builder(
        process_name="p", root_task=due.set_time_to_execute_lookup_key("remind_at").build()
    )
    template = helper.generic_template(template_name="wf", root_process=process)

    with pytest.raises(InvalidTriggerTimeForTask) as raised:
        await template.create_instance(uuid.uuid4(), "k", repartition=False, k="x")

    assert "'remind'" in str(raised.value)
    assert "'remind_at'" in str(raised.value)
