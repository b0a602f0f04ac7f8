"""Task-level builders: chaining, what they build, and clear registration errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dagger.exceptions.exceptions import InvalidTaskType
from dagger.tasks.task import DefaultTemplateDAGInstance, ParallelCompositeTask, TaskOperator
from dagger.templates.template import (
    DecisionTaskTemplateBuilder,
    DefaultIntervalTaskTemplate,
    DefaultKafkaTaskTemplate,
    DefaultTaskTemplate,
    DefaultTaskTemplateBuilder,
    DefaultTriggerTaskTemplate,
    IntervalTaskTemplateBuilder,
    KafkaCommandTaskTemplateBuilder,
    KafkaListenerTaskTemplateBuilder,
    ParallelCompositeTaskTemplate,
    ParallelCompositeTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
)
from dagger.testing import InMemoryRuntime
from tests.unit.templates.fakes import (
    ChooseFirst,
    Command,
    Due,
    FakeApp,
    FakeTopic,
    OrderReady,
    Poll,
    Step,
    node,
)

PROCESS_ID = uuid.UUID(int=7)


async def created(template: Any, **runtime_parameters: Any) -> tuple[Any, Any]:
    """``(task, workflow)``: what the template creates in a workflow with those parameters."""
    wf = DefaultTemplateDAGInstance(
        id=uuid.UUID(int=1), template_name="wf", runtime_parameters=dict(runtime_parameters)
    )
    task = await template.create_instance(
        uuid.UUID(int=100), PROCESS_ID, "wf.p", "order_id", workflow_instance=wf
    )
    return task, wf


async def test_default_builder_setters_chain_and_its_template_creates_the_typed_chain(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    after = DefaultTaskTemplateBuilder(app).set_name("after").set_type(Step).build()
    builder = DefaultTaskTemplateBuilder(app)

    same = builder.set_name("first").set_type(Step).set_allow_skip_to(True).set_next(after)

    assert same is builder
    template = builder.build()
    assert type(template) is DefaultTaskTemplate
    task, wf = await created(template)
    assert type(task) is Step
    assert (task.task_name, task.allow_skip_to, task.status.code) == (
        "wf.p.first",
        True,
        "NOT_STARTED",
    )
    [after_id] = task.next_dags
    follower = node(wf, after_id)
    assert (type(follower), follower.task_name, follower.allow_skip_to) == (
        Step,
        "wf.p.after",
        False,
    )


async def test_decision_builder_creates_decision_tasks(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    template = DecisionTaskTemplateBuilder(app).set_name("choose").set_type(ChooseFirst).build()

    assert type(template) is DefaultTaskTemplate
    task, _ = await created(template)
    assert (type(task), task.task_name) == (ChooseFirst, "wf.p.choose")


async def test_command_builder_registers_its_topic_and_tasks_send_to_it(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    topic = FakeTopic("orders")
    builder = KafkaCommandTaskTemplateBuilder(app).set_name("send").set_type(Command)

    template = builder.set_topic(topic).build()

    assert type(template) is DefaultKafkaTaskTemplate
    assert app.topics["orders"] is topic
    assert app.listeners == []
    task, _ = await created(template)
    assert (type(task), task.task_name, task.topic) == (Command, "wf.p.send", "orders")


async def test_listener_builder_registers_the_listener_type_on_its_topic(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = KafkaListenerTaskTemplateBuilder(app).set_name("wait").set_type(OrderReady)
    builder.set_topic(FakeTopic("ready")).set_reprocess_on_message(True)

    returned: Any = builder.set_concurrency
    assert returned(3) is None  # 0.2.6: set_concurrency does not chain
    template = builder.build()

    assert app.listeners == [("ready", OrderReady, 3)]
    assert type(template) is DefaultKafkaTaskTemplate
    assert app.topics["ready"].get_topic_name() == "ready"
    task, _ = await created(template)
    assert (type(task), task.topic, task.reprocess_on_message) == (OrderReady, "ready", True)


async def test_trigger_builder_tasks_are_due_at_the_parameter_it_names(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = TriggerTaskTemplateBuilder(app)

    template = builder.set_name("due").set_type(Due).set_time_to_execute_lookup_key("at").build()

    assert type(template) is DefaultTriggerTaskTemplate
    task, _ = await created(template, at=1234, other=5)
    assert (type(task), task.time_to_execute) == (Due, 1234)


async def test_interval_builder_reads_its_two_keys_and_runs_first_at_once_by_default(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = IntervalTaskTemplateBuilder(app).set_name("poll").set_type(Poll)
    builder.set_time_to_force_complete_lookup_key("deadline")
    builder.set_interval_execute_period_lookup_key("every")

    template = builder.build()

    assert type(template) is DefaultIntervalTaskTemplate
    task, _ = await created(template, deadline=99, every=5, at=1)
    assert type(task) is Poll
    assert (task.time_to_execute, task.time_to_force_complete, task.interval_execute_period) == (
        None,
        99,
        5,
    )


async def test_parallel_builder_starts_with_n_children_and_takes_more(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    child = DefaultTaskTemplateBuilder(app).set_name("child").set_type(Step).build()
    other = DefaultTaskTemplateBuilder(app).set_name("other").set_type(Step).build()
    builder = ParallelCompositeTaskTemplateBuilder(app, 2, child)

    builder.set_name("fan").set_task_operator(TaskOperator.ATLEAST_ONE).add_parallel_task(other)
    template = builder.build()

    assert type(template) is ParallelCompositeTaskTemplate
    composite, wf = await created(template)
    assert type(composite) is ParallelCompositeTask
    assert composite.operator_type == TaskOperator.ATLEAST_ONE.value
    children = [node(wf, i) for i in composite.parallel_child_task_list]
    assert [c.task_name for c in children] == ["wf.p.fan.child", "wf.p.fan.child", "wf.p.fan.other"]
    assert len({c.id for c in children}) == 3
    assert {c.parent_id for c in children} == {composite.id}


WRONG_TYPES = [
    (DefaultTaskTemplateBuilder, OrderReady, "KafkaListenerTaskTemplateBuilder"),
    (DefaultTaskTemplateBuilder, Command, "KafkaCommandTaskTemplateBuilder"),
    (KafkaListenerTaskTemplateBuilder, Step, "DefaultTaskTemplateBuilder"),
    (KafkaCommandTaskTemplateBuilder, OrderReady, "KafkaListenerTaskTemplateBuilder"),
    (DecisionTaskTemplateBuilder, Step, "DefaultTaskTemplateBuilder"),
    (TriggerTaskTemplateBuilder, Step, "DefaultTaskTemplateBuilder"),
    (IntervalTaskTemplateBuilder, Due, "TriggerTaskTemplateBuilder"),
]


@pytest.mark.parametrize(("builder_type", "task_type", "fix"), WRONG_TYPES)
def test_wrong_task_type_names_builder_task_type_and_fix(
    app: FakeApp, builder_type: type, task_type: type, fix: str
) -> None:
    builder = builder_type(app).set_name("my_task")

    with pytest.raises(InvalidTaskType) as raised:
        builder.set_type(task_type)

    message = str(raised.value)
    assert f"{builder_type.__name__}.set_type({task_type.__name__})" in message
    assert "'my_task'" in message
    assert f"use {fix}" in message


def test_listener_builder_message_says_which_base_is_needed(app: FakeApp) -> None:
    with pytest.raises(InvalidTaskType, match="Step must subclass KafkaListenerTask"):
        KafkaListenerTaskTemplateBuilder(app).set_type(Step)


def test_an_instance_instead_of_a_class_is_rejected_clearly(app: FakeApp) -> None:
    with pytest.raises(InvalidTaskType, match="pass the class itself"):
        DefaultTaskTemplateBuilder(app).set_type(Step(id=None))  # type: ignore[arg-type]


BUILDERS_NEEDING_A_TYPE: list[Any] = [
    DefaultTaskTemplateBuilder,
    DecisionTaskTemplateBuilder,
    KafkaCommandTaskTemplateBuilder,
    KafkaListenerTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
    IntervalTaskTemplateBuilder,
]


@pytest.mark.parametrize("builder_type", BUILDERS_NEEDING_A_TYPE)
def test_building_without_a_type_names_the_task(app: FakeApp, builder_type: type) -> None:
    builder = builder_type(app).set_name("untyped")

    with pytest.raises(InvalidTaskType, match=r"'untyped'.*no task type set"):
        builder.build()


@pytest.mark.parametrize(
    ("builder_type", "task_type"),
    [(KafkaCommandTaskTemplateBuilder, Command), (KafkaListenerTaskTemplateBuilder, OrderReady)],
)
def test_building_without_a_topic_names_the_task(
    app: FakeApp, builder_type: type, task_type: type
) -> None:
    builder = builder_type(app).set_name("no_topic").set_type(task_type)

    with pytest.raises(ValueError, match=r"'no_topic'.*no topic set"):
        builder.build()
    assert app.listeners == []
