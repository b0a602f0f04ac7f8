"""Executor tasks: work that runs inline when the task is reached."""

import contextlib
from typing import Any
from uuid import UUID

from dagger.core import _idempotency
from dagger.core.status import KT, VT, TaskStatusEnum
from dagger.tasks import _lifecycle
from dagger.tasks._base import ITask, ITemplateDAGInstance, outcome_of
from dagger.tasks._retrying import retry_later
from dagger.tasks._support import UserCodeFailed, guarded


class ExecutorTask(ITask[KT, VT]):
    """A task whose ``execute`` runs as soon as it is reached; it then completes.

    ``execute`` may set ``self.status`` to FAILURE to end the task that way. An exception
    in ``execute`` is retried by the task's retry policy (none by default); once no attempt
    is left it is recorded in ``message`` and ends the task with FAILURE; the workflow
    moves on (a FAILURE does not halt it).
    """

    _retries_on_error = True

    async def _begin(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Run ``execute``, then complete."""
        if workflow_instance is not None:
            await self._run_execute(workflow_instance)

    async def _run_execute(self, workflow_instance: "ITemplateDAGInstance") -> None:
        await _lifecycle.move(self, workflow_instance, TaskStatusEnum.EXECUTING)
        try:
            # Only execute runs in the scope: what the completion drives next does not.
            with self._execute_scope(workflow_instance):
                await guarded(
                    self,
                    "execute",
                    self.execute(workflow_instance.runtime_parameters, workflow_instance),
                    workflow_instance,
                )
        except UserCodeFailed as failure:
            if not await retry_later(self, workflow_instance, failure):
                await self.on_complete(workflow_instance, status=TaskStatusEnum.FAILURE)
            return
        await self.on_complete(workflow_instance, status=outcome_of(self))

    def _execute_scope(
        self, workflow_instance: "ITemplateDAGInstance"
    ) -> contextlib.AbstractContextManager[None]:
        """The context ``execute`` runs in (none for a plain executor)."""
        return contextlib.nullcontext()

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
    ``Dagger.app.topics[self.topic].send(...)``.

    Every message sent through the engine's faust app while ``execute`` runs carries the
    headers of :meth:`command_headers`, so the receiving service can drop the duplicate
    a re-run after a crash sends (processing is at-least-once).
    """

    topic: str | None = None

    def idempotency_key(self, workflow_instance: "ITemplateDAGInstance") -> str:
        """``"<workflow id>/<task id>/<attempt>"``: the same for every run of this task's
        command, including a re-run after a crash (``attempt`` is 1 unless retried)."""
        return _idempotency.idempotency_key(
            _workflow_id(workflow_instance), self.id, getattr(self, "attempt", 1)
        )

    def command_headers(self, workflow_instance: "ITemplateDAGInstance") -> dict[str, bytes]:
        """The headers the engine adds to this task's messages, for senders that do not go
        through the engine's faust app: ``dagger-idempotency-key``, ``dagger-workflow-id``
        and ``dagger-task-id`` (values UTF-8 bytes)."""
        return _idempotency.command_headers(
            _workflow_id(workflow_instance), self.id, getattr(self, "attempt", 1)
        )

    def _execute_scope(
        self, workflow_instance: "ITemplateDAGInstance"
    ) -> contextlib.AbstractContextManager[None]:
        return _idempotency.command_scope(self.command_headers(workflow_instance))


def _workflow_id(workflow_instance: Any) -> Any:
    workflow_id = getattr(workflow_instance, "id", None)
    if workflow_id is None:
        raise ValueError("a command's headers need the workflow instance the task belongs to")
    return workflow_id


for _cls in (ExecutorTask, KafkaCommandTask):
    _cls.__module__ = "dagger.tasks.task"
