"""``repartition=True``: the workflow travels over the tasks topic to the worker that owns
the partition of its key, which stores it (and starts it when submitted).

Here the in-memory runtime records the send, and ``run_creations`` plays the receiving
worker. Run it: ``python docs/examples/repartition.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.exceptions.exceptions import TaskInvalidState
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import ExecutorTask, ITemplateDAGInstance
from dagger.templates.template import ITemplateDAG

workflow_engine = DocsEngine()


class Confirm(ExecutorTask[str, str]):
    """Confirms the order."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["confirmed"] = True


def order_template() -> ITemplateDAG:
    """One process, one task."""
    helper = DAGBuilderHelper(workflow_engine)
    task = helper.generic_executor_task_builder(task_type=Confirm, name="confirm").build()
    process = helper.generic_process_builder(process_name="Confirm", root_task=task)
    return helper.generic_template(template_name="Order", root_process=process)


async def main() -> dict[str, Any]:
    """Send a workflow for creation keyed by its order id; then forget the key."""
    with in_memory_runtime() as runtime:
        template = order_template()
        # --8<-- [start:run]
        workflow = await template.create_instance(
            uuid.uuid4(),
            partition_key_lookup="order_id",  # the runtime parameter that picks the worker
            repartition=True,  # send it to the worker owning partition_of("o-1")
            submit_task=True,  # start it there
            order_id="o-1",
        )
        # --8<-- [end:run]
        sent_keys = [key for key, _ in runtime.sent_for_creation]
        stored_before = runtime.stored(workflow.id)
        await runtime.run_creations()  # the owning worker receives it
        # --8<-- [start:missing]
        try:
            await template.create_instance(uuid.uuid4(), "order_id", repartition=True)
        except TaskInvalidState as error:  # also a KeyError, as in 0.2.6
            missing_key = str(error)
            # --8<-- [end:missing]
        return {
            "sent_keys": sent_keys,
            "stored_before": stored_before,
            "workflow": runtime.stored(workflow.id),
            "missing_key": missing_key,
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(result["sent_keys"], result["stored_before"], result["workflow"].status.code)
    print(result["missing_key"])
