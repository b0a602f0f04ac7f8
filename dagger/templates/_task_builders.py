"""The task-level builders: each checks its task type and builds one kind of task template.

A wrong type is rejected at ``set_type`` with an :class:`InvalidTaskType` naming the builder,
the type, the base class it needs and the builder to use instead; a missing type or topic
is rejected at ``build`` naming the task.

Executor, command, trigger, interval and decision builders take a retry policy
(``set_retry_policy``); the listener builder takes a wait timeout (``set_timeout``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from dagger.core.retry import RetryPolicy, as_policy
from dagger.core.status import TaskOperator
from dagger.core.timers import checked_action, checked_seconds
from dagger.exceptions.exceptions import InvalidTaskType
from dagger.tasks._base import ITask
from dagger.tasks._composite import ParallelCompositeTask
from dagger.tasks._decision import DecisionTask
from dagger.tasks._executor import KafkaCommandTask
from dagger.tasks._listener import KafkaListenerTask
from dagger.tasks._timers import IntervalTask, TriggerTask
from dagger.templates._common import check_type
from dagger.templates._interfaces import TaskTemplate, TaskTemplateBuilder
from dagger.templates._task_templates import (
    DefaultIntervalTaskTemplate,
    DefaultKafkaTaskTemplate,
    DefaultTaskTemplate,
    DefaultTriggerTaskTemplate,
    ParallelCompositeTaskTemplate,
)

if TYPE_CHECKING:
    from typing_extensions import Self

T = TypeVar("T", bound=DefaultTaskTemplate)


class DefaultTaskTemplateBuilder(TaskTemplateBuilder):
    """Builds executor (and other non-Kafka) task templates."""

    _required: type = ITask
    _forbidden: tuple[type, ...] = (KafkaListenerTask, KafkaCommandTask)
    #: Why this builder's tasks take no retry policy (``None``: they do).
    _no_retry: str | None = None
    _retry_policy: RetryPolicy | None = None

    def set_retry_policy(self, policy: RetryPolicy | None) -> Self:
        """Retry the task by ``policy`` when its user code raises (``None``: the engine's
        default policy, if any, applies; without one the task runs once, as in 0.2.6)."""
        where = f"{type(self).__name__}.set_retry_policy for task {self.name!r}"
        if self._no_retry is not None:
            raise ValueError(f"{where}: {self._no_retry}")
        self._retry_policy = as_policy(policy, what=where)
        return self

    def _with_policy(self, template: T) -> T:
        template.retry_policy = self._retry_policy
        return template

    def set_type(self, task_type: type[ITask]) -> Self:
        """Set the task class; Kafka command and listener tasks have their own builders."""
        check_type(
            self,
            "set_type",
            task_type,
            self._required,
            forbidden=self._forbidden,
            what=f"task {self.name!r}",
        )
        self._type = task_type
        return self

    def _checked_type(self) -> type[ITask]:
        if self._type is None:
            raise InvalidTaskType(
                f"{type(self).__name__}.build() for task {self.name!r}: no task type set; "
                f"call set_type(<a {self._required.__name__} subclass>) first"
            )
        return self._type

    def build(self) -> DefaultTaskTemplate:
        """Return a :class:`DefaultTaskTemplate`."""
        return self._with_policy(
            DefaultTaskTemplate(
                self.app,
                self._checked_type(),
                self.name,
                list(self.task_dags),
                self.allow_skip_to,
                self.reprocess_on_message,
            )
        )


class DecisionTaskTemplateBuilder(DefaultTaskTemplateBuilder):
    """Builds decision task templates (the task chooses which successor runs)."""

    _required = DecisionTask
    _forbidden = ()


class _TopicBuilderMixin(DefaultTaskTemplateBuilder):
    _topic: Any = None

    def set_topic(self, topic: Any) -> Self:
        """Set the topic (as returned by ``Dagger.create_topic``)."""
        self._topic = topic
        return self

    def _checked_topic(self) -> Any:
        if self._topic is None:
            raise ValueError(
                f"{type(self).__name__}.build() for task {self.name!r}: no topic set; "
                f"call set_topic(Dagger.create_topic(<topic name>)) first"
            )
        return self._topic

    def build(self) -> DefaultKafkaTaskTemplate:
        """Return a :class:`DefaultKafkaTaskTemplate` (it registers the topic with the app)."""
        return self._with_policy(
            DefaultKafkaTaskTemplate(
                self.app,
                self._checked_type(),
                self.name,
                self._checked_topic(),
                list(self.task_dags),
                self.allow_skip_to,
                self.reprocess_on_message,
            )
        )


class KafkaCommandTaskTemplateBuilder(_TopicBuilderMixin):
    """Builds command task templates: tasks that send to a Kafka topic."""

    _required = KafkaCommandTask
    _forbidden = ()

    def set_topic(self, topic: Any) -> Self:
        """Set the topic the command sends to."""
        return super().set_topic(topic)


class KafkaListenerTaskTemplateBuilder(_TopicBuilderMixin):
    """Builds listener task templates and registers the listener with the engine."""

    _required = KafkaListenerTask
    _forbidden = ()
    _no_retry = (
        "a listener is not retried (a failing on_message ends it FAILURE); "
        "set_timeout bounds its wait"
    )

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.concurrency = 1
        self._timeout: float | None = None
        self._on_timeout = "fail"

    def set_timeout(self, seconds: float, on_timeout: str = "fail") -> Self:
        """End the listener if no message completes it within ``seconds`` of it starting to
        wait: ``on_timeout="fail"`` ends it FAILURE (``message`` "timed out after N s"),
        ``"skip"`` ends it SKIPPED; either way the workflow moves on."""
        where = f"{type(self).__name__}.set_timeout for task {self.name!r}"
        self._timeout = checked_seconds(seconds, what=f"{where}: seconds")
        self._on_timeout = checked_action(on_timeout, what=where)
        return self

    def set_topic(self, topic: Any) -> Self:
        """Set the topic whose messages complete the listener."""
        return super().set_topic(topic)

    def set_concurrency(self, concurrency: int) -> None:
        """Set how many messages of the topic are processed concurrently.

        Returns ``None`` as in 0.2.6, so it does not chain.
        """
        self.concurrency = concurrency

    def set_reprocess_on_message(self, reprocess_on_message: bool) -> Self:
        """Let a message for an already completed task be processed again."""
        self.reprocess_on_message = reprocess_on_message
        return self

    def build(self) -> DefaultKafkaTaskTemplate:
        """Register the listener type on its topic with the app and return its template."""
        template = super().build()
        template.wait_timeout = self._timeout
        template.timeout_action = self._on_timeout
        # The engine runs one consumer per topic serving every listener type registered on it.
        self.app.register_listener(template.topic_name, self._checked_type(), self.concurrency)
        return template


class TriggerTaskTemplateBuilder(DefaultTaskTemplateBuilder):
    """Builds trigger task templates: tasks that run at a time held in a runtime parameter."""

    _required = TriggerTask
    _forbidden = ()

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.time_to_execute_key: str | None = None

    def set_time_to_execute_lookup_key(self, key: str) -> Self:
        """Name the runtime parameter holding the time to execute (epoch seconds)."""
        self.time_to_execute_key = key
        return self

    def build(self) -> DefaultTriggerTaskTemplate:
        """Return a :class:`DefaultTriggerTaskTemplate`."""
        return self._with_policy(
            DefaultTriggerTaskTemplate(
                self.app,
                self._checked_type(),
                self.name,
                self.time_to_execute_key,
                list(self.task_dags),
                self.allow_skip_to,
            )
        )


class IntervalTaskTemplateBuilder(TriggerTaskTemplateBuilder):
    """Builds interval task templates: run every period until done or force-completed."""

    _required = IntervalTask

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.time_to_force_complete_key: str | None = None
        self.interval_execute_period_key: str | None = None

    def set_time_to_force_complete_lookup_key(self, key: str) -> Self:
        """Name the runtime parameter holding the force-complete time (epoch seconds)."""
        self.time_to_force_complete_key = key
        return self

    def set_interval_execute_period_lookup_key(self, key: str) -> Self:
        """Name the runtime parameter holding the period between runs (seconds)."""
        self.interval_execute_period_key = key
        return self

    def build(self) -> DefaultIntervalTaskTemplate:
        """Return a :class:`DefaultIntervalTaskTemplate`."""
        return self._with_policy(
            DefaultIntervalTaskTemplate(
                self.app,
                self._checked_type(),
                self.name,
                self.time_to_execute_key,
                self.time_to_force_complete_key,
                self.interval_execute_period_key,
                list(self.task_dags),
                self.allow_skip_to,
            )
        )


class ParallelCompositeTaskTemplateBuilder(DefaultTaskTemplateBuilder):
    """Builds a task-level parallel composite whose children start together."""

    _required = ParallelCompositeTask
    _forbidden = ()
    _no_retry = "a parallel composite runs no user code; give its children retry policies"

    def __init__(
        self, app: Any, no_of_parallel_tasks: int, task_template: TaskTemplate | None
    ) -> None:
        super().__init__(app)
        self._type = ParallelCompositeTask
        self.parallel_tasks = self.get_parallel_tasks_templates(no_of_parallel_tasks, task_template)
        self.operator_type = TaskOperator.JOIN_ALL

    def get_parallel_tasks_templates(
        self, no_of_parallel_tasks: int, task_template: TaskTemplate | None
    ) -> list[TaskTemplate]:
        """``no_of_parallel_tasks`` references to one child template (templates are shared)."""
        if task_template is None:
            return []
        return [task_template] * no_of_parallel_tasks

    def add_parallel_task(self, task_template: TaskTemplate) -> Self:
        """Add one more child template."""
        self.parallel_tasks.append(task_template)
        return self

    def set_task_operator(self, operator: TaskOperator) -> Self:
        """JOIN_ALL (every child ends) or ATLEAST_ONE (the first child ends) completes it."""
        self.operator_type = operator
        return self

    def build(self) -> ParallelCompositeTaskTemplate:
        """Return a :class:`ParallelCompositeTaskTemplate`."""
        return ParallelCompositeTaskTemplate(
            self.app,
            self._checked_type(),
            self.name,
            list(self.task_dags),
            list(self.parallel_tasks),
            self.allow_skip_to,
            self.reprocess_on_message,
            self.operator_type,
        )
