"""The pizza example end to end: worker subprocess, simulated services, session broker."""

from __future__ import annotations

from dagger.devbroker import DevBroker
from examples.pizza.demo import run_demo, verdict
from examples.pizza.orders import order_body

ORDERS = 10


async def test_every_order_is_delivered_once_and_every_workflow_completes(
    dev_broker: DevBroker,
) -> None:
    result = await run_demo(dev_broker.url, ORDERS, timeout=60, show=False)

    expected = {
        str(body["order_id"]): {"order_id": body["order_id"], "customer_id": body["customer_id"]}
        for body in map(order_body, range(1, ORDERS + 1))
    }
    delivered = [delivery.body for delivery in result.deliveries]
    assert sorted(delivered, key=lambda body: body["order_id"]) == list(expected.values())

    by_order = {i["runtime_parameters"]["order_id"]: i for i in result.instances}
    assert sorted(by_order) == sorted(expected)
    assert {i["status"]["code"] for i in result.instances} == {"COMPLETED"}
    assert len(result.instances) == ORDERS
    for instance in result.instances:
        assert instance["template_name"] == "PizzaWorkflow"
        # Every task (two processes, their three leaf tasks) ended COMPLETED: none skipped.
        assert len(instance["tasks"]) == 5
        assert {t["status"]["code"] for t in instance["tasks"].values()} == {"COMPLETED"}
    assert verdict(result.progress, result.instances, ORDERS) == 0
