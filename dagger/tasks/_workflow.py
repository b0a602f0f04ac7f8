"""The workflow instance: one record holding every node of a running workflow."""

import logging
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.correlation import sync_index, unindex_all
from dagger.core.persistence import persist
from dagger.core.records import CorrelatableMapValue
from dagger.core.status import KT, VT, TaskStatusEnum, TaskType
from dagger.tasks._base import ITask, collect_remaining, stop_task
from dagger.tasks._nonleaf import INonLeafNodeTask
from dagger.tasks._support import now, runtime

logger = logging.getLogger("dagger.tasks")
S = TaskStatusEnum


class ITemplateDAGInstance(INonLeafNodeTask[KT, VT]):
    """A workflow instance: its processes, tasks and monitors live in ``tasks`` by id.

    ``runtime_parameters`` is one dict shared by every task of the workflow; tasks read
    and change it, and changes are saved with the workflow.
    """

    template_name: str | None = None
    partition_key_lookup: str | None = None
    task_type: str = TaskType.ROOT.value
    tasks: dict[UUID, ITask[Any, Any]] = {}
    sensor_tasks_to_correletable_map: dict[UUID, CorrelatableMapValue] = {}
    runtime_parameters: dict[str, Any] = {}
    update_count: int = 0

    def add_task(self, task: ITask[Any, Any]) -> None:
        """Add (or replace) a node of the workflow."""
        self.tasks[task.id] = task

    def get_task(self, id: Any) -> ITask[Any, Any] | None:
        """The node with this id (the workflow itself for its own id; ``None`` if unknown)."""
        if not id:
            return None
        if not isinstance(id, UUID):
            try:
                id = UUID(str(id))
            except ValueError:
                return None
        if id == self.id:
            return self
        return self.tasks.get(id)

    async def _update_global_runtime_parameters(self) -> None:
        """Re-index the listeners whose correlating runtime parameter changed."""
        await sync_index(runtime(), self)

    async def stop(
        self,
        runtime_parameters: dict[str, Any] | None = None,
        workflow_instance: "ITemplateDAGInstance[Any, Any] | None" = None,
    ) -> None:
        """Stop the workflow: every unfinished task (composite children and monitors too)
        becomes STOPPED, running ones get their ``stop`` hook first; the workflow is then
        STOPPED, cleaned up and saved. A workflow already ended is left alone."""
        if tr.is_terminal(self):
            return
        params = self.runtime_parameters if runtime_parameters is None else runtime_parameters
        for task in self._stop_order():
            await stop_task(task, params, self)
        tr.apply(tr.STOP, self, now())
        await self.on_complete(self, status=S.STOPPED)
        await persist(runtime(), self)

    def _stop_order(self) -> list[ITask[Any, Any]]:
        ordered: list[ITask[Any, Any]] = []
        collect_remaining(self, self.root_dag, None, ordered)
        seen = {id(t) for t in ordered}
        return ordered + [t for t in self.tasks.values() if id(t) not in seen]

    async def _on_terminal(self, workflow_instance: "ITemplateDAGInstance[Any, Any]") -> None:
        # The workflow ended: nothing of it may stay in the index or the timers.
        rt = runtime()
        await unindex_all(rt, self)
        for task in self.tasks.values():
            if getattr(task, "time_to_execute", None) is not None:
                await rt.remove_trigger(self.id, task.id)
        if logger.isEnabledFor(logging.DEBUG):  # a scan of every task, only for this log
            unfinished = [t.task_name for t in self.tasks.values() if not tr.is_terminal(t)]
            if unfinished:
                logger.debug("workflow %s ended with unfinished tasks %s", self.id, unfinished)
        if rt.delete_workflow_on_complete:
            await rt.delete_workflow(self)


class DefaultTemplateDAGInstance(ITemplateDAGInstance[str, str]):
    """The default workflow instance type."""

    def get_correlatable_key(self, payload: Any) -> Any:
        """Workflows are not correlated."""
        raise NotImplementedError("a workflow has no correlatable key")

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """Workflows do not choose branches."""
        raise NotImplementedError("a workflow does not evaluate")

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Workflows take no messages."""
        raise NotImplementedError("a workflow takes no messages")


for _cls in (ITemplateDAGInstance, DefaultTemplateDAGInstance):
    _cls.__module__ = "dagger.tasks.task"
