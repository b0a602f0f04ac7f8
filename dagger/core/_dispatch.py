"""Delivering one listener-topic message to the tasks correlated with it.

0.2.6's ``KafkaAgent.process_event_helper``, taking the runtime explicitly, for every
listener type served by the topic's consumer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.correlation import topic_of
from dagger.core.persistence import persist
from dagger.core.ports import WorkflowRuntime
from dagger.core.status import TaskStatusEnum
from dagger.tasks._base import ITask, ancestors, collect_remaining, outcome_of
from dagger.tasks._support import UserCodeFailed, guarded, now
from dagger.tasks.task import ITemplateDAGInstance, KafkaListenerTask

logger = logging.getLogger("dagger.dispatch")
S = TaskStatusEnum
_PROBE_ID = UUID(int=0)


async def dispatch_listener_message(
    runtime: WorkflowRuntime,
    topic: str,
    listener_types: Sequence[type[KafkaListenerTask[Any, Any]]],
    payload: Any,
) -> int:
    """Deliver ``payload`` from ``topic`` to every listener task correlated with it.

    For each listener type: extract the ``(attribute, value)`` mappings from the payload,
    look each value up in the correlation index, and hand the message to each task found
    (of that type, on that topic). Returns how many tasks ran ``on_message``. Nothing
    raised by user code escapes: it is recorded on the task (FAILURE) and logged.
    """
    processed = 0
    handled: set[tuple[Any, Any]] = set()
    for listener_type in listener_types:
        for value in await _key_values(listener_type, topic, payload):
            try:
                entries = await runtime.lookup_listeners(value, topic)
            except Exception:
                logger.exception("correlation lookup of %r on %s failed", value, topic)
                continue
            for workflow_id, task_id in entries:
                if (workflow_id, task_id) in handled:
                    continue
                try:
                    outcome = await _deliver_to(
                        runtime,
                        topic,
                        listener_type,
                        listener_types,
                        value,
                        workflow_id,
                        task_id,
                        payload,
                    )
                except Exception:
                    logger.exception(
                        "delivering a %s message to task %s of workflow %s failed",
                        topic,
                        task_id,
                        workflow_id,
                    )
                    continue
                if outcome is None:
                    continue
                handled.add((workflow_id, task_id))
                if outcome:
                    processed += 1
                    if getattr(listener_type, "match_only_one", False):
                        break
    return processed


async def _key_values(listener_type: type[ITask[Any, Any]], topic: str, payload: Any) -> list[str]:
    """The distinct correlation values a listener type reads from a payload."""
    fields: dict[str, Any] = {"id": _PROBE_ID}
    if "topic" in listener_type._options.fields:
        fields["topic"] = topic
    try:
        probe = listener_type(**fields)
        mappings = await probe.get_correlatable_keys_from_payload(payload)
    except Exception:
        logger.exception(
            "%s could not extract correlation keys from a %s message; skipping it",
            listener_type.__name__,
            topic,
        )
        return []
    values: list[str] = []
    for mapping in mappings or []:
        if not isinstance(mapping, (tuple, list)) or len(mapping) < 2 or not mapping[1]:
            logger.warning("%s: ignoring correlation mapping %r", listener_type.__name__, mapping)
            continue
        value = str(mapping[1])
        if value not in values:
            values.append(value)
    return values


def _belongs(task: ITask[Any, Any], listener_type: type, listener_types: Sequence[type]) -> bool:
    """Whether ``task`` is served through ``listener_type`` (its exact type when registered)."""
    if type(task) in listener_types:
        return type(task) is listener_type
    return isinstance(task, listener_type)


async def _deliver_to(
    runtime: WorkflowRuntime,
    topic: str,
    listener_type: type,
    listener_types: Sequence[type],
    value: str,
    workflow_id: UUID,
    task_id: UUID,
    payload: Any,
) -> bool | None:
    """Hand the message to one indexed task. ``None``: not its task; ``True``: processed."""
    workflow = await runtime.load_workflow(workflow_id)
    task = workflow.get_task(task_id) if workflow is not None else None
    if workflow is None or task is None:
        # A stale entry: its workflow or task is gone.
        await runtime.unindex_listener(value, topic, workflow_id, task_id)
        return None
    if not _belongs(task, listener_type, listener_types) or topic_of(task) != topic:
        return None
    code = tr.code_of(task)
    if code in (S.NOT_STARTED, S.SUBMITTED) and task.allow_skip_to:
        await skip_to(workflow, task)
        code = tr.code_of(task)
    if code is S.COMPLETED:
        if task.reprocess_on_message:
            await _on_message(task, workflow, payload, complete=False)
            await persist(runtime, workflow)
            return True
        await task.start(workflow)  # re-drive the successors of a finished listener
        await persist(runtime, workflow)
        return False
    if code is not S.EXECUTING:
        logger.info("task %s is %s; ignoring a %s message", task.task_name, code.name, topic)
        return False
    await _on_message(task, workflow, payload, complete=True)
    await persist(runtime, workflow)
    return True


async def _on_message(
    task: ITask[Any, Any], workflow: ITemplateDAGInstance[Any, Any], payload: Any, *, complete: bool
) -> None:
    try:
        done = await guarded(
            task, "on_message", task.on_message(workflow.runtime_parameters, payload)
        )
    except UserCodeFailed:
        await workflow._update_global_runtime_parameters()
        if complete:
            await task.on_complete(workflow, status=S.FAILURE)
        return
    await workflow._update_global_runtime_parameters()
    if complete and done:
        await task.on_complete(workflow, status=outcome_of(task))


async def skip_to(workflow: ITemplateDAGInstance[Any, Any], task: ITask[Any, Any]) -> None:
    """Skip every unfinished task before ``task``, start its ancestors, and start it."""
    before: list[ITask[Any, Any]] = []
    if collect_remaining(workflow, workflow.root_dag, task.id, before):
        for earlier in before:
            if not tr.is_terminal(earlier):
                await earlier.on_complete(workflow, status=S.SKIPPED, iterate=False)
    else:
        logger.warning("skip-to: task %s is not reachable from the workflow root", task.task_name)
    at = now()
    for parent in reversed(ancestors(task, workflow)):
        if tr.code_of(parent) in (S.NOT_STARTED, S.SUBMITTED):
            tr.apply(tr.START, parent, at)
    tr.apply(tr.START, task, at)
