"""Parallel composites: children started together, joined by ``operator_type``.

Used for task-level composites and for process-level ones (whose children are processes).
JOIN_ALL completes when every child has ended (FAILURE if any failed); ATLEAST_ONE
completes as soon as one child has ended. Children are started one after the other
(parallel is logical, not concurrent); the join is evaluated once all have been started,
so an early finisher cannot run the composite's successors before its siblings start.
"""

from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.status import KT, VT, TaskOperator, TaskStatusEnum, TaskType
from dagger.tasks._base import WAITING, ITask, stop_task
from dagger.tasks._support import now

if TYPE_CHECKING:
    from dagger.tasks._workflow import ITemplateDAGInstance

S = TaskStatusEnum
# Composites whose children are being started: their join waits until all have started.
_STARTING: set[int] = set()


class ParallelCompositeTask(ITask[KT, VT]):
    """A node whose children (``parallel_child_task_list``) run side by side."""

    task_type: str = TaskType.PARALLEL_COMPOSITE.value
    parallel_child_task_list: list[UUID] = []
    operator_type: str = TaskOperator.JOIN_ALL.value
    process_name: str | None = None

    def children(self, workflow_instance: "ITemplateDAGInstance") -> list[ITask[Any, Any]]:
        """The child tasks, in order (ids missing from the workflow are left out)."""
        found = (workflow_instance.get_task(i) for i in self.parallel_child_task_list)
        return [child for child in found if child is not None]

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Mark the composite EXECUTING."""
        tr.finish(self, S.EXECUTING, now())

    async def start(self, workflow_instance: "ITemplateDAGInstance") -> bool | None:
        """Start every child, then complete if the operator is already satisfied."""
        if await self._forward_if_done(workflow_instance):
            return None
        if workflow_instance is None:
            return None
        if tr.code_of(self) is not S.EXECUTING:
            await self.execute(workflow_instance.runtime_parameters, workflow_instance)
        _STARTING.add(id(self))
        try:
            for child in self.children(workflow_instance):
                await child.start(workflow_instance)
        finally:
            _STARTING.discard(id(self))
        await self._join(workflow_instance)
        return None

    async def notify(
        self, status: Any, workflow_instance: "ITemplateDAGInstance | None" = None
    ) -> None:
        """A child ended: complete the composite when its operator is satisfied."""
        if workflow_instance is None or id(self) in _STARTING or tr.is_terminal(self):
            return
        if tr.code_of(self) in WAITING:
            tr.apply(tr.START, self, now())
        await self._join(workflow_instance)

    async def stop(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Stop every unfinished child, then the composite."""
        if workflow_instance is None:
            return
        for child in self.children(workflow_instance):
            await stop_task(child, runtime_parameters, workflow_instance)
        if tr.apply(tr.STOP, self, now()):
            await self._on_terminal(workflow_instance)

    def _join_outcome(self, workflow_instance: "ITemplateDAGInstance") -> TaskStatusEnum | None:
        codes = [tr.code_of(c) for c in self.children(workflow_instance)]
        done = [c for c in codes if c in tr.TERMINAL]
        operator = str(getattr(self.operator_type, "value", self.operator_type))
        if operator == TaskOperator.ATLEAST_ONE.value:
            if codes and not done:
                return None
            if S.COMPLETED in done:
                return S.COMPLETED
        elif len(done) < len(codes):
            return None
        return S.FAILURE if S.FAILURE in done else S.COMPLETED

    async def _join(self, workflow_instance: "ITemplateDAGInstance") -> None:
        if tr.code_of(self) is not S.EXECUTING:
            return
        outcome = self._join_outcome(workflow_instance)
        if outcome is not None:
            await self.on_complete(workflow_instance, status=outcome)


ParallelCompositeTask.__module__ = "dagger.tasks.task"
