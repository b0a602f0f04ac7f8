"""Process-level builders: plain, dynamic and parallel composite processes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagger.core.status import TaskOperator
from dagger.modeler._process_templates import (
    DynamicProcessTemplateDAG,
    ParallelCompositeProcessTemplateDAG,
    ProcessTemplateDAG,
)
from dagger.tasks._base import ITask
from dagger.tasks._composite import ParallelCompositeTask
from dagger.tasks._nonleaf import DefaultProcessTemplateDAGInstance, IProcessTemplateDAGInstance
from dagger.templates._common import check_type
from dagger.templates._interfaces import (
    IProcessTemplateDAGBuilder,
    TaskTemplate,
)

if TYPE_CHECKING:
    from typing_extensions import Self


class _ProcessBuilder(IProcessTemplateDAGBuilder):
    """What every process builder does alike: its name, the processes after it, its type."""

    #: The class ``set_type`` requires.
    _required_type: type = IProcessTemplateDAGInstance

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.process_name = "process"

    def set_next_process(self, task: Any) -> Self:
        """Append a process template to run after this one."""
        self.next_process_dag.append(task)
        return self

    def set_name(self, process_name: str) -> Self:
        """Set the process name (the one it is found under)."""
        self.process_name = process_name
        return self

    def set_type(self, process_type: type[ITask]) -> Self:
        """Set the class the process is an instance of (checked against the kind it builds)."""
        check_type(
            self,
            "set_type",
            process_type,
            self._required_type,
            what=f"process {self.process_name!r}",
        )
        self.process_type = process_type
        return self


class ProcessTemplateDagBuilder(_ProcessBuilder):
    """Builds a :class:`ProcessTemplateDAG`: a root task chain, then the next processes."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.root_task_dag: TaskTemplate | None = None
        self.process_type: type[ITask] = DefaultProcessTemplateDAGInstance
        self.max_run_duration = 0

    def set_root_task(self, task: TaskTemplate) -> Self:
        """Set the first task template of the process."""
        self.root_task_dag = task
        return self

    def set_next_process(self, task_template: Any) -> Self:
        """Append a process template to run after this one (0.2.6 names the parameter so)."""
        return super().set_next_process(task_template)

    def set_max_run_duration(self, max_run_duration: int) -> Self:
        """Skip what is left of the process this many seconds after it starts (0: no limit)."""
        self.max_run_duration = max_run_duration
        return self

    def build(self) -> ProcessTemplateDAG:
        """Return the process template (it shares this builder's next-process list)."""
        if self.root_task_dag is None:
            raise ValueError(
                f"ProcessTemplateDagBuilder.build() for process {self.process_name!r}: no root "
                f"task set; call set_root_task(<task template>) first"
            )
        return ProcessTemplateDAG(
            self.next_process_dag,
            self.app,
            self.process_name,
            self.process_type,
            self.root_task_dag,
            self.max_run_duration,
        )


class DynamicProcessTemplateDagBuilder(_ProcessBuilder):
    """Builds a :class:`DynamicProcessTemplateDAG`, expanded per instance from builders."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.max_run_duration = 0

    def set_root_task(self, task: Any) -> Self:
        """Not supported: a dynamic process's tasks come from its process builders."""
        raise NotImplementedError(
            f"dynamic process {self.process_name!r} has no root task; set its process builders "
            f"with TemplateDAG.set_dynamic_builders_for_process_template"
        )

    def set_type(self, process_type: type[ITask]) -> Self:
        """Not supported: the generated processes have their own types."""
        raise NotImplementedError(
            f"dynamic process {self.process_name!r} has no type of its own; set the type on "
            f"each of its process builders"
        )

    def set_max_run_duration(self, max_run_duration: int) -> Self:
        """Limit each generated process that has no limit of its own (seconds, 0: none)."""
        self.max_run_duration = max_run_duration
        return self

    def build(self) -> DynamicProcessTemplateDAG:
        """Return the dynamic process template."""
        return DynamicProcessTemplateDAG(
            self.next_process_dag, self.app, self.process_name, self.max_run_duration
        )


class ParallelCompositeProcessTemplateDagBuilder(_ProcessBuilder):
    """Builds a :class:`ParallelCompositeProcessTemplateDAG`: processes side by side."""

    _required_type = ParallelCompositeTask

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.process_type: type[ITask] = ParallelCompositeTask
        self.parallel_operator_type = TaskOperator.JOIN_ALL
        self.parallel_process_templates: list[Any] = []

    def set_parallel_operator_type(self, operator_type: TaskOperator) -> Self:
        """JOIN_ALL (every child ends) or ATLEAST_ONE (the first child ends) completes it."""
        self.parallel_operator_type = operator_type
        return self

    def set_parallel_process_templates(self, task: Any) -> Self:
        """Add one child process template."""
        self.parallel_process_templates.append(task)
        return self

    def set_root_task(self, task: Any) -> Self:
        """Not supported: a composite's children are set with set_parallel_process_templates."""
        raise NotImplementedError(
            f"parallel composite process {self.process_name!r} has no root task; add its "
            f"children with set_parallel_process_templates"
        )

    def set_max_run_duration(self, max_run_duration: int) -> Self:
        """Not supported: set a limit on the child processes instead."""
        raise NotImplementedError(
            f"parallel composite process {self.process_name!r} has no run-duration limit; "
            f"set it on its child processes"
        )

    def build(self) -> ParallelCompositeProcessTemplateDAG:
        """Return the parallel composite process template."""
        return ParallelCompositeProcessTemplateDAG(
            self.next_process_dag,
            self.app,
            self.process_name,
            self.process_type,
            list(self.parallel_process_templates),
            self.parallel_operator_type,
        )
