"""``DAGBuilderHelper``: shortcuts for the common builders and for linking chains of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagger.core.retry import RetryPolicy
from dagger.core.timers import checked_action
from dagger.modeler._chain import build_chain
from dagger.modeler._process_builders import (
    DynamicProcessTemplateDagBuilder,
    ProcessTemplateDagBuilder,
)
from dagger.modeler._template_dag import DefaultTemplateBuilder, TemplateDAG
from dagger.tasks._base import ITask
from dagger.tasks._nonleaf import DefaultProcessTemplateDAGInstance
from dagger.tasks._workflow import DefaultTemplateDAGInstance, ITemplateDAGInstance
from dagger.templates._interfaces import (
    IProcessTemplateDAG,
    IProcessTemplateDAGBuilder,
    TaskTemplate,
    TaskTemplateBuilder,
)
from dagger.templates._task_builders import (
    DefaultTaskTemplateBuilder,
    KafkaCommandTaskTemplateBuilder,
    KafkaListenerTaskTemplateBuilder,
)


class DAGBuilderHelper:
    """Builds the usual task, process and workflow templates in one call each.

    ``dagger_app`` is the engine (``Dagger``); topics are created through its
    ``create_topic`` and listeners registered with it.
    """

    def __init__(self, dagger_app: Any) -> None:
        self.app = dagger_app

    def build_and_link_tasks(
        self, tasks_builder_list: Sequence[TaskTemplateBuilder]
    ) -> TaskTemplate:
        """Build the task builders into a chain, in list order; return the first template."""
        if not tasks_builder_list:
            raise ValueError("build_and_link_tasks needs at least one task builder")
        head: TaskTemplate = build_chain(
            tasks_builder_list, lambda builder, next_: builder.set_next(next_)
        )
        return head

    def build_and_link_processes(
        self, process_builder_list: list[IProcessTemplateDAGBuilder]
    ) -> IProcessTemplateDAG:
        """Build the process builders into a chain, in list order; return the first process."""
        if not process_builder_list:
            raise ValueError("build_and_link_processes needs at least one process builder")
        head: IProcessTemplateDAG = build_chain(
            process_builder_list, lambda builder, next_: builder.set_next_process(next_)
        )
        return head

    def generic_process_builder(
        self,
        *,
        process_name: str,
        root_task: TaskTemplate,
        process_type: type[ITask] = DefaultProcessTemplateDAGInstance,
        max_run_duration: int = 0,
    ) -> ProcessTemplateDagBuilder:
        """A process builder named ``process_name`` starting with ``root_task``."""
        builder = ProcessTemplateDagBuilder(self.app)
        builder.set_name(process_name)
        builder.set_type(process_type)
        builder.set_root_task(root_task)
        builder.set_max_run_duration(max_run_duration)
        return builder

    def generic_dynamic_process_builder(
        self, *, name: str, max_run_duration: int = 0
    ) -> DynamicProcessTemplateDagBuilder:
        """A dynamic process builder; its processes are set per use on the template."""
        builder = DynamicProcessTemplateDagBuilder(self.app)
        builder.set_name(name)
        builder.set_max_run_duration(max_run_duration)
        return builder

    def generic_executor_task_builder(
        self,
        *,
        task_type: type[ITask],
        name: str,
        allow_skip_to: bool = False,
        retry_policy: RetryPolicy | None = None,
    ) -> DefaultTaskTemplateBuilder:
        """An executor task builder; the task is named ``f"{name}_executor_task"``.

        ``retry_policy``: how the task is retried when ``execute`` raises (``None``: the
        engine's default, if any).
        """
        builder = DefaultTaskTemplateBuilder(self.app)
        builder.set_name(f"{name}_executor_task")
        builder.set_type(task_type)
        builder.set_allow_skip_to(allow_skip_to)
        builder.set_retry_policy(retry_policy)
        return builder

    def generic_command_task_builder(
        self,
        *,
        topic: str,
        task_type: type[ITask],
        process_name: str,
        key_type: Any = None,
        value_type: Any = None,
        key_serializer: Any = None,
        value_serializer: Any = None,
        retry_policy: RetryPolicy | None = None,
    ) -> KafkaCommandTaskTemplateBuilder:
        """A command task builder on ``topic`` (created if needed), named after the process.

        ``retry_policy``: how the task is retried when ``execute`` raises (``None``: the
        engine's default, if any).
        """
        builder = KafkaCommandTaskTemplateBuilder(self.app)
        builder.set_name(f"{process_name}_command_task")
        builder.set_type(task_type)
        builder.set_topic(
            self._topic(topic, key_type, value_type, key_serializer, value_serializer)
        )
        builder.set_retry_policy(retry_policy)
        return builder

    def generic_listener_task_builder(
        self,
        *,
        topic: str,
        task_type: type[ITask],
        process_name: str,
        allow_skip_to: bool = False,
        concurrency: int = 1,
        reprocess_on_message: bool = False,
        key_type: Any = None,
        value_type: Any = None,
        key_serializer: Any = None,
        value_serializer: Any = None,
        timeout: float | None = None,
        on_timeout: str = "fail",
    ) -> KafkaListenerTaskTemplateBuilder:
        """A listener task builder on ``topic`` (created if needed), named after the process.

        ``timeout``: seconds the listener may wait once started; then it ends FAILURE
        (``on_timeout="fail"``) or SKIPPED (``"skip"``) and the workflow moves on. ``None``
        waits for ever, as in 0.2.6.
        """
        where = f"generic_listener_task_builder for process {process_name!r}"
        if timeout is None and checked_action(on_timeout, what=where) != "fail":
            raise ValueError(f"{where}: on_timeout={on_timeout!r} needs timeout=<seconds>")
        builder = KafkaListenerTaskTemplateBuilder(self.app)
        builder.set_name(f"{process_name}_listener_task")
        builder.set_type(task_type)
        builder.set_topic(
            self._topic(topic, key_type, value_type, key_serializer, value_serializer)
        )
        builder.set_allow_skip_to(allow_skip_to)
        builder.set_concurrency(concurrency)
        builder.set_reprocess_on_message(reprocess_on_message)
        if timeout is not None:
            builder.set_timeout(timeout, on_timeout)
        return builder

    def _topic(
        self, name: str, key_type: Any, value_type: Any, key_serializer: Any, value_serializer: Any
    ) -> Any:
        """The engine's topic ``name`` (created if needed) with these types and serializers."""
        return self.app.create_topic(
            name,
            key_type=key_type,
            value_type=value_type,
            key_serializer=key_serializer,
            value_serializer=value_serializer,
        )

    def generic_template(
        self,
        *,
        template_name: str,
        root_process: IProcessTemplateDAG | IProcessTemplateDAGBuilder,
        template_type: type[ITemplateDAGInstance] = DefaultTemplateDAGInstance,
        execution_timeout: float | None = None,
    ) -> TemplateDAG:
        """A workflow template named ``template_name`` starting with ``root_process``.

        ``root_process`` may also be a process builder; it is built first.
        ``execution_timeout``: seconds each instance may run (see
        ``DefaultTemplateBuilder.set_execution_timeout``; ``None``: no limit).
        """
        if isinstance(root_process, IProcessTemplateDAGBuilder):
            root_process = root_process.build()
        builder = DefaultTemplateBuilder(self.app)
        builder.set_name(template_name)
        builder.set_type(template_type)
        builder.set_root(root_process)
        builder.set_execution_timeout(execution_timeout)
        return builder.build()
