"""Small helpers the task, process and workflow templates share.

Fresh statuses, dotted task names, topic names and the type checks behind every builder's
``set_type`` (ids and the creation of nodes are in ``_creation``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from dagger.core.status import TaskStatus, TaskStatusEnum, status_of
from dagger.exceptions.exceptions import InvalidTaskType
from dagger.tasks._base import ITask
from dagger.tasks._composite import ParallelCompositeTask
from dagger.tasks._decision import DecisionTask
from dagger.tasks._executor import KafkaCommandTask
from dagger.tasks._listener import KafkaListenerTask
from dagger.tasks._nonleaf import IProcessTemplateDAGInstance
from dagger.tasks._timers import IntervalTask, TriggerTask
from dagger.tasks._workflow import ITemplateDAGInstance


def not_started() -> TaskStatus:
    """A fresh NOT_STARTED status (status objects are replaced, never shared)."""
    return status_of(TaskStatusEnum.NOT_STARTED)


def dotted(parent_name: str | None, name: str) -> str:
    """The dotted task name ``"<parent>.<name>"`` (just ``name`` at the top)."""
    return f"{parent_name}.{name}" if parent_name else name


def enum_value(value: Any) -> Any:
    """Store enums as their plain value so records stay JSON-friendly."""
    return getattr(value, "value", value)


def topic_name(topic: Any, *, task: str) -> str:
    """The name of a faust topic (or the string itself), with a clear error otherwise."""
    if isinstance(topic, str):
        return topic
    getter = getattr(topic, "get_topic_name", None)
    if callable(getter):
        return str(getter())
    raise ValueError(
        f"task {task!r}: {topic!r} is not a topic; pass the topic returned by "
        f"Dagger.create_topic(...) (or its name)"
    )


def runtime_parameters_of(
    workflow_instance: ITemplateDAGInstance | None, kwargs: Mapping[str, Any]
) -> Mapping[str, Any]:
    """Task templates read runtime parameters from the workflow; ``kwargs`` when there is none."""
    if workflow_instance is not None:
        return workflow_instance.runtime_parameters
    return kwargs


def add_child_id(task: Any, child_id: UUID) -> None:
    """Append a child to ``parallel_child_task_list`` whether it is declared a list or a set."""
    children = task.parallel_child_task_list
    if isinstance(children, set):
        children.add(child_id)
    else:
        children.append(child_id)


# The builder that fits each kind of task, most specific first (used in error messages).
_BUILDER_FOR: tuple[tuple[type, str], ...] = (
    (
        KafkaListenerTask,
        "KafkaListenerTaskTemplateBuilder (or DAGBuilderHelper."
        "generic_listener_task_builder) for listener tasks",
    ),
    (
        KafkaCommandTask,
        "KafkaCommandTaskTemplateBuilder (or DAGBuilderHelper."
        "generic_command_task_builder) for command tasks",
    ),
    (IntervalTask, "IntervalTaskTemplateBuilder for interval tasks"),
    (TriggerTask, "TriggerTaskTemplateBuilder for trigger tasks"),
    (DecisionTask, "DecisionTaskTemplateBuilder for decision tasks"),
    (
        ParallelCompositeTask,
        "ParallelCompositeTaskTemplateBuilder (or "
        "ParallelCompositeProcessTemplateDagBuilder) for parallel composites",
    ),
    (
        IProcessTemplateDAGInstance,
        "ProcessTemplateDagBuilder (or DAGBuilderHelper.generic_process_builder) for process types",
    ),
    (
        ITemplateDAGInstance,
        "DefaultTemplateBuilder (or DAGBuilderHelper.generic_template) for workflow types",
    ),
    (
        ITask,
        "DefaultTaskTemplateBuilder (or DAGBuilderHelper.generic_executor_task_builder) "
        "for executor tasks",
    ),
)


def suggest_builder(task_type: type) -> str:
    """How to fix a wrong type: the builder meant for it."""
    for base, builder in _BUILDER_FOR:
        if issubclass(task_type, base):
            return f"use {builder}"
    return "pass a subclass of a dagger task class from dagger.tasks.task"


def check_type(
    builder: object,
    method: str,
    given: Any,
    required: type,
    *,
    forbidden: tuple[type, ...] = (),
    what: str | None = None,
) -> None:
    """Raise :class:`InvalidTaskType` with the builder, the type, the base it needs and the fix."""
    where = f"{type(builder).__name__}.{method}({getattr(given, '__name__', repr(given))})"
    if what:
        where = f"{where} for {what}"
    if not isinstance(given, type):
        raise InvalidTaskType(
            f"{where}: expected a class that subclasses {required.__name__}, got "
            f"{type(given).__name__} {given!r}; pass the class itself, not an instance"
        )
    name = given.__name__
    if not issubclass(given, required):
        raise InvalidTaskType(
            f"{where}: {name} must subclass {required.__name__}; {suggest_builder(given)}"
        )
    for base in forbidden:
        if issubclass(given, base):
            raise InvalidTaskType(
                f"{where}: {name} is a {base.__name__}, which {type(builder).__name__} cannot "
                f"build; {suggest_builder(given)}"
            )
