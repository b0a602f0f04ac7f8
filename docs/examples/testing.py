"""Unit-testing a service's workflows with ``dagger.testing.WorkflowTestEnvironment``.

The service's own engine and template, a command task, a listener and a one-hour reminder;
the test starts a workflow, checks the command sent, delivers the reply, skips the hour and
reads the statuses back, all in milliseconds. Run it: ``python docs/examples/testing.py``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from _support import START, DocsEngine

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import KafkaCommandTask, KafkaListenerTask, TaskLookupKey, TriggerTask
from dagger.templates.template import ITemplateDAG, TriggerTaskTemplateBuilder
from dagger.testing import WorkflowTestEnvironment

# In a service this is `workflow_engine = Dagger(broker=..., ...)`.
workflow_engine = DocsEngine()


class ReserveStock(KafkaCommandTask[str, str]):
    """Asks the warehouse to reserve the order's items."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        order_id = runtime_parameters["order_id"]
        await workflow_engine.topics[self.topic].send(
            key=order_id, value=json.dumps({"order_id": order_id})
        )


class StockReserved(KafkaListenerTask[str, str]):
    """Waits for the warehouse's answer."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["shelf"] = json.loads(args[0])["shelf"]
        return True


class RemindCustomer(TriggerTask[str, str]):
    """Runs an hour after the order (``remind_at``)."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["reminded"] = True


def order_template() -> ITemplateDAG:
    helper = DAGBuilderHelper(workflow_engine)
    tasks = helper.build_and_link_tasks(
        [
            helper.generic_command_task_builder(
                topic="reserve_stock", task_type=ReserveStock, process_name="stock"
            ),
            helper.generic_listener_task_builder(
                topic="stock_reserved", task_type=StockReserved, process_name="stock"
            ),
            TriggerTaskTemplateBuilder(workflow_engine)
            .set_name("remind")
            .set_type(RemindCustomer)
            .set_time_to_execute_lookup_key("remind_at"),
        ]
    )
    process = helper.generic_process_builder(process_name="Order", root_task=tasks)
    return helper.generic_template(template_name="Order", root_process=process)


async def main() -> dict[str, Any]:
    """What a service's test looks like: the body of an ``async def test_...`` under pytest."""
    # --8<-- [start:test]
    async with WorkflowTestEnvironment(workflow_engine, start=START) as env:
        order_id = await env.start(order_template(), order_id="o-1", remind_at=START + 3600)

        # The command task sent its request (recorded, not produced to Kafka).
        [request] = env.sent("reserve_stock")
        assert (request.key, json.loads(request.value)) == ("o-1", {"order_id": "o-1"})
        assert "dagger-idempotency-key" in request.headers
        assert env.status_of(order_id, "stock_listener_task") == "EXECUTING"

        # The warehouse answers on the listener's topic.
        taken = await env.deliver("stock_reserved", json.dumps({"order_id": "o-1", "shelf": "B4"}))
        assert taken == 1
        assert env.status_of(order_id, "remind") == "EXECUTING"  # waiting for its hour

        # An hour passes in no time: the reminder fires at its own time.
        fired = await env.advance(3600)
        assert fired == 1
        assert env.status_of(order_id) == "COMPLETED"
        assert env.instance(order_id).runtime_parameters["shelf"] == "B4"
        # --8<-- [end:test]
        return {
            "workflow": env.instance(order_id),
            "sent": env.sent("reserve_stock"),
            "now": env.now(),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(result["workflow"].status.code, result["workflow"].runtime_parameters)
