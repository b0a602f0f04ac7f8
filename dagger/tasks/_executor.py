"""Executor tasks: work that runs inline when the task is reached."""

from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.status import KT, VT, TaskStatusEnum
from dagger.tasks._base import ITask, outcome_of
from dagger.tasks._support import UserCodeFailed, guarded, now

if TYPE_CHECKING:
    from dagger.tasks._workflow import ITemplateDAGInstance


class ExecutorTask(ITask[KT, VT]):
    """A task whose ``execute`` runs as soon as it is reached; it then completes.

    ``execute`` may set ``self.status`` to FAILURE to end the task that way. An exception
    in ``execute`` is recorded in ``message`` and ends the task with FAILURE; the workflow
    moves on (a FAILURE does not halt it).
    """

    async def start(
        self, workflow_instance: "ITemplateDAGInstance", ignore_status: bool = False
    ) -> bool | None:
        """Run ``execute`` and complete (a finished task re-drives its successors instead)."""
        if tr.is_terminal(self) and await self._forward_if_done(workflow_instance):
            return None
        if workflow_instance is None:
            return None
        await self._run_execute(workflow_instance)
        return None

    async def _run_execute(self, workflow_instance: "ITemplateDAGInstance") -> None:
        tr.finish(self, TaskStatusEnum.EXECUTING, now())
        try:
            await guarded(
                self,
                "execute",
                self.execute(workflow_instance.runtime_parameters, workflow_instance),
            )
        except UserCodeFailed:
            await self.on_complete(workflow_instance, status=TaskStatusEnum.FAILURE)
            return
        await self.on_complete(workflow_instance, status=outcome_of(self))

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """Executors do not choose branches."""
        raise NotImplementedError(f"{type(self).__name__} is an executor; it has no evaluate")

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Executors do not take messages."""
        raise NotImplementedError(f"{type(self).__name__} is an executor; it takes no messages")


class KafkaCommandTask(ExecutorTask[KT, VT]):
    """An executor that sends a command; ``execute`` typically does
    ``Dagger.app.topics[self.topic].send(...)``."""

    topic: str | None = None


for _cls in (ExecutorTask, KafkaCommandTask):
    _cls.__module__ = "dagger.tasks.task"
