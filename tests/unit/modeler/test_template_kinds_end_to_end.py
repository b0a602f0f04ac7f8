"""One workflow per template kind, run to completion on the in-memory runtime."""

from __future__ import annotations

import uuid
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import TemplateDAG
from dagger.tasks.task import ITemplateDAGInstance, TaskOperator
from dagger.templates.template import (
    DecisionTaskTemplateBuilder,
    IntervalTaskTemplateBuilder,
    ParallelCompositeTaskTemplateBuilder,
    TaskTemplate,
    TriggerTaskTemplateBuilder,
)
from dagger.testing import InMemoryRuntime
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


def one_process(app: FakeApp, root: TaskTemplate) -> TemplateDAG:
    helper = DAGBuilderHelper(app)
    process = helper.generic_process_builder(process_name="p", root_task=root)
    template = helper.generic_template(template_name="wf", root_process=process)
    assert isinstance(template, TemplateDAG)
    return template


async def start(template: TemplateDAG, **params: Any) -> uuid.UUID:
    wf = await template.create_instance(
        uuid.uuid4(), "order_id", repartition=False, submit_task=True, **params
    )
    return wf.id


async def load(runtime: InMemoryRuntime, workflow_id: uuid.UUID) -> ITemplateDAGInstance:
    wf = await runtime.load_workflow(workflow_id)
    assert wf is not None
    return wf


async def test_command_then_listener_then_executor(app: FakeApp, runtime: InMemoryRuntime) -> None:
    helper = DAGBuilderHelper(app)
    root = helper.build_and_link_tasks(
        [
            helper.generic_command_task_builder(
                topic="orders", task_type=Command, process_name="p"
            ),
            helper.generic_listener_task_builder(
                topic="ready", task_type=OrderReady, process_name="p"
            ),
            helper.generic_executor_task_builder(task_type=Step, name="deliver"),
        ]
    )
    wf_id = await start(one_process(app, root), order_id="o-1")
    assert (await load(runtime, wf_id)).status.code == "EXECUTING"

    assert await runtime.deliver("ready", {"order_id": "o-2"}, [OrderReady]) == 0
    assert (await load(runtime, wf_id)).status.code == "EXECUTING"
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderReady]) == 1

    wf = await load(runtime, wf_id)
    assert wf.status.code == "COMPLETED"
    assert wf.runtime_parameters["trace"] == [
        "wf.p.p_command_task->orders",
        "wf.p.p_listener_task",
        "wf.p.deliver_executor_task",
    ]


async def test_trigger_runs_when_due(app: FakeApp, runtime: InMemoryRuntime) -> None:
    due = TriggerTaskTemplateBuilder(app).set_name("due").set_type(Due)
    template = one_process(app, due.set_time_to_execute_lookup_key("at").build())
    wf_id = await start(template, at=int(runtime.now()) + 60)

    await runtime.run_due_triggers()
    assert (await load(runtime, wf_id)).status.code == "EXECUTING"
    runtime.clock.advance(61)
    await runtime.run_due_triggers()

    wf = await load(runtime, wf_id)
    assert wf.status.code == "COMPLETED"
    assert wf.runtime_parameters["trace"] == ["wf.p.due"]


async def test_interval_polls_until_done(app: FakeApp, runtime: InMemoryRuntime) -> None:
    poll = IntervalTaskTemplateBuilder(app).set_name("poll").set_type(Poll)
    poll.set_time_to_force_complete_lookup_key("deadline").set_interval_execute_period_lookup_key(
        "every"
    )
    wf_id = await start(
        one_process(app, poll.build()), deadline=int(runtime.now()) + 3600, every=10
    )
    assert (await load(runtime, wf_id)).runtime_parameters["polls"] == 1

    runtime.clock.advance(11)
    await runtime.run_due_triggers()

    wf = await load(runtime, wf_id)
    assert wf.runtime_parameters["polls"] == 2
    assert wf.status.code == "COMPLETED"


async def test_decision_runs_the_chosen_branch_and_skips_the_other(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    left = helper.generic_executor_task_builder(task_type=Step, name="left").build()
    right = helper.generic_executor_task_builder(task_type=OtherStep, name="right").build()
    choose = DecisionTaskTemplateBuilder(app).set_name("choose").set_type(ChooseFirst)
    wf_id = await start(one_process(app, choose.set_next(left).set_next(right).build()))

    wf = await load(runtime, wf_id)
    statuses = {t.task_name: t.status.code for t in wf.tasks.values()}
    assert statuses["wf.p.left_executor_task"] == "COMPLETED"
    assert statuses["wf.p.right_executor_task"] == "SKIPPED"
    assert wf.status.code == "COMPLETED"


async def test_task_level_parallel_composite_runs_every_child(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    child = helper.generic_executor_task_builder(task_type=Step, name="child").build()
    fan = ParallelCompositeTaskTemplateBuilder(app, 3, child).set_name("fan")
    after = helper.generic_executor_task_builder(task_type=OtherStep, name="after").build()
    template = one_process(
        app, fan.set_task_operator(TaskOperator.JOIN_ALL).set_next(after).build()
    )

    wf = await load(runtime, await start(template))

    assert wf.status.code == "COMPLETED"
    assert wf.runtime_parameters["trace"] == ["wf.p.fan.child_executor_task"] * 3 + [
        "wf.p.after_executor_task"
    ]
