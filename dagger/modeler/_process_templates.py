"""Process templates: plain, parallel composite and dynamic.

A process instance's ``parent_id`` is the workflow; its tasks' ``parent_id`` is the process.
The processes after it are created with the same parent and linked through ``next_dags``.
Creating instances only reads the templates (and the dynamic builders), so one registered
template serves any number of instances.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from dagger.core.status import TaskOperator, TaskType
from dagger.exceptions.exceptions import TaskInvalidState
from dagger.modeler._chain import build_chain
from dagger.tasks._base import ITask
from dagger.tasks._composite import ParallelCompositeTask
from dagger.tasks._nonleaf import DefaultProcessTemplateDAGInstance
from dagger.tasks._support import now
from dagger.tasks._workflow import ITemplateDAGInstance
from dagger.templates._common import add_child_id, dotted, enum_value, not_started
from dagger.templates._creation import create_each
from dagger.templates._interfaces import (
    IDynamicProcessTemplateDAG,
    IProcessTemplateDAG,
    IProcessTemplateDAGBuilder,
)


class ProcessTemplateDAG(IProcessTemplateDAG):
    """A process: a chain of task templates, then the next processes."""

    def __init__(
        self,
        next_process_dag: list[Any],
        app: Any,
        name: str,
        process_type: type[ITask] | None,
        root_task_dag: Any,
        max_run_duration: int,
    ) -> None:
        super().__init__(
            next_process_dag,
            app,
            name,
            process_type or DefaultProcessTemplateDAGInstance,
            root_task_dag,
            max_run_duration,
        )

    #: The ``task_type`` of the node this template creates.
    node_type = TaskType.SUB_DAG

    def _new_node(self, id: UUID, parent_id: UUID) -> ITask:
        """The process node itself, with what is particular to this kind of process."""
        if self.root_task_dag is None:
            raise TaskInvalidState(
                f"process {self.name!r} has no root task; call set_root_task on its builder"
            )
        assert self.process_type is not None  # set in __init__
        process = self.process_type(id=id, parent_id=parent_id)
        process.max_run_duration = self.max_run_duration  # type: ignore[attr-defined]
        return process

    async def _create_contents(
        self,
        node: ITask,
        partition_key_lookup: str,
        *,
        repartition: bool,
        seed: random.Random | None,
        workflow_instance: ITemplateDAGInstance | None,
        **kwargs: Any,
    ) -> None:
        """Create what runs inside the node: here its task chain, under the process."""
        [node.root_dag] = await create_each(
            [self.root_task_dag],
            node.id,
            str(node.task_name),
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )

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
        """Create the process, what runs inside it and the processes that follow it."""
        node = self._new_node(id, parent_id)
        node.task_name = dotted(parent_name, self.name)
        node.task_type = self.node_type.value
        node.status = not_started()
        node.time_created = int(now())
        node.process_name = self.name  # type: ignore[attr-defined]
        if workflow_instance is not None:
            workflow_instance.add_task(node)
        await self._create_contents(
            node,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        # The processes that follow have the same parent; they are linked as the next.
        node.next_dags = await create_each(
            self.next_process_dag,
            parent_id,
            parent_name,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        return node

    def set_dynamic_process_builders(
        self, process_template_builders: list[IProcessTemplateDAGBuilder]
    ) -> None:
        """Not supported: only dynamic processes take builders."""
        raise NotImplementedError(
            f"process {self.name!r} is a {type(self).__name__}, not a dynamic process; build "
            f"it with DynamicProcessTemplateDagBuilder (DAGBuilderHelper."
            f"generic_dynamic_process_builder) to set process builders per instance"
        )

    def set_parallel_process_template_dags(
        self, parallel_process_templates: list[IProcessTemplateDAG]
    ) -> None:
        """Not supported: only parallel composite processes have parallel children."""
        raise NotImplementedError(
            f"process {self.name!r} is a {type(self).__name__}, not a parallel composite; "
            f"build it with ParallelCompositeProcessTemplateDagBuilder"
        )


class ParallelCompositeProcessTemplateDAG(ProcessTemplateDAG):
    """Processes that run side by side, joined by ``parallel_operator_type``.

    The instance is a ``ParallelCompositeTask`` whose children are processes; with
    ATLEAST_ONE it completes when the first child does, with JOIN_ALL when all have.
    """

    def __init__(
        self,
        next_process_dag: list[Any],
        app: Any,
        name: str,
        process_type: type[ITask] | None,
        child_process_task_templates: Sequence[Any],
        parallel_operator_type: TaskOperator,
    ) -> None:
        super().__init__(
            next_process_dag, app, name, process_type or ParallelCompositeTask, None, 0
        )
        self.child_process_task_templates: list[Any] = list(child_process_task_templates)
        self.parallel_operator_type = parallel_operator_type

    @property
    def child_task_templates(self) -> list[Any]:
        """The child process templates (alias of ``child_process_task_templates``)."""
        return self.child_process_task_templates

    node_type = TaskType.PARALLEL_COMPOSITE

    def _new_node(self, id: UUID, parent_id: UUID) -> ITask:
        """The composite node, with its join operator."""
        assert self.process_type is not None  # set in __init__
        composite = self.process_type(id=id, parent_id=parent_id)
        composite.operator_type = enum_value(self.parallel_operator_type)  # type: ignore[attr-defined]
        return composite

    async def _create_contents(
        self,
        node: ITask,
        partition_key_lookup: str,
        *,
        repartition: bool,
        seed: random.Random | None,
        workflow_instance: ITemplateDAGInstance | None,
        **kwargs: Any,
    ) -> None:
        """Create the child processes under the composite."""
        children = await create_each(
            self.child_process_task_templates,
            node.id,
            str(node.task_name),
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        for child_id in children:
            add_child_id(node, child_id)

    def set_parallel_process_template_dags(
        self, parallel_process_templates: list[IProcessTemplateDAG]
    ) -> None:
        """Replace the child process templates (this mutates the registered template)."""
        self.child_process_task_templates = list(parallel_process_templates)


def _fresh_builder(
    builder: IProcessTemplateDAGBuilder, max_run_duration: int
) -> IProcessTemplateDAGBuilder:
    """A copy of ``builder`` that can be linked and built without touching the original."""
    clone = copy.copy(builder)
    clone.next_process_dag = list(builder.next_process_dag)
    # The placeholder's own limit applies to each generated process that has none.
    if max_run_duration and getattr(clone, "max_run_duration", None) == 0:
        clone.max_run_duration = max_run_duration  # type: ignore[attr-defined]
    return clone


class DynamicProcessTemplateDAG(IDynamicProcessTemplateDAG):
    """A placeholder process replaced, in each instance, by processes built from builders.

    The builders are set per use (``TemplateDAG.set_dynamic_builders_for_process_template``);
    each ``create_instance`` builds fresh templates from copies of them, so reusing one set
    of builders for many instances never duplicates processes. Without builders, the
    placeholder is skipped and the next process takes its place.
    """

    def __init__(
        self, next_process_dag: list[Any], app: Any, name: str, max_run_duration: int
    ) -> None:
        super().__init__(next_process_dag, app, name, max_run_duration)

    def build_and_link_processes(
        self, process_builder_list: list[IProcessTemplateDAGBuilder], dag_templates: list[Any]
    ) -> list[IProcessTemplateDAG]:
        """Build the builders into a chain ending in ``dag_templates``; return ``[head]``.

        Works on copies of the builders, which are left unchanged.
        """
        builders = [_fresh_builder(b, self.max_run_duration) for b in process_builder_list]
        if not builders:
            return list(dag_templates)
        for template in dag_templates:
            builders[-1].set_next_process(template)
        head: IProcessTemplateDAG = build_chain(
            builders, lambda builder, next_: builder.set_next_process(next_)
        )
        return [head]

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
        """Create the generated processes (or the next process) in place of this one."""
        if self._dynamic_process_builders:
            head = self.build_and_link_processes(
                self._dynamic_process_builders, self.next_process_dag
            )[0]
        elif self.next_process_dag:
            head = self.next_process_dag[0]
        else:
            raise TaskInvalidState(
                f"dynamic process {self.name!r} has no process builders and nothing after it; "
                f"call set_dynamic_builders_for_process_template({self.name!r}, builders) on "
                f"the workflow template before creating an instance"
            )
        created: ITask = await head.create_instance(
            id,
            parent_id,
            parent_name,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        return created
