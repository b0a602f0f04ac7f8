"""Delivering one listener-topic message to the tasks correlated with it.

0.2.6's ``KafkaAgent.process_event_helper``, taking the runtime explicitly, for every
listener type served by the topic's consumer. :func:`deliver_listener_message` also says
what went wrong (a :class:`Delivery`), so the topic's consumer can dead-letter a message it
could not use; nothing here logs above DEBUG, the consumer logs one line per message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from dagger.core import transitions as tr
from dagger.core.context import current_observer as runtime_observer
from dagger.core.correlation import topic_of
from dagger.core.observe import observed_execution
from dagger.core.persistence import persist
from dagger.core.ports import WorkflowRuntime
from dagger.core.status import TaskStatusEnum
from dagger.engine._step import step
from dagger.tasks._base import ITask, ancestors, collect_remaining, outcome_of
from dagger.tasks._listener import KafkaListenerTask
from dagger.tasks._support import error_text, now
from dagger.tasks._timeouts import arm_listener_timeout
from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.dispatch")
S = TaskStatusEnum
_PROBE_ID = UUID(int=0)
#: Correlation values a message may carry: the index is keyed by ``str(value)``, which is
#: only meaningful for scalars (a dict or list would be looked up by its repr).
_SCALARS = (str, int, float, Decimal, UUID)


@dataclass
class Delivery:
    """What became of one listener message.

    ``processed``: tasks that ran ``on_message``; ``matched``: tasks found in the index under
    the message's values; ``problems``: why the message could not be used (empty when it
    was), with ``error`` the first exception behind them, for a traceback at DEBUG;
    ``unreadable``: the problem is that no listener type could read correlation values from
    it (the message itself is bad), not that something failed while handling it.
    A message that matches no waiting task is not a problem.
    """

    processed: int = 0
    matched: int = 0
    problems: list[str] = field(default_factory=list)
    error: BaseException | None = None
    unreadable: bool = False

    def fail(self, problem: str, error: BaseException | None = None) -> None:
        """Record a reason the message could not be used."""
        self.problems.append(problem)
        if self.error is None:
            self.error = error


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
    raised by user code escapes: it is recorded on the task (FAILURE), and what made the
    message unusable is logged as one warning (the engine's consumer uses
    :func:`deliver_listener_message` instead, to dead-letter such messages).
    """
    delivery = await deliver_listener_message(runtime, topic, listener_types, payload)
    if delivery.problems:
        logger.warning(
            "a %s message could not be used: %s",
            topic,
            "; ".join(delivery.problems),
            exc_info=delivery.error if logger.isEnabledFor(logging.DEBUG) else None,
        )
    return delivery.processed


@step
async def deliver_listener_message(
    runtime: WorkflowRuntime,
    topic: str,
    listener_types: Sequence[type[KafkaListenerTask[Any, Any]]],
    payload: Any,
) -> Delivery:
    """:func:`dispatch_listener_message`, reporting what could not be done.

    The message is unusable (``problems``) when no listener type on the topic could read
    correlation values from it, when ``on_message`` raised for a task (which is also
    recorded on the task as FAILURE), or when the engine failed to deliver it. A listener
    type that cannot read a message another type on the topic reads is not a problem: a
    topic may carry messages for several types.
    """
    delivery = Delivery()
    handled: set[tuple[Any, Any]] = set()
    unreadable: list[tuple[str, Exception | None]] = []
    for listener_type in listener_types:
        values, problem, error = await _key_values(listener_type, topic, payload)
        if problem is not None:
            unreadable.append((problem, error))
            logger.debug("%s on %s: %s", listener_type.__name__, topic, problem, exc_info=error)
        for value in values:
            try:
                entries = await runtime.lookup_listeners(value, topic)
            except Exception as exc:
                delivery.fail(f"correlation lookup of {value!r} failed: {error_text(exc)}", exc)
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
                        delivery,
                    )
                except Exception as exc:
                    delivery.fail(
                        f"delivering it to task {task_id} of workflow {workflow_id} failed: "
                        f"{error_text(exc)}",
                        exc,
                    )
                    continue
                if outcome is None:
                    continue
                delivery.matched += 1
                handled.add((workflow_id, task_id))
                if outcome:
                    delivery.processed += 1
                    if getattr(listener_type, "match_only_one", False):
                        break
    if unreadable and len(unreadable) == len(listener_types):
        delivery.unreadable = True
        for problem, error in unreadable:
            delivery.fail(problem, error)
    return delivery


async def _key_values(
    listener_type: type[ITask[Any, Any]], topic: str, payload: Any
) -> tuple[list[str], str | None, Exception | None]:
    """The distinct correlation values a listener type reads from a payload.

    Returns ``(values, problem, error)``: ``problem`` says why the payload is unreadable for
    this type (its extractor raised, or returned a mapping that is not an ``(attribute,
    value)`` pair with a non-empty scalar value), ``None`` when it is readable.
    """
    name = listener_type.__name__
    fields: dict[str, Any] = {"id": _PROBE_ID}
    if "topic" in listener_type._options.fields:
        fields["topic"] = topic
    try:
        probe = listener_type(**fields)
        mappings = await probe.get_correlatable_keys_from_payload(payload)
    except Exception as exc:
        return [], f"{name}.get_correlatable_keys_from_payload raised {error_text(exc)}", exc
    if mappings is None:
        mappings = []
    if not isinstance(mappings, (list, tuple)):
        kind = type(mappings).__name__
        return [], f"{name}.get_correlatable_keys_from_payload returned a {kind}, not a list", None
    values: list[str] = []
    problem: str | None = None
    for mapping in mappings:
        bad = _bad_mapping(mapping)
        if bad is not None:
            problem = problem or f"{name}: correlation mapping {_short(mapping)} {bad}"
            continue
        value = str(mapping[1])
        if value not in values:
            values.append(value)
    if values and problem is not None:
        # Some of the message is usable: deliver that, and only note the rest.
        logger.debug("%s on %s: ignoring a mapping: %s", name, topic, problem)
        problem = None
    return values, problem, None


def _bad_mapping(mapping: Any) -> str | None:
    """Why ``mapping`` is not a usable ``(attribute, value)`` pair (``None``: it is)."""
    if not isinstance(mapping, (tuple, list)) or len(mapping) < 2:
        return "is not an (attribute, value) pair"
    value = mapping[1]
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        return f"has a {type(value).__name__} value, not a string or number"
    if value == "":
        return "has an empty value"
    return None


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


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
    delivery: Delivery,
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
            await _on_message(task, workflow, payload, delivery, complete=False)
            await persist(runtime, workflow)
            return True
        await task.start(workflow)  # re-drive the successors of a finished listener
        await persist(runtime, workflow)
        return False
    if code is not S.EXECUTING:
        logger.info("task %s is %s; ignoring a %s message", task.task_name, code.name, topic)
        return False
    await _on_message(task, workflow, payload, delivery, complete=True)
    await persist(runtime, workflow)
    return True


async def _on_message(
    task: ITask[Any, Any],
    workflow: ITemplateDAGInstance[Any, Any],
    payload: Any,
    delivery: Delivery,
    *,
    complete: bool,
) -> None:
    """Run the task's ``on_message``; if it raises, record the error on the task (FAILURE
    when it was waiting) and on ``delivery``, whose consumer logs it once with the message's
    topic, partition and offset."""
    try:
        with observed_execution(runtime_observer(), task, workflow, "on_message"):
            done = await task.on_message(workflow.runtime_parameters, payload)
    except Exception as exc:
        task.message = error_text(exc)
        delivery.fail(
            f"{type(task).__name__}.on_message of task {task.task_name} ({task.id}) of "
            f"workflow {workflow.id} raised {task.message}",
            exc,
        )
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
    if tr.apply(tr.START, task, at):
        await arm_listener_timeout(task, workflow)
