"""What happens when a task fails: it ends FAILURE, with the error recorded, and the workflow
moves on (0.2.6 semantics: a FAILURE does not halt a workflow).

Run it: ``python docs/examples/failures.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import ExecutorTask, ITemplateDAGInstance, TaskStatus, TaskStatusEnum
from dagger.templates.template import ITemplateDAG

workflow_engine = DocsEngine()


# --8<-- [start:tasks]
class ChargeCard(ExecutorTask[str, str]):
    """Raises: the task ends FAILURE and ``message`` holds ``"<ExceptionType>: <text>"``."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        raise ValueError(f"card declined for order {runtime_parameters['order_id']}")


class CheckAddress(ExecutorTask[str, str]):
    """Ends FAILURE without raising, by setting its own status."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        if not runtime_parameters.get("address"):
            self.message = "no address"
            failed = TaskStatusEnum.FAILURE.name
            self.status = TaskStatus(code=failed, value=failed)


class NotifyCustomer(ExecutorTask[str, str]):
    """Still runs after the failures above."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["notified"] = True
        # --8<-- [end:tasks]


def checkout_template() -> ITemplateDAG:
    """One process: ChargeCard, CheckAddress, NotifyCustomer."""
    helper = DAGBuilderHelper(workflow_engine)
    first_task = helper.build_and_link_tasks(
        [
            helper.generic_executor_task_builder(task_type=ChargeCard, name="charge"),
            helper.generic_executor_task_builder(task_type=CheckAddress, name="address"),
            helper.generic_executor_task_builder(task_type=NotifyCustomer, name="notify"),
        ]
    )
    process = helper.generic_process_builder(process_name="Checkout", root_task=first_task)
    return helper.generic_template(template_name="Checkout", root_process=process)


async def main() -> ITemplateDAGInstance | None:
    """Run one checkout workflow; return it as stored."""
    with in_memory_runtime() as runtime:
        workflow = await checkout_template().create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-7"
        )
        return runtime.stored(workflow.id)


if __name__ == "__main__":
    stored = asyncio.run(main())
    assert stored is not None
    for task in stored.tasks.values():
        print(task.task_name, task.status.code, task.message)
