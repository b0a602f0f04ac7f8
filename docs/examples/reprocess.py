"""``reprocess_on_message``: a completed listener keeps taking its messages.

The price listener completes on the first quote; later quotes still reach its ``on_message``
while the workflow waits for approval. Run it: ``python docs/examples/reprocess.py``.
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


class QuoteEvent(KafkaListenerTask[str, str]):
    """Correlated by ``quote_id``."""

    correlatable_key = "quote_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["quote_id"])]


# --8<-- [start:listener]
class PriceQuoted(QuoteEvent):
    """Records the latest price; runs again for every later quote."""

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["price"] = json.loads(args[0])["price"]
        runtime_parameters["quotes"] = runtime_parameters.get("quotes", 0) + 1
        return True
        # --8<-- [end:listener]


class Approved(QuoteEvent):
    """The customer accepted the price."""

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["approved_price"] = runtime_parameters["price"]
        return True


# --8<-- [start:template]
def quote_template() -> ITemplateDAG:
    """Wait for a price (re-processing later prices), then for the approval."""
    helper = DAGBuilderHelper(workflow_engine)
    first_task = helper.build_and_link_tasks(
        [
            helper.generic_listener_task_builder(
                topic="prices",
                task_type=PriceQuoted,
                process_name="Price",
                reprocess_on_message=True,
            ),
            helper.generic_listener_task_builder(
                topic="approvals", task_type=Approved, process_name="Approve"
            ),
        ]
    )
    quote = helper.generic_process_builder(process_name="Quote", root_task=first_task)
    return helper.generic_template(template_name="Quote", root_process=quote)
    # --8<-- [end:template]


async def main() -> ITemplateDAGInstance | None:
    """Two prices, then the approval."""
    with in_memory_runtime() as runtime:
        workflow = await quote_template().create_instance(
            uuid.uuid4(), "quote_id", repartition=False, submit_task=True, quote_id="q-1"
        )
        for price in (10, 12):
            await workflow_engine.deliver("prices", json.dumps({"quote_id": "q-1", "price": price}))
        await workflow_engine.deliver("approvals", json.dumps({"quote_id": "q-1"}))
        return runtime.stored(workflow.id)


if __name__ == "__main__":
    stored = asyncio.run(main())
    assert stored is not None
    print(stored.status.code, stored.runtime_parameters)
