"""Trigger and interval tasks: work that runs at a time, or every so often.

The engine fires due triggers within a fraction of a second; here a
``dagger.testing.WorkflowTestEnvironment`` moves a fake clock and fires them in due order.
Run it: ``python docs/examples/timers.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from _support import START, DocsEngine

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import IntervalTask, ITemplateDAGInstance, TriggerTask
from dagger.templates.template import (
    IntervalTaskTemplateBuilder,
    ITemplateDAG,
    TriggerTaskTemplateBuilder,
)
from dagger.testing import WorkflowTestEnvironment

workflow_engine = DocsEngine()


# --8<-- [start:tasks]
class SendReminder(TriggerTask[str, str]):
    """Runs once, at the time held in the ``remind_at`` runtime parameter."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["reminded"] = True


class PollPayment(IntervalTask[str, str]):
    """Asks the payment provider every ``poll_every`` seconds until the payment settles."""

    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        runtime_parameters["polls"] = runtime_parameters.get("polls", 0) + 1
        return runtime_parameters["polls"] >= 3  # True: finished, run execute and complete

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["settled"] = runtime_parameters["polls"] >= 3
        # --8<-- [end:tasks]


# --8<-- [start:template]
def payment_template() -> ITemplateDAG:
    """Remind at ``remind_at``, then poll until settled or ``give_up_at``."""
    helper = DAGBuilderHelper(workflow_engine)
    remind = (
        TriggerTaskTemplateBuilder(workflow_engine)
        .set_name("remind")
        .set_type(SendReminder)
        .set_time_to_execute_lookup_key("remind_at")  # epoch seconds
    )
    poll = (
        IntervalTaskTemplateBuilder(workflow_engine)
        .set_name("poll")
        .set_type(PollPayment)
        .set_interval_execute_period_lookup_key("poll_every")  # seconds
        .set_time_to_force_complete_lookup_key("give_up_at")  # epoch seconds
    )
    first_task = helper.build_and_link_tasks([remind, poll])
    process = helper.generic_process_builder(process_name="Collect", root_task=first_task)
    return helper.generic_template(template_name="Payment", root_process=process)
    # --8<-- [end:template]


async def main() -> dict[str, Any]:
    """Walk the clock through the reminder and three polls."""
    # --8<-- [start:run]
    async with WorkflowTestEnvironment(workflow_engine, start=START) as env:
        workflow_id = await env.start(
            payment_template(),
            order_id="o-1",
            remind_at=START + 3600,  # in an hour
            poll_every=60,
            give_up_at=START + 86400,  # tomorrow
        )
        before = env.instance(workflow_id)
        fired = [await env.advance(3600)]  # the reminder, then the first poll at once
        fired += [await env.advance(60), await env.advance(60)]  # two more polls
        assert env.status_of(workflow_id) == "COMPLETED"
        # --8<-- [end:run]
        return {
            "before": before,
            "fired": fired,
            "workflow": env.instance(workflow_id),
            "triggers": dict(env.runtime.triggers),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(result["fired"], result["workflow"].status.code, result["workflow"].runtime_parameters)
