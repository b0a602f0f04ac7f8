"""Timeouts: a listener that stops waiting, and a workflow that may only run so long.

Run it: ``python docs/examples/timeouts.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import DefaultTemplateBuilder
from dagger.tasks.task import ExecutorTask, ITemplateDAGInstance, KafkaListenerTask, TaskLookupKey
from dagger.templates.template import ITemplateDAG, KafkaListenerTaskTemplateBuilder

workflow_engine = DocsEngine()


class WaitForCourier(KafkaListenerTask[str, str]):
    """Completes when the courier confirms the pickup of the order."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, payload["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["courier"] = args[0]["courier"]
        return True


class CallCustomer(ExecutorTask[str, str]):
    """Runs after the wait, whether the courier answered or not."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["called"] = runtime_parameters.get("courier") is None


def pickup_template() -> ITemplateDAG:
    """Wait up to 30 minutes for the courier (then skip the wait), then call the customer."""
    helper = DAGBuilderHelper(workflow_engine)
    # --8<-- [start:listener]
    wait = (
        KafkaListenerTaskTemplateBuilder(workflow_engine)
        .set_name("courier")
        .set_type(WaitForCourier)
        .set_topic(workflow_engine.create_topic("pickups"))
        .set_timeout(30 * 60, on_timeout="skip")  # or "fail" (the default)
    )
    # --8<-- [end:listener]
    call = helper.generic_executor_task_builder(task_type=CallCustomer, name="call")
    process = helper.generic_process_builder(
        process_name="Pickup", root_task=helper.build_and_link_tasks([wait, call])
    )
    return helper.generic_template(template_name="Pickup", root_process=process)


def delivery_template() -> ITemplateDAG:
    """Wait for the delivery (``fail`` on timeout); the whole workflow may take 2 hours."""
    helper = DAGBuilderHelper(workflow_engine)
    # --8<-- [start:workflow]
    wait = helper.generic_listener_task_builder(
        topic="deliveries", task_type=WaitForCourier, process_name="Deliver", timeout=4 * 3600
    )
    process = helper.generic_process_builder(
        process_name="Deliver", root_task=helper.build_and_link_tasks([wait])
    )
    return (
        DefaultTemplateBuilder(workflow_engine)
        .set_name("Delivery")
        .set_root(process.build())
        .set_execution_timeout(2 * 3600)  # every unfinished task STOPPED, workflow FAILURE
        .build()
    )
    # --8<-- [end:workflow]


async def main() -> dict[str, Any]:
    """Let the pickup wait time out, and the delivery workflow run out of time."""
    with in_memory_runtime() as runtime:
        pickup = await pickup_template().create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
        )
        delivery = await delivery_template().create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-2"
        )
        runtime.clock.advance(30 * 60)
        fired = [await runtime.run_due_triggers()]  # the pickup wait ends
        runtime.clock.advance(90 * 60)
        fired.append(await runtime.run_due_triggers())  # the delivery workflow's deadline
        late = await workflow_engine.deliver("pickups", {"order_id": "o-1", "courier": "c-7"})
        return {
            "pickup": runtime.stored(pickup.id),
            "delivery": runtime.stored(delivery.id),
            "fired": fired,
            "late": late,
            "index": dict(runtime.index),
            "triggers": dict(runtime.triggers),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    for name in ("pickup", "delivery"):
        workflow = result[name]
        print(name, workflow.status.code, workflow.message)
        for task in workflow.tasks.values():
            print("   ", task.task_name, task.status.code, task.message)
