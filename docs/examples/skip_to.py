"""``allow_skip_to``: a message for a later listener skips the tasks before it.

The parcel is reported delivered before anyone reported it shipped: the "shipped" listener
is SKIPPED and the workflow completes. Run it: ``python docs/examples/skip_to.py``.
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


class ParcelEvent(KafkaListenerTask[str, str]):
    """Completes on any event ``{"parcel_id": ...}`` for this workflow's parcel."""

    correlatable_key = "parcel_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["parcel_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


class Shipped(ParcelEvent):
    """The parcel left the warehouse."""


class Delivered(ParcelEvent):
    """The parcel reached the customer."""


# --8<-- [start:template]
def tracking_template() -> ITemplateDAG:
    """Wait for "shipped", then for "delivered"; "delivered" may skip ahead."""
    helper = DAGBuilderHelper(workflow_engine)
    first_task = helper.build_and_link_tasks(
        [
            helper.generic_listener_task_builder(
                topic="parcel_shipped", task_type=Shipped, process_name="Shipped"
            ),
            helper.generic_listener_task_builder(
                topic="parcel_delivered",
                task_type=Delivered,
                process_name="Delivered",
                allow_skip_to=True,  # a message may arrive before the task is reached
            ),
        ]
    )
    track = helper.generic_process_builder(process_name="Track", root_task=first_task)
    return helper.generic_template(template_name="Tracking", root_process=track)
    # --8<-- [end:template]


async def main() -> ITemplateDAGInstance | None:
    """Deliver "delivered" while the workflow still waits for "shipped"."""
    with in_memory_runtime() as runtime:
        workflow = await tracking_template().create_instance(
            uuid.uuid4(), "parcel_id", repartition=False, submit_task=True, parcel_id="p-1"
        )
        await workflow_engine.deliver("parcel_delivered", json.dumps({"parcel_id": "p-1"}))
        return runtime.stored(workflow.id)


if __name__ == "__main__":
    stored = asyncio.run(main())
    assert stored is not None
    print({t.task_name: t.status.code for t in stored.tasks.values()})
