"""Task templates create tasks (and the tasks after them) inside a workflow instance."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from dagger.exceptions.exceptions import InvalidTriggerTimeForTask
from dagger.tasks.task import DefaultTemplateDAGInstance, TaskOperator
from dagger.templates.template import (
    DefaultTaskTemplateBuilder,
    IntervalTaskTemplateBuilder,
    KafkaListenerTaskTemplateBuilder,
    ParallelCompositeTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
)
from dagger.testing import InMemoryRuntime
from tests.unit.templates.fakes import Due, FakeApp, FakeTopic, OrderReady, Poll, Step

PROCESS_ID = uuid.UUID(int=7)


def workflow(**params: Any) -> DefaultTemplateDAGInstance:
    return DefaultTemplateDAGInstance(
        id=uuid.UUID(int=1), template_name="wf", runtime_parameters=dict(params)
    )


def chain(app: FakeApp, *names: str) -> Any:
    head = None
    for name in reversed(names):
        builder = DefaultTaskTemplateBuilder(app).set_name(name).set_type(Step)
        if head is not None:
            builder.set_next(head)
        head = builder.build()
    return head


async def test_a_chain_becomes_linked_not_started_tasks_with_dotted_names(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = workflow()
    first_id = uuid.UUID(int=100)

    first = await chain(app, "a", "b").create_instance(
        first_id, PROCESS_ID, "wf.proc", "key", workflow_instance=wf
    )

    assert first.id == first_id
    assert first.task_name == "wf.proc.a"
    assert first.status.code == "NOT_STARTED"
    assert first.parent_id == PROCESS_ID
    [second_id] = first.next_dags
    second = wf.tasks[second_id]
    assert second.task_name == "wf.proc.b"
    assert second.parent_id == PROCESS_ID
    assert second.next_dags == []
    assert set(wf.tasks) == {first_id, second_id}


async def test_same_seed_gives_the_same_ids(app: FakeApp, runtime: InMemoryRuntime) -> None:
    template = chain(app, "a", "b", "c")
    trees = []
    for _ in range(2):
        wf = workflow()
        await template.create_instance(
            uuid.UUID(int=5), PROCESS_ID, "wf.p", "key", seed=random.Random(3), workflow_instance=wf
        )
        trees.append(sorted(wf.tasks))

    assert trees[0] == trees[1]
    assert len(trees[0]) == 3


async def test_listener_template_gives_the_task_its_topic_name(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = KafkaListenerTaskTemplateBuilder(app).set_name("wait").set_type(OrderReady)
    template = builder.set_topic(FakeTopic("ready")).set_allow_skip_to(True).build()

    task: Any = await template.create_instance(
        uuid.uuid4(), PROCESS_ID, "wf.p", "order_id", workflow_instance=workflow(order_id="o1")
    )

    assert type(task) is OrderReady
    assert task.topic == "ready"
    assert task.allow_skip_to is True
    assert task.correlatable_key == "order_id"


async def test_trigger_template_reads_its_time_from_the_runtime_parameters(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = TriggerTaskTemplateBuilder(app).set_name("due").set_type(Due)
    template = builder.set_time_to_execute_lookup_key("at").build()

    task: Any = await template.create_instance(
        uuid.uuid4(), PROCESS_ID, "wf.p", "key", workflow_instance=workflow(at=1234)
    )

    assert task.time_to_execute == 1234


async def test_trigger_template_without_the_parameter_names_task_and_parameter(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = TriggerTaskTemplateBuilder(app).set_name("due").set_type(Due)
    template = builder.set_time_to_execute_lookup_key("at").build()

    with pytest.raises(InvalidTriggerTimeForTask) as raised:
        await template.create_instance(
            uuid.uuid4(), PROCESS_ID, "wf.p", "key", workflow_instance=workflow(other=1)
        )

    assert "'due'" in str(raised.value)
    assert "'at'" in str(raised.value)


async def test_trigger_template_without_a_lookup_key_says_how_to_set_it(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    template = TriggerTaskTemplateBuilder(app).set_name("due").set_type(Due).build()

    with pytest.raises(InvalidTriggerTimeForTask, match="set_time_to_execute_lookup_key"):
        await template.create_instance(
            uuid.uuid4(), PROCESS_ID, "wf.p", "key", workflow_instance=workflow(at=1)
        )


def interval_template(app: FakeApp, time_key: str | None = None) -> Any:
    builder = IntervalTaskTemplateBuilder(app).set_name("poll").set_type(Poll)
    if time_key is not None:
        builder.set_time_to_execute_lookup_key(time_key)
    builder.set_time_to_force_complete_lookup_key("deadline")
    return builder.set_interval_execute_period_lookup_key("every").build()


async def test_interval_template_without_a_time_key_runs_first_at_once(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    task: Any = await interval_template(app).create_instance(
        uuid.uuid4(), PROCESS_ID, "wf.p", "key", workflow_instance=workflow(deadline=99, every=5)
    )

    assert task.time_to_execute is None
    assert task.time_to_force_complete == 99
    assert task.interval_execute_period == 5


async def test_interval_template_with_a_time_key_reads_it(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = workflow(start=10, deadline=99, every=5)

    task: Any = await interval_template(app, "start").create_instance(
        uuid.uuid4(), PROCESS_ID, "wf.p", "key", workflow_instance=wf
    )

    assert task.time_to_execute == 10


async def test_interval_template_needs_its_period(app: FakeApp, runtime: InMemoryRuntime) -> None:
    with pytest.raises(InvalidTriggerTimeForTask, match=r"'poll'.*'every'"):
        await interval_template(app).create_instance(
            uuid.uuid4(), PROCESS_ID, "wf.p", "key", workflow_instance=workflow(deadline=99)
        )


async def test_parallel_composite_template_creates_children_under_the_composite(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    child = chain(app, "child")
    after = chain(app, "after")
    builder = ParallelCompositeTaskTemplateBuilder(app, 3, child).set_name("fan")
    template = builder.set_task_operator(TaskOperator.ATLEAST_ONE).set_next(after).build()
    wf = workflow()

    composite: Any = await template.create_instance(
        uuid.uuid4(), PROCESS_ID, "wf.p", "key", workflow_instance=wf
    )

    assert composite.task_name == "wf.p.fan"
    assert composite.operator_type == TaskOperator.ATLEAST_ONE.value
    children = [wf.tasks[i] for i in composite.parallel_child_task_list]
    assert len(children) == 3
    assert {c.parent_id for c in children} == {composite.id}
    assert {c.task_name for c in children} == {"wf.p.fan.child"}
    [after_id] = composite.next_dags
    assert wf.tasks[after_id].task_name == "wf.p.after"
    assert wf.tasks[after_id].parent_id == PROCESS_ID
