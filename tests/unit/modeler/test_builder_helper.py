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


def test_executor_helper_names_the_task_after_name(app: FakeApp) -> None:
    builder = DAGBuilderHelper(app).generic_executor_task_builder(
        task_type=Step, name="pay", allow_skip_to=True
    )

    assert type(builder) is DefaultTaskTemplateBuilder
    template = builder.build()
    assert (template.name, template._type, template.allow_skip_to) == (
        "pay_executor_task",
        Step,
        True,
    )


def test_command_helper_creates_the_topic_with_its_options(app: FakeApp) -> None:
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
    assert (template.name, template.topic_name) == ("Order_command_task", "orders")


def test_listener_helper_registers_the_listener_when_built(app: FakeApp) -> None:
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
    assert (template.name, template.allow_skip_to, template.reprocess_on_message) == (
        "Order_listener_task",
        True,
        True,
    )


def test_process_helpers_return_configured_builders(app: FakeApp) -> None:
    helper = DAGBuilderHelper(app)
    root = helper.generic_executor_task_builder(task_type=Step, name="x").build()

    process = helper.generic_process_builder(
        process_name="P",
        root_task=root,
        process_type=MonitoredProcessTemplateDAGInstance,
        max_run_duration=9,
    )
    dynamic = helper.generic_dynamic_process_builder(name="D", max_run_duration=4)

    assert type(process) is ProcessTemplateDagBuilder
    built = process.build()
    assert (built.name, built.root_task_dag, built.process_type, built.max_run_duration) == (
        "P",
        root,
        MonitoredProcessTemplateDAGInstance,
        9,
    )
    assert helper.generic_process_builder(
        process_name="Q", root_task=root
    ).build().process_type is (DefaultProcessTemplateDAGInstance)
    assert type(dynamic) is DynamicProcessTemplateDagBuilder
    assert (dynamic.build().name, dynamic.build().max_run_duration) == ("D", 4)


def test_build_and_link_tasks_returns_the_head_linked_in_order(app: FakeApp) -> None:
    helper = DAGBuilderHelper(app)

    head = helper.build_and_link_tasks(
        [helper.generic_executor_task_builder(task_type=Step, name=n) for n in "abc"]
    )

    names = []
    node: Any = head
    while node is not None:
        names.append(node.name)
        node = node.next_task_dag[0] if node.next_task_dag else None
    assert type(head) is DefaultTaskTemplate
    assert names == ["a_executor_task", "b_executor_task", "c_executor_task"]


def test_build_and_link_processes_returns_the_head_linked_in_order(app: FakeApp) -> None:
    helper = DAGBuilderHelper(app)
    root = helper.generic_executor_task_builder(task_type=Step, name="x").build()

    head = helper.build_and_link_processes(
        [helper.generic_process_builder(process_name=n, root_task=root) for n in ("P", "Q", "R")]
    )

    names = []
    node: Any = head
    while node is not None:
        names.append(node.name)
        node = node.next_process_dag[0] if node.next_process_dag else None
    assert type(head) is ProcessTemplateDAG
    assert names == ["P", "Q", "R"]


def test_generic_template_accepts_a_process_or_its_builder(app: FakeApp) -> None:
    helper = DAGBuilderHelper(app)
    root = helper.generic_executor_task_builder(task_type=Step, name="x").build()
    process_builder = helper.generic_process_builder(process_name="P", root_task=root)

    from_builder = helper.generic_template(template_name="wf", root_process=process_builder)
    from_process = helper.generic_template(
        template_name="wf2", root_process=process_builder.build()
    )

    for template in (from_builder, from_process):
        assert type(template) is TemplateDAG
        assert template.template_type is DefaultTemplateDAGInstance
        assert template.root_process_dag.name == "P"


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
