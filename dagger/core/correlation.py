"""Keeping the runtime's correlation index in step with a workflow's listener tasks.

A listener task (any task with a ``correlatable_key``) is indexed under
``(str(runtime_parameters[correlatable_key]), task.topic)`` while it may still receive a
message: NOT_STARTED (for skip-to), SUBMITTED, EXECUTING, and COMPLETED when it has
``reprocess_on_message``. The workflow remembers what each task was indexed under in
``sensor_tasks_to_correletable_map``, so an entry can be removed, or moved when the
runtime parameter changes, without searching the index.
"""

from __future__ import annotations

import logging
from typing import Any

from dagger.core.ports import TaskNode, WorkflowNode, WorkflowRuntime
from dagger.core.records import CorrelatableMapValue
from dagger.core.status import TaskStatusEnum
from dagger.core.transitions import code_of, is_terminal

logger = logging.getLogger(__name__)


def topic_of(task: Any) -> str:
    """The topic name a listener is indexed under (``""`` for a sensor without a topic)."""
    return str(getattr(task, "topic", None) or "")


def is_listener(task: Any) -> bool:
    """Whether the task takes part in correlation (its ``correlatable_key`` is set)."""
    return bool(getattr(task, "correlatable_key", None))


def wants_index(task: TaskNode) -> bool:
    """Whether a listener may still receive messages, and so belongs in the index."""
    if not is_listener(task):
        return False
    if not is_terminal(task):
        return True
    return code_of(task) is TaskStatusEnum.COMPLETED and bool(task.reprocess_on_message)


def current_value(workflow: WorkflowNode, task: TaskNode) -> str | None:
    """The value the task should be indexed under now (``None`` when the parameter is unset)."""
    value = workflow.runtime_parameters.get(str(task.correlatable_key))
    return None if value is None else str(value)


async def index_task(runtime: WorkflowRuntime, workflow: WorkflowNode, task: TaskNode) -> bool:
    """Index the task under its current key value (idempotent); ``False`` when there is none."""
    value = current_value(workflow, task)
    if value is None:
        return False
    await runtime.index_listener(value, topic_of(task), workflow.id, task.id)
    workflow.sensor_tasks_to_correletable_map[task.id] = CorrelatableMapValue(
        str(task.correlatable_key), value
    )
    return True


async def unindex_task(runtime: WorkflowRuntime, workflow: WorkflowNode, task: TaskNode) -> bool:
    """Remove the task's index entry, if it has one."""
    entry = workflow.sensor_tasks_to_correletable_map.pop(task.id, None)
    if entry is None:
        return False
    await runtime.unindex_listener(
        str(entry.correlatable_key_attr_value), topic_of(task), workflow.id, task.id
    )
    return True


async def sync_task(
    runtime: WorkflowRuntime, workflow: WorkflowNode, task: TaskNode, *, reassert: bool = False
) -> None:
    """Bring one task's index entry in line with its status and its key's current value.

    An entry the workflow already records is not written again, unless ``reassert``: a
    workflow arriving from another worker records entries that this runtime's index may
    lack, so they are written (idempotently) here.
    """
    entry = workflow.sensor_tasks_to_correletable_map.get(task.id)
    if not wants_index(task):
        if entry is not None:
            await unindex_task(runtime, workflow, task)
        return
    value = current_value(workflow, task)
    unchanged = entry is not None and entry.correlatable_key_attr_value == value
    if unchanged and not reassert:
        return
    if entry is not None and not unchanged:
        logger.debug(
            "re-indexing listener %s: %s %r -> %r",
            task.task_name,
            task.correlatable_key,
            entry.correlatable_key_attr_value,
            value,
        )
        await unindex_task(runtime, workflow, task)
    await index_task(runtime, workflow, task)


async def sync_index(
    runtime: WorkflowRuntime, workflow: WorkflowNode, *, reassert: bool = False
) -> None:
    """Re-index every listener of a workflow whose key value or status changed.

    ``reassert`` also writes the unchanged entries again (see :func:`sync_task`).
    """
    for task in list(workflow.tasks.values()):
        if is_listener(task) or task.id in workflow.sensor_tasks_to_correletable_map:
            await sync_task(runtime, workflow, task, reassert=reassert)


async def unindex_all(runtime: WorkflowRuntime, workflow: WorkflowNode) -> None:
    """Remove every index entry of a workflow (it ended, or is deleted)."""
    for task_id in list(workflow.sensor_tasks_to_correletable_map):
        task = workflow.tasks.get(task_id)
        entry = workflow.sensor_tasks_to_correletable_map.pop(task_id)
        await runtime.unindex_listener(
            str(entry.correlatable_key_attr_value), topic_of(task), workflow.id, task_id
        )
