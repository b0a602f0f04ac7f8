"""The engine's faust agents: the tasks topic and one consumer per listener topic.

Both decode messages themselves (their topics are consumed raw), so a message that cannot be
decoded, has the wrong shape, or makes user code raise is dead-lettered and logged once with
its topic, partition and offset (:mod:`dagger.runtime._dead_letter`), and counted by the
runtime's observer (``message_dead_lettered``, by topic and a bounded reason kind): it never
stops the agent. A listener message that matches no waiting task is normal and logged at
DEBUG only.

The agents are handed an :class:`~dagger.runtime._context.AgentContext` by the engine that
registers them; they never look the engine up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dagger.core.observe import DEAD_LETTERED, FAILED, INVALID, MATCHED, UNDECODABLE, UNMATCHED
from dagger.core.validation import InvalidWorkflowError, RecordDecodeError, validate_workflow
from dagger.engine import operations
from dagger.engine._dispatch import deliver_listener_message
from dagger.runtime._context import AgentContext
from dagger.runtime._dead_letter import origin
from dagger.runtime._locks import LockedSession
from dagger.runtime._runtime import home_partition
from dagger.tasks._base import ITask
from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.agents")


def where(message: Any) -> str:
    """``topic=<t> partition=<p> offset=<o>`` of a faust message, for logs."""
    return origin(message)


async def _dead_letter(
    ctx: AgentContext,
    message: Any,
    kind: str,
    reason: str,
    error: BaseException | None = None,
) -> None:
    """Dead-letter ``message`` for ``reason`` (free text, for the log and the copy's
    headers), and tell the runtime's observer its topic and ``kind`` (a bounded label:
    :data:`~dagger.core.observe.UNDECODABLE`, ``INVALID`` or ``FAILED``). Every message the
    agents give up on passes here, so every dead letter is counted."""
    ctx.runtime.observer.message_dead_lettered(str(message.topic), kind)
    await ctx.dead_letters.reject(message, reason, error)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _undecodable(exc: BaseException) -> str:
    """Why a listener message could not be decoded (faust reports an unknown type tag as
    a bare ``KeyError`` of its name)."""
    cause = exc.__cause__
    if isinstance(cause, KeyError) and cause.args and isinstance(cause.args[0], str):
        return f"cannot decode it: unknown type tag {cause.args[0]!r} (no model of that name)"
    return f"cannot decode it as the topic's value type: {_describe(exc)}"


def decode_workflow(value: Any) -> ITemplateDAGInstance[Any, Any]:
    """Decode a ``tasks_topic`` message into a workflow instance and check that it holds
    together before it is stored: ``RecordDecodeError`` for bad data or a record that is not
    a workflow, ``InvalidWorkflowError`` (a ``RecordDecodeError``) for an inconsistent one."""
    workflow = ITask.loads(value)
    if not isinstance(workflow, ITemplateDAGInstance):
        raise RecordDecodeError(f"expected a workflow instance, got {type(workflow).__name__}")
    validate_workflow(workflow)
    return workflow


async def handle_task_message(ctx: AgentContext, message: Any) -> bool:
    """Store (and start, if SUBMITTED) the workflow carried by one ``tasks_topic`` message."""
    try:
        workflow = decode_workflow(message.value)
    except Exception as exc:
        reason = f"not a workflow the engine accepts: {_describe(exc)}"
        kind = INVALID if isinstance(exc, InvalidWorkflowError) else UNDECODABLE
        await _dead_letter(ctx, message, kind, reason, exc)
        return False
    runtime = ctx.runtime
    token = home_partition.set(message.partition)
    try:
        async with LockedSession(runtime, ctx.locks) as session:
            await session.hold(workflow.id)
            await operations.store_and_create(session, workflow)
        return True
    except Exception as exc:
        reason = f"storing or starting workflow {workflow.id} failed: {_describe(exc)}"
        await _dead_letter(ctx, message, FAILED, reason, exc)
        return False
    finally:
        home_partition.reset(token)


def tasks_agent(ctx: AgentContext) -> Callable[[Any], Any]:
    """The body of the ``tasks_topic`` agent."""

    async def process_tasks(stream: Any) -> None:
        async for event in stream.events():
            await handle_task_message(ctx, event.message)

    return process_tasks


def decode_listener_payload(ctx: AgentContext, topic_name: str, message: Any) -> Any:
    """Decode a listener message with the key/value types of the topic the user declared."""
    topic = ctx.topics.get(topic_name)
    value_type = getattr(topic, "value_type", None)
    serializer = getattr(topic, "value_serializer", None)
    return ctx.serializers.loads_value(value_type, message.value, serializer=serializer)


async def handle_listener_message(ctx: AgentContext, topic_name: str, message: Any) -> int:
    """Deliver one listener-topic message to every listener task correlated with it.

    Returns how many tasks ran ``on_message``. A message that cannot be decoded, that no
    listener type on the topic can read correlation values from, or whose ``on_message``
    raised for a task (the task is FAILURE, as without a dead-letter topic) is dead-lettered.
    The runtime's observer is told whether the message matched, matched nothing, or was
    dead-lettered.
    """
    observer = ctx.runtime.observer
    try:
        payload = decode_listener_payload(ctx, topic_name, message)
    except Exception as exc:
        observer.listener_message(topic_name, DEAD_LETTERED)
        await _dead_letter(ctx, message, UNDECODABLE, _undecodable(exc), exc)
        return 0
    listener_types = list(ctx.listeners.get(topic_name, ()))
    try:
        async with LockedSession(ctx.runtime, ctx.locks) as session:
            delivery = await deliver_listener_message(session, topic_name, listener_types, payload)
    except Exception as exc:
        observer.listener_message(topic_name, DEAD_LETTERED)
        reason = f"delivering it failed: {_describe(exc)}"
        await _dead_letter(ctx, message, FAILED, reason, exc)
        return 0
    if delivery.problems:
        observer.listener_message(topic_name, DEAD_LETTERED)
        # No listener type could read it (the message is bad), or a lookup or on_message
        # failed while handling it.
        kind = UNDECODABLE if delivery.unreadable else FAILED
        reason = "; ".join(delivery.problems)
        await _dead_letter(ctx, message, kind, reason, delivery.error)
    elif delivery.matched == 0:
        observer.listener_message(topic_name, UNMATCHED)
        logger.debug("message %s matched no waiting listener task", where(message))
    else:
        observer.listener_message(topic_name, MATCHED)
    return delivery.processed


def listener_agent(ctx: AgentContext, topic_name: str) -> Callable[[Any], Any]:
    """The body of the agent consuming one listener topic for every listener type on it."""

    async def process_listener_messages(stream: Any) -> None:
        async for event in stream.events():
            await handle_listener_message(ctx, topic_name, event.message)

    process_listener_messages.__name__ = f"listener_{topic_name}"
    return process_listener_messages
