"""Process-level parallel composites: whole processes side by side.

``tender``: two carriers are asked at once and the first to accept wins (ATLEAST_ONE).
``packing``: the number of parallel "pack" processes is set per use (JOIN_ALL).
Run it: ``python docs/examples/parallel_processes.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import ParallelCompositeProcessTemplateDagBuilder, TemplateDAG
from dagger.tasks.task import (
    ExecutorTask,
    ITemplateDAGInstance,
    KafkaListenerTask,
    TaskLookupKey,
    TaskOperator,
)
from dagger.templates.template import IProcessTemplateDAGBuilder, ITemplateDAG

workflow_engine = DocsEngine()


class CarrierAccepted(KafkaListenerTask[str, str]):
    """A carrier accepted the shipment ``{"shipment_id": ...}``."""

    correlatable_key = "shipment_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["shipment_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["carrier"] = self.topic
        return True


class LogStep(ExecutorTask[str, str]):
    """Records that its process ran."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters.setdefault("ran", []).append(self.task_name)


def carrier_process(helper: DAGBuilderHelper, carrier: str) -> IProcessTemplateDAGBuilder:
    """A process waiting for one carrier's acceptance topic."""
    wait = helper.generic_listener_task_builder(
        topic=f"{carrier}_accepted", task_type=CarrierAccepted, process_name=carrier
    ).build()
    return helper.generic_process_builder(process_name=carrier, root_task=wait)


def record_process(helper: DAGBuilderHelper, name: str) -> IProcessTemplateDAGBuilder:
    """A process running one ``LogStep`` task."""
    task = helper.generic_executor_task_builder(task_type=LogStep, name=name).build()
    return helper.generic_process_builder(process_name=name, root_task=task)


# --8<-- [start:tender]
def tender_template() -> ITemplateDAG:
    """Ask two carriers at once; book with the first that accepts."""
    helper = DAGBuilderHelper(workflow_engine)
    tender = (
        ParallelCompositeProcessTemplateDagBuilder(workflow_engine)
        .set_name("tender")
        .set_parallel_operator_type(TaskOperator.ATLEAST_ONE)
        .set_parallel_process_templates(carrier_process(helper, "carrier_a").build())
        .set_parallel_process_templates(carrier_process(helper, "carrier_b").build())
    )
    first = helper.build_and_link_processes([tender, record_process(helper, "book")])
    return helper.generic_template(template_name="Tender", root_process=first)
    # --8<-- [end:tender]


# --8<-- [start:packing]
def packing_template() -> TemplateDAG:
    """Pack boxes side by side (how many is set per use), then ship."""
    helper = DAGBuilderHelper(workflow_engine)
    packing = ParallelCompositeProcessTemplateDagBuilder(workflow_engine).set_name("packing")
    first = helper.build_and_link_processes([packing, record_process(helper, "ship")])
    template = helper.generic_template(template_name="Packing", root_process=first)
    assert isinstance(template, TemplateDAG)
    return template
    # --8<-- [end:packing]


async def main() -> dict[str, Any]:
    """Carrier B accepts first; then a three-box packing workflow."""
    with in_memory_runtime() as runtime:
        tender = await tender_template().create_instance(
            uuid.uuid4(), "shipment_id", repartition=False, submit_task=True, shipment_id="s-1"
        )
        await workflow_engine.deliver("carrier_b_accepted", json.dumps({"shipment_id": "s-1"}))

        # --8<-- [start:packing-run]
        packing = packing_template()
        helper = DAGBuilderHelper(workflow_engine)
        # Mutates the template: set it right before creating the instance that needs it.
        packing.set_given_num_of_parallel_processes_for_a_composite_process(
            3, "packing", record_process(helper, "pack")
        )
        boxes = await packing.create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
        )
        # --8<-- [end:packing-run]
        return {"tender": runtime.stored(tender.id), "packing": runtime.stored(boxes.id)}


if __name__ == "__main__":
    result = asyncio.run(main())
    for stored in result.values():
        print(stored.status.code, stored.runtime_parameters)
