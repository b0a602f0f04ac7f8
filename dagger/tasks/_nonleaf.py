"""Non-leaf nodes (processes) and the monitors a process sets up when it starts."""

import logging
import math
import uuid
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.records import Trigger
from dagger.core.status import COMPLETE_BY_KEY, KT, VT, TaskStatusEnum, TaskType
from dagger.tasks._base import ITask, stop_task
from dagger.tasks._support import UserCodeFailed, guarded, now, runtime
from dagger.tasks._timers import MonitoringTask, SkipOnMaxDurationTask

if TYPE_CHECKING:
    from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.tasks")
S = TaskStatusEnum


class INonLeafNodeTask(ITask[KT, VT]):
    """A node with a chain of children starting at ``root_dag`` (a process, or the workflow)."""

    task_type: str = TaskType.SUB_DAG.value

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Mark the node EXECUTING (stamping ``time_submitted``)."""
        tr.finish(self, S.EXECUTING, now())

    async def start(self, workflow_instance: "ITemplateDAGInstance") -> bool | None:
        """Execute the node if new, then (re-)start its first child."""
        if tr.is_terminal(self) and await self._forward_if_done(workflow_instance):
            return None
        if workflow_instance is None:
            return None
        if tr.code_of(self) in (S.NOT_STARTED, S.SUBMITTED) or self.reprocess_on_message:
            try:
                await guarded(
                    self,
                    "execute",
                    self.execute(workflow_instance.runtime_parameters, workflow_instance),
                )
            except UserCodeFailed:
                await self.on_complete(workflow_instance, status=S.FAILURE)
                return None
        if tr.code_of(self) is not S.EXECUTING:
            return None
        child = workflow_instance.get_task(self.root_dag)
        if child is None:
            # Nothing inside: the node is done at once rather than waiting forever.
            await self.on_complete(workflow_instance)
        else:
            await child.start(workflow_instance)
        return None

    async def stop(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Stop the node's unfinished tasks, then the node."""
        if workflow_instance is None:
            return
        for task in await self.get_remaining_tasks(self.root_dag, workflow_instance):
            await stop_task(task, runtime_parameters, workflow_instance)
        if tr.apply(tr.STOP, self, now()):
            await self._on_terminal(workflow_instance)


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

    def _monitor_ids(self) -> list[UUID]:
        return [m for m in (self.max_run_duration_monitor_task_id,) if m is not None]

    async def _on_terminal(self, workflow_instance: "ITemplateDAGInstance") -> None:
        # The process ended first: its monitors have nothing left to watch.
        for monitor_id in self._monitor_ids():
            monitor = workflow_instance.get_task(monitor_id)
            if monitor is None or tr.is_terminal(monitor):
                continue
            if tr.code_of(self) is S.STOPPED:
                await stop_task(monitor, workflow_instance.runtime_parameters, workflow_instance)
            else:
                await monitor.on_complete(workflow_instance)

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

    def _monitor_ids(self) -> list[UUID]:
        return [m for m in (self.monitoring_task_id, self.max_run_duration_monitor_task_id) if m]


async def _install_monitor(
    monitor: MonitoringTask[Any, Any], workflow: "ITemplateDAGInstance"
) -> MonitoringTask[Any, Any]:
    """Add a monitor, EXECUTING, to the workflow and store its trigger.

    A monitor has no parent and no successors, so ending it never moves the workflow.
    """
    existing = workflow.get_task(monitor.id)
    if existing is not None and not tr.is_terminal(existing):
        return existing  # type: ignore[return-value]
    monitor.time_created = int(now())
    tr.apply(tr.START, monitor, now())
    workflow.add_task(monitor)
    await runtime().save_trigger(Trigger(monitor.time_to_execute, monitor.id, workflow.id))
    return monitor


for _cls in (
    INonLeafNodeTask,
    IMonitoredTask,
    IProcessTemplateDAGInstance,
    DefaultProcessTemplateDAGInstance,
    MonitoredProcessTemplateDAGInstance,
):
    _cls.__module__ = "dagger.tasks.task"
