"""Executor tasks: code that runs as soon as the workflow reaches the task.

Run it: ``python docs/examples/executor.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.executor.executor import SerialExecutorStrategy
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import ExecutorTask, ITemplateDAGInstance
from dagger.templates.template import ITemplateDAG

# In a service this is `workflow_engine = Dagger(broker=..., ...)`.
workflow_engine = DocsEngine()


# --8<-- [start:tasks]
class ReserveStock(ExecutorTask[str, str]):
    """Reserves the items of an order and records the reservation."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        # runtime_parameters is the workflow's one shared dict: later tasks see this value.
        runtime_parameters["reservation"] = f"R-{runtime_parameters['order_id']}"


class PrintLabel(ExecutorTask[str, str]):
    """Uses what the previous task left in the runtime parameters."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["label"] = f"{runtime_parameters['reservation']} / parcel 1"
        # --8<-- [end:tasks]


# --8<-- [start:template]
def warehouse_template(template_name: str = "Warehouse") -> ITemplateDAG:
    """One process, "Pick", running ReserveStock then PrintLabel."""
    helper = DAGBuilderHelper(workflow_engine)
    first_task = helper.build_and_link_tasks(
        [
            helper.generic_executor_task_builder(task_type=ReserveStock, name="reserve"),
            helper.generic_executor_task_builder(task_type=PrintLabel, name="label"),
        ]
    )
    pick = helper.generic_process_builder(process_name="Pick", root_task=first_task)
    return helper.generic_template(template_name=template_name, root_process=pick)
    # --8<-- [end:template]


async def main() -> ITemplateDAGInstance | None:
    """Create one workflow, submit it, and return it as stored."""
    with in_memory_runtime() as runtime:
        template = warehouse_template()
        # --8<-- [start:run]
        workflow = await template.create_instance(
            uuid.uuid4(),
            partition_key_lookup="order_id",
            repartition=False,  # create it on this worker
            order_id="o-1",  # every extra keyword becomes a runtime parameter
        )
        # In a service: await workflow_engine.submit(workflow, repartition=False)
        await SerialExecutorStrategy(workflow_engine).submit(workflow, repartition=False)
        # --8<-- [end:run]
        return runtime.stored(workflow.id)


if __name__ == "__main__":
    print(asyncio.run(main()))
