"""Decision tasks: choose one branch among ``next_dags``; the others are SKIPPED."""

import logging
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.status import KT, VT, TaskStatusEnum
from dagger.tasks import _lifecycle
from dagger.tasks._base import ITask, ITemplateDAGInstance
from dagger.tasks._retrying import retry_later
from dagger.tasks._support import UserCodeFailed, guarded

logger = logging.getLogger("dagger.tasks")


class DecisionTask(ITask[KT, VT]):
    """Chooses the branch to follow with ``evaluate(**runtime_parameters)``.

    Every branch not chosen is SKIPPED. When ``evaluate`` returns ``None`` every branch is
    skipped and the parent moves on. The default ``evaluate`` picks the first branch. An
    exception in ``evaluate`` is retried by the task's retry policy (none by default), then
    ends the task FAILURE with every branch skipped.
    """

    _retries_on_error = True

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """The id of the branch to follow (default: the first in ``next_dags``)."""
        return self.next_dags[0] if self.next_dags else None

    async def _begin(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Evaluate, skip the branches not chosen, then follow the chosen one."""
        if workflow_instance is None:
            return
        await _lifecycle.move(self, workflow_instance, TaskStatusEnum.EXECUTING)
        outcome = TaskStatusEnum.COMPLETED
        try:
            chosen = await guarded(
                self,
                "evaluate",
                self.evaluate(**workflow_instance.runtime_parameters),
                workflow_instance,
            )
        except UserCodeFailed as failure:
            if await retry_later(self, workflow_instance, failure):
                return
            chosen, outcome = None, TaskStatusEnum.FAILURE
        chosen_key = None if chosen is None else str(chosen)
        branches = [str(n) for n in self.next_dags]
        if chosen_key is not None and chosen_key not in branches:
            logger.warning(
                "decision %s chose %s, which is not one of its branches %s; skipping them all",
                self.task_name,
                chosen_key,
                branches,
            )
        for next_id in self.next_dags:
            if str(next_id) == chosen_key:
                continue
            branch = workflow_instance.get_task(next_id)
            if branch is not None and not tr.is_terminal(branch):
                await branch.on_complete(
                    workflow_instance, status=TaskStatusEnum.SKIPPED, iterate=False
                )
        await self.on_complete(workflow_instance, status=outcome)

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Decisions do not execute; they evaluate."""
        raise NotImplementedError(f"{type(self).__name__} is a decision; implement evaluate")

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Decisions do not take messages."""
        raise NotImplementedError(f"{type(self).__name__} is a decision; it takes no messages")


DecisionTask.__module__ = "dagger.tasks.task"
