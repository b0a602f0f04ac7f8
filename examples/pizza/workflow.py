"""The pizza workflow of the seed README (steps 1-5), written against dagger's public API.

Two processes: **Order** sends the order to the order service over Kafka and waits until the
order service reports it READY; **Delivery** then POSTs the order to the delivery service.
The code follows the README as closely as the library allows; where it differs, a comment
says why.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from typing import Any

import aiohttp

from dagger.devbroker import dev_faust_settings
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.engineconfig import AerospikeConfig
from dagger.service.services import Dagger
from dagger.tasks.task import (
    VT,
    ExecutorTask,
    ITask,
    ITemplateDAGInstance,
    KafkaCommandTask,
    KafkaListenerTask,
    TaskLookupKey,
)
from dagger.templates.template import IProcessTemplateDAGBuilder, ITemplateDAG
from examples.pizza.settings import ORDER_REQUESTS_TOPIC, ORDER_TOPIC, READY_TOPIC, PizzaSettings

logger = logging.getLogger(__name__)
settings = PizzaSettings()


def _store_options() -> dict[str, Any]:
    if settings.store == "aerospike://":
        config = AerospikeConfig(
            HOSTS=[(settings.aerospike_host, 3000)],
            POLICIES={},
            NAMESPACE="test",
            USERNAME=None,
            PASSWORD=None,
            TTL=-1,
            KWARGS={},
        )
        return {"store": "aerospike://", "aerospike_config": config}
    return {"store": settings.store}


# The development broker needs one record per produce batch (see dagger.devbroker);
# on a real Kafka set PIZZA_DEV_BROKER=0.
_broker_settings = dev_faust_settings() if os.environ.get("PIZZA_DEV_BROKER", "1") == "1" else {}

# --8<-- [start:step1]
# Step 1: instantiate Dagger. The README used Aerospike with enable_changelog=False; we default
# to the RocksDB store with changelogs so that a crashed worker recovers its workflows.
workflow_engine = Dagger(
    broker=settings.broker,
    datadir=settings.data_dir,
    application_name=settings.app_id,
    kafka_partitions=settings.partitions,
    # "earliest": a worker that starts after a reply was sent still sees it.
    consumer_auto_offset_reset="earliest",
    task_update_topic="task_update_topic",
    trigger_interval=600,
    web_port=settings.web_port,
    topic_partitions=settings.partitions,
    serializer="raw",
    **_store_options(),
    **_broker_settings,
)
# --8<-- [end:step1]


# --8<-- [start:order-command]
# Step 2: the leaf command and listener tasks of the Order process.
class OrderCommandTask(KafkaCommandTask[str, str]):
    """Sends the order to the order service on ``pizza_order_topic``."""

    async def execute(
        self,
        runtime_parameters: dict[str, str],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        payload = {
            "order_id": runtime_parameters["order_id"],
            "customer_id": runtime_parameters["customer_id"],
            "pizza_type": runtime_parameters["pizza_type"],
        }
        assert self.topic is not None  # the template's builder set it
        # Keyed by order_id so that the reply lands on the same partition (co-partitioning).
        await workflow_engine.topics[self.topic].send(
            key=runtime_parameters["order_id"], value=json.dumps(payload)
        )
        # --8<-- [end:order-command]


# --8<-- [start:ready-listener]
class PizzaWaitForReadyListener(KafkaListenerTask[str, str]):
    """Waits for ``{"order_id": ..., "status": "READY"}`` from the order service."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        tpayload = json.loads(payload)
        key = tpayload[self.correlatable_key]
        return [(self.correlatable_key, key)]

    async def on_message(
        self, runtime_parameters: dict[str, VT], *args: Any, **kwargs: Any
    ) -> bool:
        payload = json.loads(args[0]) if args else {}
        if payload.get("status") != "READY":
            return False
        logger.info("Pizza Order is Ready")
        return True
        # --8<-- [end:ready-listener]


# --8<-- [start:order-process]
def pizza_ordering_process(process_name: str = "Order") -> IProcessTemplateDAGBuilder:
    """The Order process: send the order, then wait until it is ready."""
    dag_builder = DAGBuilderHelper(dagger_app=workflow_engine)
    root_task = dag_builder.build_and_link_tasks(
        [
            dag_builder.generic_command_task_builder(
                topic=ORDER_TOPIC,
                task_type=OrderCommandTask,
                process_name=process_name,
            ),
            dag_builder.generic_listener_task_builder(
                topic=READY_TOPIC,
                task_type=PizzaWaitForReadyListener,
                process_name=process_name,
            ),
        ]
    )
    return dag_builder.generic_process_builder(process_name=process_name, root_task=root_task)
    # --8<-- [end:order-process]


# --8<-- [start:step3]
# Step 3: the Delivery process.
class DeliveryCommandTask(ExecutorTask[str, str]):
    """POSTs the order to the delivery service."""

    async def execute(
        self, runtime_parameters: dict[str, VT], workflow_instance: ITask | None = None
    ) -> None:
        payload = {
            "order_id": runtime_parameters["order_id"],
            "customer_id": runtime_parameters["customer_id"],
        }
        # --8<-- [start:delivery-key]
        # The same key on every run of this task, a re-run after a worker crash included, so
        # that the delivery service can drop a duplicate POST (see "Delivery guarantees").
        workflow_id = workflow_instance.id if workflow_instance is not None else None
        headers = {"Idempotency-Key": f"{workflow_id}/{self.id}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url=settings.delivery_url, json=payload, headers=headers) as response,
        ):
            response.raise_for_status()
            # --8<-- [end:delivery-key]


def pizza_delivery_process(process_name: str = "Delivery") -> IProcessTemplateDAGBuilder:
    """The Delivery process: one executor task."""
    dag_builder = DAGBuilderHelper(dagger_app=workflow_engine)
    root_task = dag_builder.build_and_link_tasks(
        [
            dag_builder.generic_executor_task_builder(
                task_type=DeliveryCommandTask,
                name=process_name,
            )
        ]
    )
    return dag_builder.generic_process_builder(process_name=process_name, root_task=root_task)
    # --8<-- [end:step3]


# --8<-- [start:step4]
# Step 4: the order of the processes, registered as the "PizzaWorkflow" template.
@Dagger.register_template("PizzaWorkflow")
def register_pizza_workflow(template_name: str) -> ITemplateDAG:
    dag_builder_helper = DAGBuilderHelper(workflow_engine)
    order_process = dag_builder_helper.build_and_link_processes(
        [
            pizza_ordering_process(process_name="Order"),
            pizza_delivery_process(process_name="Delivery"),
        ]
    )
    return dag_builder_helper.generic_template(
        template_name=template_name, root_process=order_process
    )
    # --8<-- [end:step4]


# --8<-- [start:step5]
# Step 5: create and submit a workflow instance.
# --8<-- [start:workflow-id]
# The namespace of this application's workflow ids: a fixed UUID, generated once, never changed.
PIZZA_WORKFLOW_NAMESPACE = uuid.UUID("31a32b28-b868-45bf-9904-fdb9b234d808")


def pizza_workflow_id(order_id: str) -> uuid.UUID:
    """The id of the workflow of ``order_id``: the same order always gets the same id."""
    return uuid.uuid5(PIZZA_WORKFLOW_NAMESPACE, order_id)
    # --8<-- [end:workflow-id]


async def create_and_submit_pizza_delivery_workflow(
    order_id: str, customer_id: str, pizza_type: int
) -> ITemplateDAGInstance:
    """Start the pizza workflow of ``order_id`` on this worker, unless it exists already."""
    pizza_workflow_template = workflow_engine.template_dags["PizzaWorkflow"]
    pizza_workflow_instance = await pizza_workflow_template.create_instance(
        # From the business key, not uuid1(): order requests are processed at least once, and
        # a replayed request names the existing workflow, which the engine does not start again.
        pizza_workflow_id(order_id),
        # The README's call lacks this required argument (a TypeError in 0.2.6 too):
        # it names the runtime parameter whose value keys the workflow's partition.
        partition_key_lookup="order_id",
        repartition=False,  # Create this instance on the current worker
        order_id=order_id,
        customer_id=customer_id,
        pizza_type=pizza_type,
    )
    await workflow_engine.submit(pizza_workflow_instance, repartition=False)
    return pizza_workflow_instance
    # --8<-- [end:step5]


# --8<-- [start:order-requests]
# How orders reach the worker in this example: a request topic (the README leaves it open).
order_requests = workflow_engine.create_topic(ORDER_REQUESTS_TOPIC, value_type=bytes)


@workflow_engine.faust_app.agent(order_requests)
async def place_orders(stream: Any) -> None:
    """Start a workflow for every order request ``{"order_id", "customer_id", "pizza_type"}``."""
    async for value in stream:
        try:
            order = json.loads(value)
            await create_and_submit_pizza_delivery_workflow(
                order["order_id"], order["customer_id"], order["pizza_type"]
            )
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("skipping malformed order request %r: %s", value, exc)
            # --8<-- [end:order-requests]
