"""The engine's faust agents: the tasks topic and one consumer per listener topic.

Both decode messages themselves (their topics are consumed raw), so a message that cannot be
decoded, has the wrong shape, or makes user code raise is logged once with its topic,
partition and offset and skipped: it never stops the agent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dagger.core import operations
from dagger.runtime._locks import LockedSession
from dagger.runtime._runtime import home_partition
from dagger.tasks.task import ITask, ITemplateDAGInstance

if TYPE_CHECKING:
    from dagger.service.services import Dagger

logger = logging.getLogger("dagger.agents")


def where(message: Any) -> str:
    """``topic[partition]@offset`` of a faust message, for logs."""
    return f"{message.topic}[{message.partition}]@{message.offset}"


async def _dead_letter(engine: Dagger, message: Any, reason: str) -> None:
    topic = engine.dead_letter_topic
    if topic is None:
        return
    try:
        await topic.send(
            key=message.key,
            value=message.value,
            headers={
                "dagger-error": reason.encode()[:1000],
                "dagger-origin": where(message).encode(),
            },
        )
    except Exception:
        logger.exception("could not send %s to the dead-letter topic", where(message))


def decode_workflow(value: Any) -> ITemplateDAGInstance[Any, Any]:
    """Decode a ``tasks_topic`` message into a workflow instance (``TypeError`` otherwise)."""
    workflow = ITask.loads(value)
    if not isinstance(workflow, ITemplateDAGInstance):
        raise TypeError(f"expected a workflow instance, got {type(workflow).__name__}")
    return workflow


async def handle_task_message(engine: Dagger, message: Any) -> bool:
    """Store (and start, if SUBMITTED) the workflow carried by one ``tasks_topic`` message."""
    try:
        workflow = decode_workflow(message.value)
    except Exception as exc:
        logger.warning("skipping undecodable tasks-topic message %s: %s", where(message), exc)
        await _dead_letter(engine, message, repr(exc))
        return False
    runtime = engine.runtime
    token = home_partition.set(message.partition)
    try:
        async with LockedSession(runtime, engine.locks) as session:
            await session.hold(workflow.id)
            stored = await runtime.load_workflow(workflow.id)
            if stored is not None and stored.update_count > workflow.update_count:
                logger.info(
                    "workflow %s from %s is older than the stored one; ignoring it",
                    workflow.id,
                    where(message),
                )
                return False
            await operations.store_and_create(session, workflow)
        return True
    except Exception as exc:
        logger.exception(
            "creating workflow %s from %s failed; skipping it", workflow.id, where(message)
        )
        await _dead_letter(engine, message, repr(exc))
        return False
    finally:
        home_partition.reset(token)


def tasks_agent(engine: Dagger) -> Callable[[Any], Any]:
    """The body of the ``tasks_topic`` agent."""

    async def process_tasks(stream: Any) -> None:
        async for event in stream.events():
            await handle_task_message(engine, event.message)

    return process_tasks


def decode_listener_payload(engine: Dagger, topic_name: str, message: Any) -> Any:
    """Decode a listener message with the key/value types of the topic the user declared."""
    topic = engine.topics.get(topic_name)
    value_type = getattr(topic, "value_type", None)
    serializer = getattr(topic, "value_serializer", None)
    return engine.faust_app.serializers.loads_value(
        value_type, message.value, serializer=serializer
    )


async def handle_listener_message(engine: Dagger, topic_name: str, message: Any) -> int:
    """Deliver one listener-topic message to every listener task correlated with it."""
    try:
        payload = decode_listener_payload(engine, topic_name, message)
    except Exception as exc:
        logger.warning("skipping undecodable message %s: %s", where(message), exc)
        await _dead_letter(engine, message, repr(exc))
        return 0
    listener_types = list(engine.listeners.get(topic_name, ()))
    try:
        async with LockedSession(engine.runtime, engine.locks) as session:
            return await operations.dispatch_listener_message(
                session, topic_name, listener_types, payload
            )
    except Exception as exc:
        logger.exception("processing message %s failed; skipping it", where(message))
        await _dead_letter(engine, message, repr(exc))
        return 0


def listener_agent(engine: Dagger, topic_name: str) -> Callable[[Any], Any]:
    """The body of the agent consuming one listener topic for every listener type on it."""

    async def process_listener_messages(stream: Any) -> None:
        async for event in stream.events():
            await handle_listener_message(engine, topic_name, event.message)

    process_listener_messages.__name__ = f"listener_{topic_name}"
    return process_listener_messages
