"""Deadlines on processes: ``max_run_duration`` skips a process that takes too long;
a monitored process reports one still running at ``complete_by_time``.

Run it: ``python docs/examples/deadlines.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import (
    DefaultMonitoringTask,
    ExecutorTask,
    ITask,
    ITemplateDAGInstance,
    KafkaListenerTask,
    MonitoredProcessTemplateDAGInstance,
    MonitoringTask,
    TaskLookupKey,
)
from dagger.templates.template import ITemplateDAG

workflow_engine = DocsEngine()


class SupplierConfirmed(KafkaListenerTask[str, str]):
    """The supplier confirmed the order."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


class Escalate(ExecutorTask[str, str]):
    """Runs after the confirmation, or after the wait was cut short."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["escalated"] = True


# --8<-- [start:monitored]
class ReportLate(DefaultMonitoringTask):
    """Called at ``complete_by_time`` if the monitored process has not ended."""

    async def process_monitored_task(
        self, monitored_task: ITask[Any, Any], workflow_instance: ITemplateDAGInstance
    ) -> None:
        workflow_instance.runtime_parameters["late"] = monitored_task.task_name


class WatchedProcess(MonitoredProcessTemplateDAGInstance):
    """A process watched until the ``complete_by_time`` runtime parameter."""

    def get_monitoring_task_type(self) -> type[MonitoringTask[Any, Any]]:
        return ReportLate
        # --8<-- [end:monitored]


# --8<-- [start:template]
def supplier_template(max_run_duration: int = 3600) -> ITemplateDAG:
    """Wait for the supplier at most an hour, then escalate."""
    helper = DAGBuilderHelper(workflow_engine)
    wait = helper.generic_listener_task_builder(
        topic="supplier_confirmations", task_type=SupplierConfirmed, process_name="Wait"
    ).build()
    escalate = helper.generic_executor_task_builder(task_type=Escalate, name="escalate").build()
    first = helper.build_and_link_processes(
        [
            helper.generic_process_builder(
                process_name="Wait",
                root_task=wait,
                process_type=WatchedProcess,  # reports at complete_by_time
                max_run_duration=max_run_duration,  # seconds; skipped after that
            ),
            helper.generic_process_builder(process_name="Escalate", root_task=escalate),
        ]
    )
    return helper.generic_template(template_name="Supplier", root_process=first)
    # --8<-- [end:template]


async def main() -> dict[str, Any]:
    """Nobody confirms: at 30 minutes the process is reported late, at 60 it is skipped."""
    with in_memory_runtime() as runtime:
        now = int(runtime.now())
        workflow = await supplier_template().create_instance(
            uuid.uuid4(),
            "order_id",
            repartition=False,
            submit_task=True,
            order_id="o-1",
            complete_by_time=now + 1800,  # COMPLETE_BY_KEY: report the process if still running
        )
        runtime.clock.advance(1800)
        await runtime.run_due_triggers()
        at_30_minutes = runtime.stored(workflow.id)
        runtime.clock.advance(1800)
        await runtime.run_due_triggers()
        return {
            "at_30_minutes": at_30_minutes,
            "at_60_minutes": runtime.stored(workflow.id),
            "triggers": dict(runtime.triggers),
            "index": dict(runtime.index),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    for key in ("at_30_minutes", "at_60_minutes"):
        stored = result[key]
        print(key, stored.status.code, stored.runtime_parameters)
        print("   ", {t.task_name: t.status.code for t in stored.tasks.values()})
