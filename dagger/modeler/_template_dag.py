"""The workflow template (:class:`TemplateDAG`) and its builder."""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagger.core.context import get_runtime
from dagger.core.timers import checked_seconds
from dagger.engine import operations
from dagger.exceptions.exceptions import TemplateDoesNotExist
from dagger.tasks._support import now
from dagger.tasks._workflow import DefaultTemplateDAGInstance, ITemplateDAGInstance
from dagger.templates._common import check_type, not_started
from dagger.templates._creation import create_each
from dagger.templates._interfaces import (
    IProcessTemplateDAG,
    IProcessTemplateDAGBuilder,
    ITemplateDAG,
    ITemplateDAGBuilder,
)

if TYPE_CHECKING:
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class TemplateDAG(ITemplateDAG):
    """A workflow definition: creates workflow instances from its process templates.

    ``execution_timeout`` (seconds, set by the builder's ``set_execution_timeout``): how long
    each instance may run; ``None`` (the default) is no limit, as in 0.2.6.
    """

    execution_timeout: float | None = None

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
        """Create a workflow instance (ROOT, NOT_STARTED) and hand it to the engine.

        Every extra keyword argument becomes a runtime parameter. Child ids come from
        ``seed`` when given, so the same seed (and ``id``) gives the same id tree.
        ``repartition=True`` sends the instance to the worker owning the partition of
        ``runtime_parameters[partition_key_lookup]``, which stores it (and starts it when
        ``submit_task`` is true); ``repartition=False`` does the same on this worker
        (:func:`dagger.engine.operations.start_created` makes that choice).
        """
        workflow = self.template_type(
            id=id,
            template_name=self.name,
            task_name=self.name,
            parent_id=None,
            partition_key_lookup=partition_key_lookup,
            runtime_parameters=dict(kwargs),
            next_dags=[],
            tasks={},
        )
        workflow.execution_timeout = self.execution_timeout
        workflow.status = not_started()
        workflow.time_created = int(now())
        [workflow.root_dag] = await create_each(
            [self.root_process_dag],
            workflow.id,
            self.name,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow,
        )
        await operations.start_created(
            get_runtime(), workflow, repartition=repartition, submit=submit_task
        )
        return workflow

    def _walk(self) -> Iterator[Any]:
        """Every process template reachable from the root, breadth first."""
        seen: set[int] = set()
        queue: deque[Any] = deque([self.root_process_dag])
        while queue:
            node = queue.popleft()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            queue.extend(getattr(node, "child_process_task_templates", ()))
            queue.extend(getattr(node, "next_process_dag", None) or ())

    def get_given_process(self, process_name: str) -> IProcessTemplateDAG | None:
        """Return the process template called ``process_name``, or ``None`` (with a warning)."""
        for node in self._walk():
            if getattr(node, "name", None) == process_name:
                found: IProcessTemplateDAG = node
                return found
        logger.warning("template %r has no process called %r", self.name, process_name)
        return None

    def _process(self, process_name: str) -> IProcessTemplateDAG:
        process = self.get_given_process(process_name)
        if process is None:
            names = sorted({str(getattr(n, "name", "?")) for n in self._walk()})
            raise TemplateDoesNotExist(
                f"workflow template {self.name!r} has no process called {process_name!r} "
                f"(its processes: {', '.join(names)})"
            )
        return process

    def set_dynamic_builders_for_process_template(
        self, name: str, process_template_builders: list[IProcessTemplateDAGBuilder]
    ) -> None:
        """Set the builders of the dynamic process ``name`` (mutates this registered template)."""
        self._process(name).set_dynamic_process_builders(process_template_builders)

    def set_parallel_process_template_dags_for_a_composite_process(
        self, name: str, parallel_process_templates: list[IProcessTemplateDAG]
    ) -> None:
        """Replace the children of the composite process ``name`` (mutates this template)."""
        self._process(name).set_parallel_process_template_dags(parallel_process_templates)

    def set_given_num_of_parallel_processes_for_a_composite_process(
        self,
        no_of_processes: int,
        composite_process_name: str,
        parallel_template_builder: IProcessTemplateDAGBuilder,
    ) -> None:
        """Give the composite ``no_of_processes`` children built from one builder."""
        templates = [parallel_template_builder.build() for _ in range(no_of_processes)]
        self.set_parallel_process_template_dags_for_a_composite_process(
            composite_process_name, templates
        )


class DefaultTemplateBuilder(ITemplateDAGBuilder):
    """Builds a :class:`TemplateDAG` from a name, a workflow type and a root process."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.__name: str | None = None
        self.__template_type: type[ITemplateDAGInstance] = DefaultTemplateDAGInstance
        self.__root: IProcessTemplateDAG | None = None
        self.__execution_timeout: float | None = None

    def set_execution_timeout(self, seconds: float | None) -> Self:
        """Time out each instance ``seconds`` after it starts: every unfinished task is
        STOPPED and the workflow ends FAILURE ("execution timed out after N s").
        ``None`` removes the limit (the default, as in 0.2.6)."""
        self.__execution_timeout = (
            None
            if seconds is None
            else checked_seconds(
                seconds,
                what=f"DefaultTemplateBuilder.set_execution_timeout for {self.__name!r}: seconds",
            )
        )
        return self

    def set_type(self, template_type: type[ITemplateDAGInstance]) -> Self:
        """Set the workflow instance class (an ``ITemplateDAGInstance`` subclass)."""
        check_type(
            self,
            "set_type",
            template_type,
            ITemplateDAGInstance,
            what=f"template {self.__name!r}",
        )
        self.__template_type = template_type
        return self

    def set_root(self, template: IProcessTemplateDAG) -> Self:
        """Set the first process template."""
        self.__root = template
        return self

    def set_name(self, name: str) -> Self:
        """Set the template's name."""
        self.__name = name
        return self

    def build(self) -> TemplateDAG:
        """Return the workflow template."""
        if self.__name is None:
            raise ValueError("DefaultTemplateBuilder.build(): no name set; call set_name first")
        if self.__root is None:
            raise ValueError(
                f"DefaultTemplateBuilder.build() for template {self.__name!r}: no root process "
                f"set; call set_root(<process template>) first"
            )
        template = TemplateDAG(self.__root, self.__name, self.app, self.__template_type)
        template.execution_timeout = self.__execution_timeout
        return template
