"""The concrete task templates: executor, Kafka, trigger, interval and parallel composite.

``create_instance`` builds the task and, recursively, the tasks that follow it, adding each
to the workflow instance; each kind of task only says which fields it takes (``_fields``). It never touches persistence: indexing listeners and storing
triggers happen when the workflow is stored (``dagger.engine.operations.store_and_create``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from dagger.core.retry import RetryPolicy
from dagger.core.status import TaskOperator
from dagger.exceptions.exceptions import InvalidTriggerTimeForTask
from dagger.tasks._base import ITask
from dagger.tasks._listener import SensorTask
from dagger.tasks._support import now
from dagger.tasks._workflow import ITemplateDAGInstance
from dagger.templates._common import (
    add_child_id,
    dotted,
    enum_value,
    not_started,
    runtime_parameters_of,
    topic_name,
)
from dagger.templates._creation import create_each
from dagger.templates._interfaces import TaskTemplate


class DefaultTaskTemplate(TaskTemplate):
    """Template of a plain task (executor, decision, ...): instantiates ``type``.

    ``retry_policy`` (set by the builder's ``set_retry_policy``) is stored on every task it
    creates whose type retries; ``None`` leaves the engine's default to apply.
    """

    retry_policy: RetryPolicy | None = None

    def __init__(
        self,
        app: Any,
        type: type[ITask],
        name: str,
        task_dag_template: Sequence[TaskTemplate],
        allow_skip_to: bool,
        reprocess_on_message: bool = False,
    ) -> None:
        self.app = app
        self._type = type
        self.name = name
        self.next_task_dag: list[TaskTemplate] = list(task_dag_template or [])
        self.allow_skip_to = allow_skip_to
        self.reprocess_on_message = reprocess_on_message

    def _new_task(self, id: UUID, parent_id: UUID, **fields: Any) -> ITask:
        return self._type(id=id, parent_id=parent_id, **fields)

    def _fields(self, workflow_instance: Any, kwargs: Any) -> dict[str, Any]:
        """The fields this kind of task takes from its template and the runtime parameters."""
        return {}

    def _configure(self, task: ITask) -> None:
        """Set what the template adds to a new task beyond 0.2.6's fields."""
        if self.retry_policy is not None and task._retries_on_error:
            task.retry_policy = self.retry_policy.stored()

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
        """Create the task, add it to the workflow and create the tasks that follow it."""
        task = self._new_task(id, parent_id, **self._fields(workflow_instance, kwargs))
        self._configure(task)
        task.time_created = int(now())
        task.status = not_started()
        task.task_name = dotted(parent_name, self.name)
        task.allow_skip_to = self.allow_skip_to
        task.reprocess_on_message = self.reprocess_on_message
        if workflow_instance is not None:
            workflow_instance.add_task(task)
        task.next_dags = await create_each(
            self.next_task_dag,
            parent_id,
            parent_name,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        return task


class DefaultKafkaTaskTemplate(DefaultTaskTemplate):
    """Template of a Kafka command or listener task; the task records its topic's name.

    A listener's ``wait_timeout`` and ``timeout_action`` (the builder's ``set_timeout``) are
    stored on each listener it creates.
    """

    wait_timeout: float | None = None
    timeout_action: str = "fail"

    def __init__(
        self,
        app: Any,
        type: type[ITask],
        name: str,
        topic: Any,
        task_dag_templates: Sequence[TaskTemplate],
        allow_skip_to: bool,
        reprocess_on_message: bool = False,
    ) -> None:
        super().__init__(app, type, name, task_dag_templates, allow_skip_to, reprocess_on_message)
        self.topic = topic
        self.topic_name = topic_name(topic, task=name)
        if app is not None and not isinstance(topic, str):
            # Task code finds the topic object by name: ``app.topics[self.topic].send(...)``.
            app.add_topic(self.topic_name, topic)

    def _new_task(self, id: UUID, parent_id: UUID, **fields: Any) -> ITask:
        return super()._new_task(id, parent_id, topic=self.topic_name, **fields)

    def _configure(self, task: ITask) -> None:
        super()._configure(task)
        if self.wait_timeout is not None and isinstance(task, SensorTask):
            task.wait_timeout = self.wait_timeout
            task.timeout_action = self.timeout_action


class DefaultTriggerTaskTemplate(DefaultTaskTemplate):
    """Template of a trigger task, due at the time held in a runtime parameter."""

    def __init__(
        self,
        app: Any,
        type: type[ITask],
        name: str,
        time_to_execute_key: str | None,
        task_dag_templates: Sequence[TaskTemplate],
        allow_skip_to: bool,
    ) -> None:
        super().__init__(app, type, name, task_dag_templates, allow_skip_to)
        self.time_to_execute_key = time_to_execute_key

    def _required(
        self, key: str | None, purpose: str, setter: str, workflow_instance: Any, kwargs: Any
    ) -> Any:
        if key is None:
            raise InvalidTriggerTimeForTask(
                f"task {self.name!r}: no runtime parameter is configured for its {purpose}; "
                f"call {setter}(<runtime parameter name>) on its builder"
            )
        value = runtime_parameters_of(workflow_instance, kwargs).get(key)
        if value is None:
            workflow = getattr(workflow_instance, "template_name", None)
            where = f" of workflow template {workflow!r}" if workflow else ""
            raise InvalidTriggerTimeForTask(
                f"task {self.name!r}{where}: the runtime parameter {key!r} holding its {purpose} "
                f"is missing; pass {key}=<value> to create_instance"
            )
        return value

    def _trigger_time(self, workflow_instance: Any, kwargs: Any) -> Any:
        return self._required(
            self.time_to_execute_key,
            "time to execute (epoch seconds)",
            "set_time_to_execute_lookup_key",
            workflow_instance,
            kwargs,
        )

    def _fields(self, workflow_instance: Any, kwargs: Any) -> dict[str, Any]:
        """A trigger task's ``time_to_execute``, read from the runtime parameters."""
        return {"time_to_execute": self._trigger_time(workflow_instance, kwargs)}


class DefaultIntervalTaskTemplate(DefaultTriggerTaskTemplate):
    """Template of an interval task: runs every period until done or force-completed."""

    def __init__(
        self,
        app: Any,
        type: type[ITask],
        name: str,
        time_to_execute_key: str | None,
        time_to_force_complete_key: str | None,
        interval_execute_period_key: str | None,
        task_dag_templates: Sequence[TaskTemplate],
        allow_skip_to: bool,
    ) -> None:
        super().__init__(app, type, name, time_to_execute_key, task_dag_templates, allow_skip_to)
        self.time_to_force_complete_key = time_to_force_complete_key
        self.interval_execute_period_key = interval_execute_period_key

    def _fields(self, workflow_instance: Any, kwargs: Any) -> dict[str, Any]:
        """The interval's times; without a time-to-execute key its first run is immediate."""
        first_run = (
            None
            if self.time_to_execute_key is None
            else self._trigger_time(workflow_instance, kwargs)
        )
        force_complete = self._required(
            self.time_to_force_complete_key,
            "force-complete time (epoch seconds)",
            "set_time_to_force_complete_lookup_key",
            workflow_instance,
            kwargs,
        )
        period = self._required(
            self.interval_execute_period_key,
            "execution period (seconds)",
            "set_interval_execute_period_lookup_key",
            workflow_instance,
            kwargs,
        )
        return {
            "time_to_execute": first_run,
            "time_to_force_complete": force_complete,
            "interval_execute_period": period,
        }


class ParallelCompositeTaskTemplate(DefaultTaskTemplate):
    """Template of a task-level parallel composite: its children start together."""

    def __init__(
        self,
        app: Any,
        type: type[ITask],
        name: str,
        task_dag_templates: Sequence[TaskTemplate],
        child_task_templates: Sequence[TaskTemplate],
        allow_skip_to: bool,
        reprocess_on_message: bool = False,
        parallel_operator_type: TaskOperator = TaskOperator.JOIN_ALL,
    ) -> None:
        super().__init__(app, type, name, task_dag_templates, allow_skip_to, reprocess_on_message)
        self.child_task_templates: list[TaskTemplate] = list(child_task_templates)
        self.parallel_operator_type = parallel_operator_type

    def _fields(self, workflow_instance: Any, kwargs: Any) -> dict[str, Any]:
        """The composite's join operator."""
        return {"operator_type": enum_value(self.parallel_operator_type)}

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
        """Create the composite, the tasks after it, then each child under the composite."""
        composite = await super().create_instance(
            id,
            parent_id,
            parent_name,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        children = await create_each(
            self.child_task_templates,
            composite.id,
            composite.task_name or self.name,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        for child_id in children:
            add_child_id(composite, child_id)
        return composite
