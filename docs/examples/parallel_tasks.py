"""A task-level parallel composite: children started together, joined by an operator.

With ATLEAST_ONE the composite completes as soon as one child has ended; with JOIN_ALL
(the default) when every child has. Run it: ``python docs/examples/parallel_tasks.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import (
    ExecutorTask,
    ITemplateDAGInstance,
    KafkaListenerTask,
    TaskLookupKey,
    TaskOperator,
)
from dagger.templates.template import ITemplateDAG, ParallelCompositeTaskTemplateBuilder

workflow_engine = DocsEngine()


# --8<-- [start:tasks]
class AskSupplier(ExecutorTask[str, str]):
    """Asks one supplier for a quote (recorded instead of sent)."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters.setdefault("asked", []).append(self.task_name)


class ManualQuote(KafkaListenerTask[str, str]):
    """A quote typed in by a buyer; not needed when a supplier already answered."""

    correlatable_key = "request_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["request_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


class PlaceOrder(ExecutorTask[str, str]):
    """Runs once the composite has completed."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["ordered"] = True
        # --8<-- [end:tasks]


# --8<-- [start:template]
def sourcing_template() -> ITemplateDAG:
    """Two supplier requests and a manual quote side by side; the first to end wins."""
    helper = DAGBuilderHelper(workflow_engine)
    ask = helper.generic_executor_task_builder(task_type=AskSupplier, name="ask").build()
    manual = helper.generic_listener_task_builder(
        topic="manual_quotes", task_type=ManualQuote, process_name="manual"
    ).build()
    place = helper.generic_executor_task_builder(task_type=PlaceOrder, name="place").build()
    quotes = (
        ParallelCompositeTaskTemplateBuilder(workflow_engine, 2, ask)  # two copies of "ask"
        .add_parallel_task(manual)
        .set_name("quotes")
        .set_task_operator(TaskOperator.ATLEAST_ONE)
        .set_next(place)
        .build()
    )
    process = helper.generic_process_builder(process_name="Source", root_task=quotes)
    return helper.generic_template(template_name="Sourcing", root_process=process)
    # --8<-- [end:template]


async def main() -> dict[str, Any]:
    """The suppliers answer at once, so the manual quote is never needed."""
    with in_memory_runtime() as runtime:
        workflow = await sourcing_template().create_instance(
            uuid.uuid4(), "request_id", repartition=False, submit_task=True, request_id="r-1"
        )
        # A late manual quote finds nothing: the ended workflow left the correlation index.
        late = await workflow_engine.deliver("manual_quotes", json.dumps({"request_id": "r-1"}))
        return {"workflow": runtime.stored(workflow.id), "late": late, "index": runtime.index}


if __name__ == "__main__":
    result = asyncio.run(main())
    stored = result["workflow"]
    print(stored.status.code, [(t.task_name, t.status.code) for t in stored.tasks.values()])
