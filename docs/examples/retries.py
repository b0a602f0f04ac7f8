"""Retrying a failing task: a policy per task, backoff between attempts, errors that fail at once.

The engine fires each retry's trigger when it is due; here the in-memory runtime's clock is
moved by hand and ``run_due_triggers`` plays the engine's timer.
Run it: ``python docs/examples/retries.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.retry import RetryPolicy
from dagger.tasks.task import ExecutorTask, ITemplateDAGInstance
from dagger.templates.template import ITemplateDAG

workflow_engine = DocsEngine()


# --8<-- [start:tasks]
class CardDeclined(ValueError):
    """Retrying will not help: the policy lists it as non-retryable."""


class ReserveStock(ExecutorTask[str, str]):
    """The stock service times out twice, then answers."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        if self.attempt < 3:  # 1 on the first run, 2 on the first retry...
            raise TimeoutError("stock service did not answer")
        runtime_parameters["reserved"] = True


class ChargeCard(ExecutorTask[str, str]):
    """The card is declined: no retry, the task fails at once."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        raise CardDeclined(f"card declined for order {runtime_parameters['order_id']}")
        # --8<-- [end:tasks]


# --8<-- [start:template]
POLICY = RetryPolicy(
    maximum_attempts=5,  # the first run and up to 4 retries
    initial_interval=2.0,  # seconds before the first retry...
    backoff_coefficient=2.0,  # ...then 4, 8, ...
    maximum_interval=60.0,  # ...never more than a minute
    non_retryable_errors=("CardDeclined",),  # fail at once (subclasses too)
)


def order_template() -> ITemplateDAG:
    """One process: ReserveStock, then ChargeCard, both under ``POLICY``."""
    helper = DAGBuilderHelper(workflow_engine)
    first_task = helper.build_and_link_tasks(
        [
            helper.generic_executor_task_builder(
                task_type=ReserveStock, name="reserve", retry_policy=POLICY
            ),
            helper.generic_executor_task_builder(
                task_type=ChargeCard, name="charge", retry_policy=POLICY
            ),
        ]
    )
    process = helper.generic_process_builder(process_name="Order", root_task=first_task)
    return helper.generic_template(template_name="Order", root_process=process)
    # --8<-- [end:template]


async def main() -> dict[str, Any]:
    """Run one order, firing each retry when it is due; return what happened."""
    with in_memory_runtime() as runtime:
        workflow = await order_template().create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-9"
        )
        waiting = runtime.stored(workflow.id)
        delays = []
        while runtime.triggers:
            [trigger] = runtime.triggers.values()
            delays.append(trigger.trigger_time - runtime.now())
            runtime.clock.set(trigger.trigger_time)
            await runtime.run_due_triggers()
        return {"waiting": waiting, "delays": delays, "workflow": runtime.stored(workflow.id)}


if __name__ == "__main__":
    result = asyncio.run(main())
    print("waited", result["delays"], "seconds between attempts")
    for task in result["workflow"].tasks.values():
        print(task.task_name, task.status.code, task.attempt, task.last_error)
