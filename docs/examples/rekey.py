"""Correlation follows the runtime parameters: a task may change the value a later listener
is correlated by, and the listener is then matched on the new value.

Run it: ``python docs/examples/rekey.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import KafkaListenerTask, TaskLookupKey
from dagger.templates.template import ITemplateDAG

workflow_engine = DocsEngine()


# --8<-- [start:listeners]
class PaymentReceived(KafkaListenerTask[str, str]):
    """Correlated by order; the payment names the box the order is packed in."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["box_id"] = json.loads(args[0])["box_id"]  # re-keys BoxPacked
        return True


class BoxPacked(KafkaListenerTask[str, str]):
    """Correlated by box: matched on whatever ``box_id`` holds when the message arrives."""

    correlatable_key = "box_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["box_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True
        # --8<-- [end:listeners]


def fulfilment_template() -> ITemplateDAG:
    """Wait for the payment, then for the box."""
    helper = DAGBuilderHelper(workflow_engine)
    first_task = helper.build_and_link_tasks(
        [
            helper.generic_listener_task_builder(
                topic="payments", task_type=PaymentReceived, process_name="Pay"
            ),
            helper.generic_listener_task_builder(
                topic="boxes", task_type=BoxPacked, process_name="Pack"
            ),
        ]
    )
    process = helper.generic_process_builder(process_name="Fulfil", root_task=first_task)
    return helper.generic_template(template_name="Fulfilment", root_process=process)


async def main() -> dict[str, Any]:
    """The box id starts as a placeholder and is replaced by the payment."""
    with in_memory_runtime() as runtime:
        workflow = await fulfilment_template().create_instance(
            uuid.uuid4(),
            "order_id",
            repartition=False,
            submit_task=True,
            order_id="o-1",
            box_id="unassigned",
        )
        await workflow_engine.deliver("payments", json.dumps({"order_id": "o-1", "box_id": "b-7"}))
        old_key = await workflow_engine.deliver("boxes", json.dumps({"box_id": "unassigned"}))
        new_key = await workflow_engine.deliver("boxes", json.dumps({"box_id": "b-7"}))
        return {
            "old_key": old_key,
            "new_key": new_key,
            "workflow": runtime.stored(workflow.id),
            "index": dict(runtime.index),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(result["old_key"], result["new_key"], result["workflow"].status.code, result["index"])
