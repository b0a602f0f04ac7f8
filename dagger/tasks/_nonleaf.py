"""Processes (the non-leaf nodes inside a workflow) and the monitors they set up."""

import logging
import math
import uuid
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.records import Trigger
from dagger.core.status import COMPLETE_BY_KEY, KT, VT, TaskStatusEnum
from dagger.tasks import _lifecycle
from dagger.tasks._base import INonLeafNodeTask, ITemplateDAGInstance
from dagger.tasks._support import now, runtime
from dagger.tasks._timers import MonitoringTask, SkipOnMaxDurationTask

logger = logging.getLogger("dagger.tasks")
S = TaskStatusEnum


class IMonitoredTask:
    """Mixin of a task watched by a monitoring task it creates when it starts."""

    def get_monitoring_task_type(self) -> type[MonitoringTask[Any, Any]]:
        """The monitoring task class to create."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_monitoring_task_type() -> Type[MonitoringTask]"
        )

    async def setup_monitoring_task(self, workflow_instance: "ITemplateDAGInstance") -> Any:
        """Create the monitoring task and store its trigger."""
        raise NotImplementedError(f"{type(self).__name__} must implement setup_monitoring_task")


class IProcessTemplateDAGInstance(INonLeafNodeTask[KT, VT]):
    """A process instance: a named chain of tasks inside a workflow."""

    process_name: str | None = None
    max_run_duration_monitor_task_id: UUID | None = None
    max_run_duration: int = 0


class DefaultProcessTemplateDAGInstance(IProcessTemplateDAGInstance[str, str]):
    """The default process. With ``max_run_duration`` (seconds) it sets up a monitor that,
    when the time passes, skips whatever is unfinished and moves the workflow on."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Mark the process EXECUTING and set up its max-run-duration monitor."""
        await super().execute(runtime_parameters, workflow_instance)
        if workflow_instance is not None and self.max_run_duration:
            await self.setup_max_run_duration(workflow_instance)

    async def setup_max_run_duration(self, wokflow_instance: "ITemplateDAGInstance") -> Any:
        """Create the ``SkipOnMaxDurationTask`` due ``max_run_duration`` seconds from now."""
        monitor = SkipOnMaxDurationTask(
            id=uuid.uuid5(self.id, "dagger.max_run_duration"),
            task_name=f"{self.task_name}.max_run_duration",
            monitored_task_id=self.id,
            time_to_execute=math.ceil(now() + float(self.max_run_duration)),
        )
        self.max_run_duration_monitor_task_id = monitor.id
        return await _install_monitor(monitor, wokflow_instance)

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Processes take no messages."""
        raise NotImplementedError("a process takes no messages")

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """Processes do not choose branches."""
        raise NotImplementedError("a process does not evaluate")

    def get_correlatable_key(self, payload: Any) -> Any:
        """Processes are not correlated."""
        raise NotImplementedError("a process has no correlatable key")


class MonitoredProcessTemplateDAGInstance(DefaultProcessTemplateDAGInstance, IMonitoredTask):
    """A process watched until ``runtime_parameters["complete_by_time"]`` (epoch seconds).

    When that time passes and the process has not ended, the monitoring task of
    ``get_monitoring_task_type()`` (which the user implements) runs its
    ``process_monitored_task``.
    """

    monitoring_task_id: UUID | None = None

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Mark the process EXECUTING and set up its monitors."""
        await super().execute(runtime_parameters, workflow_instance)
        if workflow_instance is not None and runtime_parameters.get(COMPLETE_BY_KEY) is not None:
            await self.setup_monitoring_task(workflow_instance)

    async def setup_monitoring_task(self, workflow_instance: "ITemplateDAGInstance") -> Any:
        """Create the monitoring task, due at ``complete_by_time``, and store its trigger."""
        monitor_type = self.get_monitoring_task_type()
        monitor = monitor_type(
            id=uuid.uuid5(self.id, "dagger.monitoring"),
            task_name=f"{self.task_name}.monitoring",
            monitored_task_id=self.id,
            time_to_execute=math.ceil(float(workflow_instance.runtime_parameters[COMPLETE_BY_KEY])),
        )
        self.monitoring_task_id = monitor.id
        return await _install_monitor(monitor, workflow_instance)


async def _install_monitor(
    monitor: MonitoringTask[Any, Any], workflow: "ITemplateDAGInstance"
) -> MonitoringTask[Any, Any]:
    """Add a monitor, EXECUTING, to the workflow and store its trigger.

    A monitor has no parent and no successors, so ending it never moves the workflow.
    """
    existing = workflow.get_task(monitor.id)
    if isinstance(existing, MonitoringTask) and not tr.is_terminal(existing):
        return existing
    monitor.time_created = int(now())
    await _lifecycle.apply(tr.START, monitor, workflow)
    workflow.add_task(monitor)
    await runtime().save_trigger(Trigger(monitor.time_to_execute, monitor.id, workflow.id))
    return monitor


for _cls in (
    IMonitoredTask,
    IProcessTemplateDAGInstance,
    DefaultProcessTemplateDAGInstance,
    MonitoredProcessTemplateDAGInstance,
):
    _cls.__module__ = "dagger.tasks.task"
