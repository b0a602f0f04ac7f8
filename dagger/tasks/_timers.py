"""Timer-driven tasks: triggers, interval tasks and monitors.

A trigger task runs when its ``time_to_execute`` (epoch seconds) has passed: inline if it
is already due when reached, otherwise when the runtime fires its stored trigger
(``dagger.engine.operations.fire_trigger``). Whatever status such a task ends with is kept
(a FAILURE stays FAILURE), and its trigger is removed.
"""

import logging
import math
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.records import Trigger
from dagger.core.status import KT, VT, TaskStatusEnum
from dagger.tasks import _lifecycle
from dagger.tasks._base import ITask, ITemplateDAGInstance
from dagger.tasks._executor import ExecutorTask
from dagger.tasks._retrying import retry_later
from dagger.tasks._support import UserCodeFailed, guarded, now, runtime

logger = logging.getLogger("dagger.tasks")


class TriggerTask(ExecutorTask[KT, VT]):
    """An executor that runs at ``time_to_execute`` (now, when unset)."""

    time_to_execute: int | None = None

    def _is_due(self, at: float) -> bool:
        return self.time_to_execute is None or self.time_to_execute <= at

    async def _begin(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Start waiting (the timer starts it again when its time comes), then ``_on_time``."""
        await _lifecycle.apply(tr.START, self, workflow_instance)  # refused once it waits
        if workflow_instance is not None:
            await self._on_time(workflow_instance, now())

    async def _on_time(self, workflow_instance: "ITemplateDAGInstance", at: float) -> None:
        """Run ``execute`` and complete, if the time has come."""
        if not self._is_due(at):
            logger.debug(
                "task %s waits for its trigger at %s", self.task_name, self.time_to_execute
            )
            return
        await self._run_execute(workflow_instance)


class IntervalTask(TriggerTask[KT, VT]):
    """Runs ``interval_execute`` every ``interval_execute_period`` seconds until it returns
    ``True`` or ``time_to_force_complete`` passes; then runs ``execute`` and completes."""

    time_to_force_complete: int | None = None
    interval_execute_period: int | None = None

    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        """One periodic run; return ``True`` when the task is done (default: at once)."""
        return True

    async def start(
        self, workflow_instance: "ITemplateDAGInstance", ignore_status: bool = True
    ) -> bool:
        """Run one interval if due; return ``True`` when the task has ended."""
        await super().start(workflow_instance, ignore_status)
        return tr.is_terminal(self)

    async def _on_time(self, workflow_instance: "ITemplateDAGInstance", at: float) -> None:
        """When due, run one interval, and ``execute`` once it is done (or forced)."""
        forced = self.time_to_force_complete is not None and self.time_to_force_complete <= at
        if not forced and not self._is_due(at):
            return
        try:
            finished = await guarded(
                self,
                "interval_execute",
                self.interval_execute(workflow_instance.runtime_parameters),
                workflow_instance,
            )
        except UserCodeFailed as failure:
            if not await retry_later(self, workflow_instance, failure):
                await self.on_complete(workflow_instance, status=TaskStatusEnum.FAILURE)
            return
        if finished or forced:
            # Runs even when a reschedule moved time_to_execute ahead (0.2.6 stalled here).
            await self._run_execute(workflow_instance)
            return
        await self._reschedule(workflow_instance, at)

    async def _reschedule(self, workflow_instance: "ITemplateDAGInstance", at: float) -> None:
        candidates: list[float] = []
        if self.interval_execute_period:
            candidates.append(at + float(self.interval_execute_period))
        if self.time_to_force_complete is not None:
            # Never sleep past the force-complete time.
            candidates.append(float(self.time_to_force_complete))
        if not candidates:
            logger.warning(
                "interval task %s has neither a period nor a force-complete time; it will not run again",
                self.task_name,
            )
            return
        self.time_to_execute = math.ceil(min(candidates))  # never before it is due
        await runtime().save_trigger(Trigger(self.time_to_execute, self.id, workflow_instance.id))


class MonitoringTask(TriggerTask[KT, VT]):
    """A timer watching another task (``monitored_task_id``) of the same workflow."""

    monitored_task_id: UUID | None = None
    # Monitors are set up by the engine, not built from a template: they are not retried.
    _retries_on_error = False

    async def process_monitored_task(
        self, monitored_task: ITask[Any, Any], workflow_instance: "ITemplateDAGInstance"
    ) -> None:
        """React to the monitored task still running when the time came."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement "
            f"async process_monitored_task(self, monitored_task, workflow_instance)"
        )


class DefaultMonitoringTask(MonitoringTask[str, str]):
    """When due, calls ``process_monitored_task`` if the monitored task has not ended."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Hand the monitored task to ``process_monitored_task`` unless it is terminal."""
        if workflow_instance is None:
            return
        monitored = workflow_instance.get_task(self.monitored_task_id)
        if monitored is None:
            logger.warning("monitor %s: monitored task %s is gone", self.id, self.monitored_task_id)
            return
        if tr.is_terminal(monitored):
            return
        await self.process_monitored_task(monitored, workflow_instance)


class SkipOnMaxDurationTask(DefaultMonitoringTask):
    """A process's ``max_run_duration`` monitor: skips what is unfinished and moves on."""

    async def process_monitored_task(
        self, monitored_task: ITask[Any, Any], workflow_instance: "ITemplateDAGInstance"
    ) -> None:
        """Mark the process's unfinished tasks SKIPPED, then skip the process itself."""
        if tr.code_of(monitored_task) is not TaskStatusEnum.EXECUTING:
            return
        remaining = await monitored_task.get_remaining_tasks(
            monitored_task.root_dag, workflow_instance, end_task_id=monitored_task.id
        )
        for task in remaining:
            if not tr.is_terminal(task):
                await task.on_complete(
                    workflow_instance, status=TaskStatusEnum.SKIPPED, iterate=False
                )
        await monitored_task.on_complete(workflow_instance, status=TaskStatusEnum.SKIPPED)


for _cls in (
    TriggerTask,
    IntervalTask,
    MonitoringTask,
    DefaultMonitoringTask,
    SkipOnMaxDurationTask,
):
    _cls.__module__ = "dagger.tasks.task"
