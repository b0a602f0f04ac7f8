"""Kafka command and listener tasks: send a command, then wait for the correlated reply.

One message may address several workflows: here one scan event lists two parcels and
completes both workflows. Run it: ``python docs/examples/kafka_tasks.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import (
    ITemplateDAGInstance,
    KafkaCommandTask,
    KafkaListenerTask,
    TaskLookupKey,
)
from dagger.templates.template import ITemplateDAG

# In a service this is `workflow_engine = Dagger(broker=..., ...)`.
workflow_engine = DocsEngine()


# --8<-- [start:command]
class RequestPickup(KafkaCommandTask[str, str]):
    """Asks the carrier to pick a parcel up, on the task's topic."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        parcel_id = runtime_parameters["parcel_id"]
        # self.topic is the topic's name; the engine holds the topic object.
        await workflow_engine.topics[self.topic].send(
            key=parcel_id,  # key replies by the same value: they land on the same partition
            value=json.dumps({"parcel_id": parcel_id, "address": runtime_parameters["address"]}),
        )
        # --8<-- [end:command]


# --8<-- [start:listener]
class ParcelScanned(KafkaListenerTask[str, str]):
    """Waits for a scan event naming this workflow's parcel."""

    # The runtime parameter this listener is correlated by.
    correlatable_key = "parcel_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        # One (attribute, value) pair per parcel: one event can complete many workflows.
        event = json.loads(payload)
        return [(self.correlatable_key, parcel) for parcel in event["parcel_ids"]]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        event = json.loads(args[0])  # the message value
        runtime_parameters["scanned_at"] = event["at"]
        return True  # complete the task; False keeps it waiting
        # --8<-- [end:listener]


# --8<-- [start:template]
def shipping_template() -> ITemplateDAG:
    """One process: send the pickup request, then wait for the scan."""
    helper = DAGBuilderHelper(workflow_engine)
    first_task = helper.build_and_link_tasks(
        [
            helper.generic_command_task_builder(
                topic="carrier_pickups", task_type=RequestPickup, process_name="Ship"
            ),
            helper.generic_listener_task_builder(
                topic="parcel_scans", task_type=ParcelScanned, process_name="Ship"
            ),
        ]
    )
    ship = helper.generic_process_builder(process_name="Ship", root_task=first_task)
    return helper.generic_template(template_name="Shipping", root_process=ship)
    # --8<-- [end:template]


async def main() -> dict[str, Any]:
    """Start two workflows, deliver scan events, return what happened."""
    with in_memory_runtime() as runtime:
        template = shipping_template()
        workflows = [
            await template.create_instance(
                uuid.uuid4(),
                "parcel_id",
                repartition=False,
                submit_task=True,
                parcel_id=parcel,
                address="1 Main St",
            )
            for parcel in ("p-1", "p-2")
        ]
        waiting = [runtime.stored(w.id) for w in workflows]
        # --8<-- [start:deliver]
        # The engine's consumer of "parcel_scans" does this for every message.
        unrelated = await workflow_engine.deliver(
            "parcel_scans", json.dumps({"parcel_ids": ["p-9"], "at": "09:00"})
        )
        both = await workflow_engine.deliver(
            "parcel_scans", json.dumps({"parcel_ids": ["p-1", "p-2"], "at": "09:30"})
        )
        # --8<-- [end:deliver]
        return {
            "sent": workflow_engine.sent("carrier_pickups"),
            "waiting": waiting,
            "processed": [unrelated, both],
            "workflows": [runtime.stored(w.id) for w in workflows],
            "index": dict(runtime.index),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    print("sent:", result["sent"])
    print("processed:", result["processed"])
    print("statuses:", [w.status.code for w in result["workflows"]])
