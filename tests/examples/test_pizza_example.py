"""The pizza example end to end: worker subprocess, simulated services, session broker."""

from __future__ import annotations

import uuid

from dagger.devbroker import DevBroker
from examples.pizza.demo import DemoResult, run_demo, verdict
from examples.pizza.orders import order_body

ORDERS = 10
#: The namespace of examples/pizza/workflow.py, repeated here: importing that module would
#: construct the example's engine in the test process.
PIZZA_WORKFLOW_NAMESPACE = uuid.UUID("31a32b28-b868-45bf-9904-fdb9b234d808")


def assert_each_order_delivered_once_and_completed(result: DemoResult) -> None:
    expected = {
        str(body["order_id"]): {"order_id": body["order_id"], "customer_id": body["customer_id"]}
        for body in (order_body(n, result.batch) for n in range(1, ORDERS + 1))
    }
    delivered = [delivery.body for delivery in result.deliveries]
    assert sorted(delivered, key=lambda body: body["order_id"]) == list(expected.values())

    by_order = {i["runtime_parameters"]["order_id"]: i for i in result.instances}
    assert sorted(by_order) == sorted(expected)
    assert {i["status"]["code"] for i in result.instances} == {"COMPLETED"}
    assert len(result.instances) == ORDERS
    keys = {delivery.order_id: delivery.idempotency_key for delivery in result.deliveries}
    for order_id, instance in by_order.items():
        assert instance["template_name"] == "PizzaWorkflow"
        # The delivery POST names its workflow and task, for the service to deduplicate on.
        workflow_id, task_id = str(keys[order_id]).split("/")
        assert workflow_id == instance["id"]
        assert instance["tasks"][task_id]["task_name"].endswith("Delivery_executor_task")
        # The workflow id comes from the business key, so a replayed request finds it.
        assert instance["id"] == str(uuid.uuid5(PIZZA_WORKFLOW_NAMESPACE, order_id))
        # Every task (two processes, their three leaf tasks) ended COMPLETED: none skipped.
        assert len(instance["tasks"]) == 5
        assert {t["status"]["code"] for t in instance["tasks"].values()} == {"COMPLETED"}
    # The order service received each order once (a second start would send it again).
    assert result.progress.ordered == {order_id: 1 for order_id in result.progress.placed_at}
    assert verdict(result.progress, result.instances, ORDERS) == 0


async def test_every_order_is_delivered_once_and_every_workflow_completes(
    dev_broker: DevBroker,
) -> None:
    result = await run_demo(dev_broker.url, ORDERS, timeout=60, show=False)
    assert_each_order_delivered_once_and_completed(result)


async def test_a_replayed_order_request_starts_no_second_workflow(dev_broker: DevBroker) -> None:
    # Every order request arrives twice, as the uncommitted tail does after a worker crash.
    result = await run_demo(dev_broker.url, ORDERS, timeout=60, show=False, copies=2)
    # One workflow per order: the second request of each was a no-op. A second start of the
    # same order would have sent the order to the order service a second time.
    assert_each_order_delivered_once_and_completed(result)
