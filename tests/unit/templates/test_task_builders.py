"""Task-level builders: chaining, what they build, and clear registration errors."""

from __future__ import annotations

from typing import Any

import pytest

from dagger.exceptions.exceptions import InvalidTaskType
from dagger.tasks.task import ParallelCompositeTask, TaskOperator
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
from tests.unit.templates.fakes import (
    ChooseFirst,
    Command,
    Due,
    FakeApp,
    FakeTopic,
    OrderReady,
    Poll,
    Step,
)


def test_default_builder_setters_chain_and_build_a_default_template(app: FakeApp) -> None:
    after = DefaultTaskTemplateBuilder(app).set_name("after").set_type(Step).build()
    builder = DefaultTaskTemplateBuilder(app)

    same = builder.set_name("first").set_type(Step).set_allow_skip_to(True).set_next(after)

    assert same is builder
    template = builder.build()
    assert type(template) is DefaultTaskTemplate
    assert template._type is Step
    assert template.name == "first"
    assert template.allow_skip_to is True
    assert template.next_task_dag == [after]


def test_decision_builder_builds_a_decision_template(app: FakeApp) -> None:
    template = DecisionTaskTemplateBuilder(app).set_name("choose").set_type(ChooseFirst).build()

    assert type(template) is DefaultTaskTemplate
    assert template._type is ChooseFirst


def test_command_builder_registers_its_topic_with_the_app(app: FakeApp) -> None:
    topic = FakeTopic("orders")
    builder = KafkaCommandTaskTemplateBuilder(app).set_name("send").set_type(Command)

    template = builder.set_topic(topic).build()

    assert type(template) is DefaultKafkaTaskTemplate
    assert template.topic_name == "orders"
    assert app.topics["orders"] is topic
    assert app.listeners == []


def test_listener_builder_registers_the_listener_type_on_its_topic(app: FakeApp) -> None:
    builder = KafkaListenerTaskTemplateBuilder(app).set_name("wait").set_type(OrderReady)
    builder.set_topic(FakeTopic("ready")).set_reprocess_on_message(True)

    returned: Any = builder.set_concurrency
    assert returned(3) is None  # 0.2.6: set_concurrency does not chain
    template = builder.build()

    assert app.listeners == [("ready", OrderReady, 3)]
    assert type(template) is DefaultKafkaTaskTemplate
    assert template.reprocess_on_message is True
    assert app.topics["ready"].get_topic_name() == "ready"


def test_trigger_builder_keeps_its_lookup_key(app: FakeApp) -> None:
    builder = TriggerTaskTemplateBuilder(app)

    template = builder.set_name("due").set_type(Due).set_time_to_execute_lookup_key("at").build()

    assert type(template) is DefaultTriggerTaskTemplate
    assert template.time_to_execute_key == "at"


def test_interval_builder_keeps_its_three_keys_and_time_key_defaults_to_none(app: FakeApp) -> None:
    builder = IntervalTaskTemplateBuilder(app).set_name("poll").set_type(Poll)
    builder.set_time_to_force_complete_lookup_key("deadline")
    builder.set_interval_execute_period_lookup_key("every")

    template = builder.build()

    assert type(template) is DefaultIntervalTaskTemplate
    assert template.time_to_execute_key is None
    assert template.time_to_force_complete_key == "deadline"
    assert template.interval_execute_period_key == "every"


def test_parallel_builder_starts_with_n_children_and_takes_more(app: FakeApp) -> None:
    child = DefaultTaskTemplateBuilder(app).set_name("child").set_type(Step).build()
    other = DefaultTaskTemplateBuilder(app).set_name("other").set_type(Step).build()
    builder = ParallelCompositeTaskTemplateBuilder(app, 2, child)

    builder.set_name("fan").set_task_operator(TaskOperator.ATLEAST_ONE).add_parallel_task(other)
    template = builder.build()

    assert type(template) is ParallelCompositeTaskTemplate
    assert template._type is ParallelCompositeTask
    assert template.child_task_templates == [child, child, other]
    assert template.parallel_operator_type is TaskOperator.ATLEAST_ONE


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
