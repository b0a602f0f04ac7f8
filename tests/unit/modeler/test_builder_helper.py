"""``DAGBuilderHelper``: each helper builds what it should; linking keeps list order."""

from __future__ import annotations

import uuid
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import (
    DynamicProcessTemplateDagBuilder,
    ProcessTemplateDAG,
    ProcessTemplateDagBuilder,
    TemplateDAG,
)
from dagger.tasks.task import (
    DefaultProcessTemplateDAGInstance,
    DefaultTemplateDAGInstance,
    ITemplateDAGInstance,
    MonitoredProcessTemplateDAGInstance,
)
from dagger.templates.template import (
    DefaultKafkaTaskTemplate,
    DefaultTaskTemplate,
    DefaultTaskTemplateBuilder,
    KafkaCommandTaskTemplateBuilder,
    KafkaListenerTaskTemplateBuilder,
)
from dagger.testing import InMemoryRuntime
from tests.unit.templates.fakes import Command, FakeApp, OrderReady, Step, node


async def instance(app: FakeApp, root_task: Any, **params: Any) -> ITemplateDAGInstance:
    """A workflow whose one process ``P`` starts at ``root_task`` (a template or its builder)."""
    helper = DAGBuilderHelper(app)
    template = helper.generic_template(
        template_name="wf",
        root_process=helper.generic_process_builder(process_name="P", root_task=root_task),
    )
    return await template.create_instance(
        uuid.uuid4(), partition_key_lookup="order_id", repartition=False, **params
    )


def chain_names(wf: ITemplateDAGInstance, head_id: Any) -> list[str]:
    """The task names along ``next_dags`` from ``head_id``."""
    names, task_id = [], head_id
    while task_id is not None:
        task = node(wf, task_id)
        names.append(task.task_name)
        task_id = task.next_dags[0] if task.next_dags else None
    return names


async def test_executor_helper_names_the_task_after_name(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = DAGBuilderHelper(app).generic_executor_task_builder(
        task_type=Step, name="pay", allow_skip_to=True
    )

    assert type(builder) is DefaultTaskTemplateBuilder
    wf = await instance(app, builder.build())
    task = node(wf, node(wf, wf.root_dag).root_dag)
    assert (type(task), task.task_name, task.allow_skip_to) == (
        Step,
        "wf.P.pay_executor_task",
        True,
    )


async def test_command_helper_creates_the_topic_with_its_options(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = DAGBuilderHelper(app).generic_command_task_builder(
        topic="orders", task_type=Command, process_name="Order", value_type=bytes
    )

    assert type(builder) is KafkaCommandTaskTemplateBuilder
    assert app.created_topics == [
        (
            "orders",
            {
                "key_type": None,
                "value_type": bytes,
                "key_serializer": None,
                "value_serializer": None,
            },
        )
    ]
    template = builder.build()
    assert type(template) is DefaultKafkaTaskTemplate
    wf = await instance(app, template)
    task = node(wf, node(wf, wf.root_dag).root_dag)
    assert (type(task), task.task_name, task.topic) == (
        Command,
        "wf.P.Order_command_task",
        "orders",
    )


async def test_listener_helper_registers_the_listener_when_built(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = DAGBuilderHelper(app).generic_listener_task_builder(
        topic="ready",
        task_type=OrderReady,
        process_name="Order",
        allow_skip_to=True,
        concurrency=4,
        reprocess_on_message=True,
        key_serializer="raw",
    )

    assert type(builder) is KafkaListenerTaskTemplateBuilder
    assert app.created_topics[0][1]["key_serializer"] == "raw"
    assert app.listeners == []
    template = builder.build()
    assert app.listeners == [("ready", OrderReady, 4)]
    wf = await instance(app, template, order_id="o-1")
    task = node(wf, node(wf, wf.root_dag).root_dag)
    assert (type(task), task.task_name, task.topic) == (
        OrderReady,
        "wf.P.Order_listener_task",
        "ready",
    )
    assert (task.allow_skip_to, task.reprocess_on_message) == (True, True)


async def test_process_helpers_build_processes_of_the_given_type_and_duration(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    root = helper.generic_executor_task_builder(task_type=Step, name="x").build()
    process = helper.generic_process_builder(
        process_name="P",
        root_task=root,
        process_type=MonitoredProcessTemplateDAGInstance,
        max_run_duration=9,
    )
    plain = helper.generic_process_builder(process_name="Q", root_task=root)
    dynamic = helper.generic_dynamic_process_builder(name="D", max_run_duration=4)

    assert type(process) is ProcessTemplateDagBuilder
    assert type(dynamic) is DynamicProcessTemplateDagBuilder
    dynamic.set_next_process(plain.build())
    template = helper.generic_template(
        template_name="wf", root_process=helper.build_and_link_processes([process, dynamic])
    )
    wf = await template.create_instance(uuid.uuid4(), "order_id", repartition=False)

    first = node(wf, wf.root_dag)
    [second_id] = first.next_dags
    second = node(wf, second_id)
    assert (type(first), first.task_name, first.max_run_duration) == (
        MonitoredProcessTemplateDAGInstance,
        "wf.P",
        9,
    )
    # With no builders set, the dynamic process is replaced by its static next process.
    assert (type(second), second.task_name) == (DefaultProcessTemplateDAGInstance, "wf.Q")
    assert node(wf, second.root_dag).task_name == "wf.Q.x_executor_task"


async def test_build_and_link_tasks_returns_the_head_linked_in_order(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)

    head = helper.build_and_link_tasks(
        [helper.generic_executor_task_builder(task_type=Step, name=n) for n in "abc"]
    )

    assert type(head) is DefaultTaskTemplate
    wf = await instance(app, head)
    assert chain_names(wf, node(wf, wf.root_dag).root_dag) == [
        "wf.P.a_executor_task",
        "wf.P.b_executor_task",
        "wf.P.c_executor_task",
    ]


async def test_build_and_link_processes_returns_the_head_linked_in_order(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    root = helper.generic_executor_task_builder(task_type=Step, name="x").build()

    head = helper.build_and_link_processes(
        [helper.generic_process_builder(process_name=n, root_task=root) for n in ("P", "Q", "R")]
    )

    assert type(head) is ProcessTemplateDAG
    template = helper.generic_template(template_name="wf", root_process=head)
    wf = await template.create_instance(uuid.uuid4(), "order_id", repartition=False)
    assert chain_names(wf, wf.root_dag) == ["wf.P", "wf.Q", "wf.R"]


async def test_generic_template_accepts_a_process_or_its_builder(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    root = helper.generic_executor_task_builder(task_type=Step, name="x").build()
    process_builder = helper.generic_process_builder(process_name="P", root_task=root)

    from_builder = helper.generic_template(template_name="wf", root_process=process_builder)
    from_process = helper.generic_template(
        template_name="wf2", root_process=process_builder.build()
    )

    for template in (from_builder, from_process):
        assert type(template) is TemplateDAG
        wf = await template.create_instance(uuid.uuid4(), "order_id", repartition=False)
        assert type(wf) is DefaultTemplateDAGInstance
        assert wf.template_name == template.name
        assert node(wf, wf.root_dag).task_name == f"{template.name}.P"


def pizza_template(app: FakeApp) -> TemplateDAG:
    """The README's pizza workflow, built exactly as the README builds it."""

    def pizza_ordering_process(process_name: str = "Order") -> Any:
        dag_builder = DAGBuilderHelper(dagger_app=app)
        root_task = dag_builder.build_and_link_tasks(
            [
                dag_builder.generic_command_task_builder(
                    topic="pizza_order_topic", task_type=Command, process_name=process_name
                ),
                dag_builder.generic_listener_task_builder(
                    topic="PizzaWaitForReadyListener",
                    task_type=OrderReady,
                    process_name=process_name,
                ),
            ]
        )
        return dag_builder.generic_process_builder(process_name=process_name, root_task=root_task)

    def pizza_delivery_process(process_name: str = "Delivery") -> Any:
        dag_builder = DAGBuilderHelper(dagger_app=app)
        root_task = dag_builder.build_and_link_tasks(
            [dag_builder.generic_executor_task_builder(task_type=Step, name=process_name)]
        )
        return dag_builder.generic_process_builder(process_name=process_name, root_task=root_task)

    dag_builder_helper = DAGBuilderHelper(app)
    order_process = dag_builder_helper.build_and_link_processes(
        [
            pizza_ordering_process(process_name="Order"),
            pizza_delivery_process(process_name="Delivery"),
        ]
    )
    template = dag_builder_helper.generic_template(
        template_name="PizzaWorkflow", root_process=order_process
    )
    assert isinstance(template, TemplateDAG)
    return template


async def test_readme_pizza_workflow_has_the_readme_shape(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    template = pizza_template(app)

    wf: ITemplateDAGInstance = await template.create_instance(
        uuid.uuid1(),
        partition_key_lookup="order_id",
        repartition=False,
        order_id="o-1",
        customer_id="c-1",
        pizza_type=1,
    )

    assert app.listeners == [("PizzaWaitForReadyListener", OrderReady, 1)]
    assert set(app.topics) == {"pizza_order_topic", "PizzaWaitForReadyListener"}
    order = node(wf, wf.root_dag)
    [delivery_id] = order.next_dags
    delivery = node(wf, delivery_id)
    command = node(wf, order.root_dag)
    [listener_id] = command.next_dags
    listener = node(wf, listener_id)
    send = node(wf, delivery.root_dag)
    assert (order.task_name, delivery.task_name) == (
        "PizzaWorkflow.Order",
        "PizzaWorkflow.Delivery",
    )
    assert (type(command), command.task_name, command.topic) == (
        Command,
        "PizzaWorkflow.Order.Order_command_task",
        "pizza_order_topic",
    )
    assert (type(listener), listener.task_name, listener.topic) == (
        OrderReady,
        "PizzaWorkflow.Order.Order_listener_task",
        "PizzaWaitForReadyListener",
    )
    assert (type(send), send.task_name) == (Step, "PizzaWorkflow.Delivery.Delivery_executor_task")
    assert len(wf.tasks) == 5
