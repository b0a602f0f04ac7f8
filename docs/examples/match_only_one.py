"""``match_only_one``: a message is taken by the first waiting task only.

Two orders wait for a courier in the same zone; one "courier available" message serves the
order that started waiting first. Run it: ``python docs/examples/match_only_one.py``.
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


# --8<-- [start:listener]
class CourierAvailable(KafkaListenerTask[str, str]):
    """Takes a courier offered in the order's zone."""

    correlatable_key = "zone"
    match_only_one = True  # one courier, one order

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["zone"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["courier"] = json.loads(args[0])["courier"]
        return True
        # --8<-- [end:listener]


def dispatch_template() -> ITemplateDAG:
    """One process: wait for a courier."""
    helper = DAGBuilderHelper(workflow_engine)
    wait = helper.generic_listener_task_builder(
        topic="couriers", task_type=CourierAvailable, process_name="Assign"
    ).build()
    assign = helper.generic_process_builder(process_name="Assign", root_task=wait)
    return helper.generic_template(template_name="Dispatch", root_process=assign)


async def main() -> dict[str, Any]:
    """Two orders in zone z-1, one courier."""
    with in_memory_runtime() as runtime:
        template = dispatch_template()
        first, second = [
            await template.create_instance(
                uuid.uuid4(), "zone", repartition=False, submit_task=True, zone="z-1", order=n
            )
            for n in (1, 2)
        ]
        taken = await workflow_engine.deliver(
            "couriers", json.dumps({"zone": "z-1", "courier": "c-42"})
        )
        return {
            "taken": taken,
            "first": runtime.stored(first.id),
            "second": runtime.stored(second.id),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(result["taken"], result["first"].status.code, result["second"].status.code)
