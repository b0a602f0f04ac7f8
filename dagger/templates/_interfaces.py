"""The template and builder interfaces of 0.2.6 (``dagger.templates.template``).

A *template* describes one node of a workflow definition and knows how to create the
matching task instance inside a workflow instance; a *builder* assembles a template step by
step. Templates are shared by every instance created from them, so ``create_instance`` never
mutates a template: it only reads it.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagger.tasks._base import ITask
from dagger.tasks._workflow import ITemplateDAGInstance

if TYPE_CHECKING:
    from typing_extensions import Self


class ITemplateDAG(ABC):
    """A registered workflow definition: a chain of process templates under one name."""

    def __init__(
        self,
        dag: IProcessTemplateDAG,
        name: str,
        app: Any,
        template_type: type[ITemplateDAGInstance],
    ) -> None:
        self.root_process_dag = dag
        self.name = name
        self.app = app
        self.template_type = template_type

    @abstractmethod
    async def create_instance(
        self,
        id: UUID,
        partition_key_lookup: str,
        *,
        repartition: bool = True,
        seed: random.Random | None = None,
        submit_task: bool = False,
        **kwargs: Any,
    ) -> ITemplateDAGInstance:
        """Create a workflow instance; every extra keyword becomes a runtime parameter."""

    @abstractmethod
    def set_dynamic_builders_for_process_template(
        self, name: str, process_template_builders: list[IProcessTemplateDAGBuilder]
    ) -> None:
        """Set the process builders a dynamic process of this template expands into."""


class IProcessTemplateDAG(ABC):
    """A process definition: a chain of task templates, followed by the next processes."""

    def __init__(
        self,
        next_process_dag: list[Any],
        app: Any,
        name: str,
        process_type: type[ITask] | None,
        root_task_dag: Any,
        max_run_duration: int,
    ) -> None:
        self.next_process_dag: list[Any] = next_process_dag
        self.app = app
        self.name = name
        self.process_type = process_type
        self.root_task_dag = root_task_dag
        self.max_run_duration = max_run_duration

    @abstractmethod
    async def create_instance(
        self,
        id: UUID,
        parent_id: UUID,
        parent_name: str,
        partition_key_lookup: str,
        *,
        repartition: bool = True,
        seed: random.Random | None = None,
        workflow_instance: ITemplateDAGInstance | None = None,
        **kwargs: Any,
    ) -> ITask:
        """Create the process (and its tasks and following processes) in the workflow."""

    @abstractmethod
    def set_dynamic_process_builders(
        self, process_template_builders: list[IProcessTemplateDAGBuilder]
    ) -> None:
        """Set the builders a dynamic process expands into (dynamic processes only)."""

    @abstractmethod
    def set_parallel_process_template_dags(
        self, parallel_process_templates: list[IProcessTemplateDAG]
    ) -> None:
        """Replace the children of a parallel composite process (composites only)."""


class IDynamicProcessTemplateDAG(IProcessTemplateDAG):
    """A placeholder process that expands, per instance, into processes built from builders."""

    def __init__(
        self, next_process_dags: list[Any], app: Any, name: str, max_run_duration: int
    ) -> None:
        super().__init__(next_process_dags, app, name, None, None, max_run_duration)
        self._dynamic_process_builders: list[IProcessTemplateDAGBuilder] = []

    @abstractmethod
    async def create_instance(
        self,
        id: UUID,
        parent_id: UUID,
        parent_name: str,
        partition_key_lookup: str,
        *,
        repartition: bool = True,
        seed: random.Random | None = None,
        workflow_instance: ITemplateDAGInstance | None = None,
        **kwargs: Any,
    ) -> ITask:
        """Create the processes the builders describe, in place of this placeholder."""

    def set_dynamic_process_builders(
        self, process_template_builders: list[IProcessTemplateDAGBuilder]
    ) -> None:
        """Set the builders used from now on (the list is copied, the builders are not)."""
        self._dynamic_process_builders = list(process_template_builders)

    def set_parallel_process_template_dags(
        self, parallel_process_templates: list[IProcessTemplateDAG]
    ) -> None:
        """Not supported: a dynamic process has no parallel children."""
        raise NotImplementedError(
            f"dynamic process {self.name!r} has no parallel children; use "
            f"set_dynamic_process_builders, or make it a ParallelCompositeProcessTemplateDAG"
        )


class TaskTemplate(ABC):
    """A task definition: the task type, its settings and the templates that follow it."""

    app: Any
    next_task_dag: list[TaskTemplate]

    @abstractmethod
    async def create_instance(
        self,
        id: UUID,
        parent_id: UUID,
        parent_name: str,
        partition_key_lookup: str,
        *,
        repartition: bool = True,
        seed: random.Random | None = None,
        workflow_instance: ITemplateDAGInstance | None = None,
        **kwargs: Any,
    ) -> ITask:
        """Create the task and the tasks that follow it inside the workflow instance."""


class TaskTemplateBuilder(ABC):
    """Assembles a task template; every setter returns the builder so calls chain."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._type: type[ITask] | None = None
        self.task_dags: list[TaskTemplate] = []
        self.name = "task"
        self.allow_skip_to = False
        self.reprocess_on_message = False

    def set_type(self, task_type: type[ITask]) -> Self:
        """Set the task class the template instantiates."""
        self._type = task_type
        return self

    def set_name(self, name: str) -> Self:
        """Set the task's name (the last part of its dotted ``task_name``)."""
        self.name = name
        return self

    def set_next(self, task_template: TaskTemplate) -> Self:
        """Append a template to run after this task."""
        self.task_dags.append(task_template)
        return self

    def set_allow_skip_to(self, allow_skip_to: bool) -> Self:
        """Let a message for this (listener) task skip the tasks before it."""
        self.allow_skip_to = allow_skip_to
        return self

    @abstractmethod
    def build(self) -> TaskTemplate:
        """Return the task template."""


class IProcessTemplateDAGBuilder(ABC):
    """Assembles a process template; setters return the builder so calls chain."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.next_process_dag: list[Any] = []

    @abstractmethod
    def set_root_task(self, task: TaskTemplate) -> Self:
        """Set the first task template of the process."""

    @abstractmethod
    def set_next_process(self, task: Any) -> Self:
        """Append a process template to run after this process."""

    @abstractmethod
    def set_name(self, process_name: str) -> Self:
        """Set the process name."""

    @abstractmethod
    def set_type(self, process_type: type[ITask]) -> Self:
        """Set the process instance class."""

    @abstractmethod
    def build(self) -> IProcessTemplateDAG:
        """Return the process template."""


class ITemplateDAGBuilder(ABC):
    """Assembles a workflow template; setters return the builder so calls chain."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @abstractmethod
    def set_root(self, template: IProcessTemplateDAG) -> Self:
        """Set the first process template."""

    @abstractmethod
    def build(self) -> ITemplateDAG:
        """Return the workflow template."""

    @abstractmethod
    def set_name(self, name: str) -> Self:
        """Set the template name (the name it is registered and looked up under)."""

    @abstractmethod
    def set_type(self, template_type: type[ITemplateDAGInstance]) -> Self:
        """Set the workflow instance class."""
