"""How ``Dagger`` builds its parts and hands each one what it needs.

The engine (``_engine``) calls these once, while it is constructed. Nothing built here looks
the engine up later: the store is bound to the runtime, the timer service and the agents get
frozen contexts (``dagger.runtime._context``), the web views get the engine itself.
"""

from __future__ import annotations

from typing import Any

from dagger.core.observe import Observer, combine
from dagger.runtime._context import AgentContext, TimerContext
from dagger.runtime._dead_letter import DeadLetters
from dagger.runtime._partitioner import key_bytes
from dagger.runtime._runtime import FaustRuntime
from dagger.runtime._timer_service import TimerService
from dagger.store._aerospike import AerospikeStore
from dagger.store._base import IStore
from dagger.store._config import StoreEnum
from dagger.store._local import InMemoryStore, RocksDBStore
from dagger.tracing.otel import otel_observer

MEMORY_STORE = "memory://"


def declare_topics(engine: Any) -> None:
    """Declare the engine's own topics on its faust app: ``tasks_topic`` (with its
    partition count), ``bootstrap_topic``, ``task_update_topic`` when configured, and the
    dead-letter topic ``<tasks_topic>-dlq`` with its :class:`DeadLetters`."""
    app = engine.faust_app
    raw = {"key_serializer": "raw", "value_serializer": "raw"}
    name = engine._tasks_topic_name
    engine.tasks_topic = app.topic(name, partitions=engine.config.KAFKA_PARTITIONS, **raw)
    engine.bootstrap_topic = app.topic(engine._bootstrap_topic_name, **raw)
    engine.task_update_topic = None
    if engine._task_update_topic_name:
        engine.task_update_topic = app.topic(engine._task_update_topic_name, **raw)
    # One dead-letter topic for every topic this worker consumes (the headers name the
    # origin); see dagger.runtime._dead_letter.
    engine.dead_letter_topic = app.topic(f"{name}-dlq", **raw)
    engine.dead_letters = DeadLetters(engine.dead_letter_topic, app.conf.producer_max_request_size)


def make_store(engine: Any) -> IStore:
    """The store named by ``Dagger(store=...)``, its tables built on the engine's app."""
    url = engine.config.STORE
    if url == StoreEnum.ROCKSDB.value:
        return RocksDBStore(engine)
    if url == StoreEnum.AEROSPIKE.value:
        return AerospikeStore(engine)
    if url == MEMORY_STORE:
        return InMemoryStore(engine)
    raise ValueError(f"unknown store {url!r}: use 'rocksdb://', 'aerospike://' or 'memory://'")


def make_runtime(engine: Any, store: IStore) -> FaustRuntime:
    """The runtime over the store's tables; it sends over the engine's topics."""
    tasks_topic = engine.tasks_topic
    update_topic = engine.task_update_topic

    async def send_for_creation(key: Any, workflow: Any) -> None:
        await tasks_topic.send(key=None if key is None else key_bytes(key), value=workflow.dumps())

    async def publish_update(key: Any, body: bytes) -> None:
        await update_topic.send(key=None if key is None else key_bytes(key), value=body)

    runtime = FaustRuntime(
        kv=store.kv_table,
        triggers=store.triggers_table,
        correlation=store.correletable_keys_table,
        partitions=engine.config.KAFKA_PARTITIONS,
        owned=engine.owned_partitions,
        forward=send_for_creation,
        publish=publish_update if update_topic is not None else None,
        callbacks=engine.task_update_callbacks,
        chunk_size=engine.max_correletable_keys_in_values,
        delete_workflow_on_complete=engine.delete_workflow_on_complete,
        locks=engine.locks,
    )
    runtime.listing.pages_per_second = engine.web_list_rate
    return runtime


def make_observer(metrics: Observer) -> Observer:
    """The engine's observer: its metrics, and OpenTelemetry spans when the ``otel`` extra
    is installed (nothing of OpenTelemetry is imported otherwise)."""
    return combine(metrics, otel_observer())


def make_timers(engine: Any, runtime: FaustRuntime, store: IStore) -> TimerService:
    """The timer service of the engine; the runtime tells its scheduler about each trigger."""
    app = engine.faust_app

    def fires_here() -> bool:
        # Every worker sees every trigger of a global store: only the leader fires them.
        return not store.is_global or bool(app.is_leader())

    context = TimerContext(
        runtime=runtime,
        locks=engine.locks,
        tasks_topic=engine._tasks_topic_name,
        owned=engine.owned_partitions,
        trigger_interval=float(engine.trigger_interval),
        max_tasks_per_trigger=engine.max_tasks_per_trigger,
        fires_here=fires_here,
    )
    timers = TimerService(app, context)
    runtime.watch_triggers(timers.scheduler.push, timers.scheduler.discard)
    return timers


def agent_context(engine: Any) -> AgentContext:
    """What the engine's agents use: its runtime, locks, dead letters and registries."""
    return AgentContext(
        runtime=engine.runtime,
        locks=engine.locks,
        dead_letters=engine.dead_letters,
        topics=engine.topics,
        listeners=engine.listeners,
        serializers=engine.faust_app.serializers,
    )
