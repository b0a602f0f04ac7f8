"""Parallel composites: children started together, joined by ``operator_type``.

Used for task-level composites and for process-level ones (whose children are processes).
JOIN_ALL completes when every child has ended (FAILURE if any failed); ATLEAST_ONE
completes as soon as one child has ended. Children are started one after the other
(parallel is logical, not concurrent); the join is evaluated once all have been started,
so an early finisher cannot run the composite's successors before its siblings start.
"""

from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.status import KT, VT, TaskOperator, TaskStatusEnum, TaskType
from dagger.tasks import _lifecycle
from dagger.tasks._base import ITask, ITemplateDAGInstance

S = TaskStatusEnum


class ParallelCompositeTask(ITask[KT, VT]):
    """A node whose children (``parallel_child_task_list``) run side by side."""

    task_type: str = TaskType.PARALLEL_COMPOSITE.value
    parallel_child_task_list: list[UUID] = []
    operator_type: str = TaskOperator.JOIN_ALL.value
    process_name: str | None = None
    #: While ``True`` the composite is starting its children, and a child that ends at once
    #: does not make it evaluate its join (its siblings have not started yet). Not a field.
    _starting_children = False

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
        await _lifecycle.move(self, workflow_instance, S.EXECUTING)

    async def _begin(self, workflow_instance: "ITemplateDAGInstance") -> None:
        """Start every child, then complete if the operator is already satisfied."""
        if workflow_instance is None:
            return
        if tr.code_of(self) is not S.EXECUTING:
            await self.execute(workflow_instance.runtime_parameters, workflow_instance)
        self._starting_children = True
        try:
            for child in self.children(workflow_instance):
                await child.start(workflow_instance)
        finally:
            self._starting_children = False
        await self._join(workflow_instance)

    async def notify(
        self, status: Any, workflow_instance: "ITemplateDAGInstance | None" = None
    ) -> None:
        """A child ended: complete the composite when its operator is satisfied."""
        if workflow_instance is None or self._starting_children or tr.is_terminal(self):
            return
        await _lifecycle.apply(tr.START, self, workflow_instance)  # refused once it runs
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
            await _lifecycle.stop_task(child, runtime_parameters, workflow_instance)
        await _lifecycle.apply(tr.STOP, self, workflow_instance)

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
