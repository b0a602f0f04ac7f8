"""Stopping a workflow: every unfinished task becomes STOPPED and the workflow is saved.

Run it: ``python docs/examples/stop.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import ITemplateDAGInstance, KafkaListenerTask, TaskLookupKey
from dagger.templates.template import ITemplateDAG

workflow_engine = DocsEngine()


# --8<-- [start:listener]
class PaymentReceived(KafkaListenerTask[str, str]):
    """Waits for the payment; cancels the payment link when the workflow is stopped."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True

    async def stop(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        # Called for tasks that are EXECUTING when their workflow is stopped.
        runtime_parameters["payment_link"] = "cancelled"
        # --8<-- [end:listener]


def payment_template() -> ITemplateDAG:
    """One process waiting for the payment."""
    helper = DAGBuilderHelper(workflow_engine)
    wait = helper.generic_listener_task_builder(
        topic="payments", task_type=PaymentReceived, process_name="Pay"
    ).build()
    process = helper.generic_process_builder(process_name="Pay", root_task=wait)
    return helper.generic_template(template_name="Payment", root_process=process)


async def main() -> dict[str, Any]:
    """Stop a waiting workflow, then send the payment it no longer waits for."""
    with in_memory_runtime() as runtime:
        created = await payment_template().create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
        )
        # --8<-- [start:stop]
        # In a service: workflow = await workflow_engine.get_instance(workflow_id)
        workflow = await runtime.load_workflow(created.id)
        assert workflow is not None
        await workflow.stop(workflow.runtime_parameters, workflow)  # saves the workflow
        # --8<-- [end:stop]
        late = await workflow_engine.deliver("payments", json.dumps({"order_id": "o-1"}))
        return {"workflow": runtime.stored(created.id), "late": late, "index": dict(runtime.index)}


if __name__ == "__main__":
    result = asyncio.run(main())
    stored = result["workflow"]
    print(stored.status.code, stored.runtime_parameters, result["late"])
