"""``Dagger``: the workflow engine, a mode service running a faust app (see ``services``)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import mode

from dagger.core import context
from dagger.core.retry import RetryPolicy, as_policy
from dagger.engine import operations, recovery
from dagger.exceptions.exceptions import TemplateDoesNotExist
from dagger.runtime import _agents, _commit_flush, _commit_guard, _startup
from dagger.runtime._app import apply_logging_config, create_faust_app
from dagger.runtime._broker_url import check_broker
from dagger.runtime._listing import check_list_rate
from dagger.runtime._locks import LOCK_STRIPE_SIZE, LockedSession, StripedLocks
from dagger.runtime._metrics import PrometheusMetrics
from dagger.runtime._worker import run_worker
from dagger.service import _wiring
from dagger.service._compat import CurrentAppTopics, DaggerCompat
from dagger.store._base import IStore
from dagger.store._config import EngineConfig, StoreEnum
from dagger.web._auth import check_web_token
from dagger.web._server import quiet_bad_requests
from dagger.web._views import register_blueprints

logger = logging.getLogger("dagger.service")


class Dagger(DaggerCompat, mode.Service):
    """The workflow engine: registers templates, runs workflows on a faust worker.

    Construct one per process (``Dagger.app`` is set to it), register templates, then run
    it with :meth:`main`. Unknown keyword arguments are faust ``App`` settings
    (``web_port``, ``consumer_auto_offset_reset``, ``topic_partitions``, ...).
    ``store`` is ``"rocksdb://"`` (default), ``"aerospike://"`` (with ``aerospike_config``)
    or ``"memory://"`` (tests). ``tasks_topic`` and listener topics should have
    ``kafka_partitions`` partitions; with several workers, listener messages must be keyed
    by the correlation value (``str(value)`` in UTF-8), as ``tasks_topic`` is by the
    partition key, so each message reaches the worker holding its workflows.
    ``web_token`` enables the web actions (``POST /tasks/instance/{id}/retry`` and
    ``.../stop``) for requests bearing ``Authorization: Bearer <web_token>``;
    ``web_token_for_reads=True`` requires the token on the read endpoints too.
    ``web_cors_origins`` lists the origins (``"http://worker-2:6066"``, or ``"*"``) whose
    pages may read the dashboard's JSON: another worker's dashboard merging this one's list.
    ``web_list_rate`` bounds the list pages (``/tasks/instances``, the dashboard's list) a
    worker builds per second, 200 by default (bursts of a tenth of that pass at once): more
    requests wait their turn, so clients listing in a loop cannot take the worker's event
    loop from its workflows (``None``: no bound).
    ``default_retry_policy`` (a ``dagger.retry.RetryPolicy``) retries every executor,
    command, trigger, interval and decision task that has no policy of its own; ``None``
    (the default) runs each once, as in 0.2.6.
    """

    #: The current engine (0.2.6: user code reads ``Dagger.app.topics[...]``); set by the
    #: constructor, read by nothing below the service.
    app: ClassVar[Any] = None
    #: This engine's topics by name; on the class, the current engine's (0.2.6).
    topics = CurrentAppTopics()
    LOCK_STRIPE_SIZE: ClassVar[int] = LOCK_STRIPE_SIZE
    # Declared on the faust app by ``_wiring.declare_topics``.
    tasks_topic: Any
    task_update_topic: Any
    dead_letter_topic: Any
    dead_letters: Any
    #: Seconds :meth:`main` waits for a Kafka broker to answer before the worker exits.
    STARTUP_TIMEOUT: ClassVar[float] = 15.0

    def __init__(
        self,
        *,
        broker: str,
        datadir: str | None = None,
        store: str = StoreEnum.ROCKSDB.value,
        application_name: str = "dagger",
        package_name: str = "dagger",
        kafka_partitions: int = 1,
        task_update_topic: str | None = None,
        tasks_topic: str = "dagger_task_topic",
        bootstrap_topic: str = "dagger_bootstrap",
        beacon: Any = None,
        kafka_broker_list: Any = None,
        loop: Any = None,
        tracing_sensor: Any = None,
        datadog_sensor: Any = None,
        trigger_interval: float = 60,
        max_tasks_per_trigger: int = 2000,
        restart_tasks_on_boot: bool = True,
        aerospike_config: Any = None,
        enable_changelog: bool = True,
        max_correletable_keys_in_values: int = 15000,
        schema_registry_url: str | None = None,
        message_serializer: Any = None,
        delete_workflow_on_complete: bool = False,
        task_update_callbacks: list[Callable[..., Any]] | None = None,
        logging_config: dict[str, Any] | None = None,
        web_token: str | None = None,
        web_token_for_reads: bool = False,
        web_cors_origins: Sequence[str] = (),
        default_retry_policy: RetryPolicy | None = None,
        web_list_rate: float | None = 200.0,
        **kwargs: Any,
    ) -> None:
        broker = check_broker(broker)  # a bad URL fails here, not deep inside faust
        self.web_token, self.web_token_for_reads = check_web_token(web_token, web_token_for_reads)
        # Origins whose pages may read the dashboard's JSON (docs/operations/dashboard.md).
        origins = [web_cors_origins] if isinstance(web_cors_origins, str) else web_cors_origins
        self.web_cors_origins = tuple(str(origin) for origin in origins)
        self.web_list_rate = check_list_rate(web_list_rate)
        self.config = EngineConfig(
            broker, datadir, store, application_name, package_name, int(kafka_partitions), kwargs
        )
        self.aerospike_config = aerospike_config
        self.kafka_broker_list = kafka_broker_list
        self.trigger_interval = trigger_interval
        self.max_tasks_per_trigger = int(max_tasks_per_trigger)
        self.restart_tasks_on_boot = restart_tasks_on_boot
        self.enable_changelog = enable_changelog
        self.max_correletable_keys_in_values = int(max_correletable_keys_in_values)
        self.schema_registry_url = schema_registry_url
        self.message_serializer = message_serializer
        self.delete_workflow_on_complete = delete_workflow_on_complete
        # Tasks without a retry policy of their own are retried by this one (None: run once).
        self.default_retry_policy = as_policy(
            default_retry_policy, what="Dagger(default_retry_policy=...)"
        )
        self.task_update_callbacks = list(task_update_callbacks or [])
        self.logging_config = logging_config
        self.kwargs = kwargs
        self.start_time = int(time.time())
        self.dd_sensor = datadog_sensor
        self.tracing_sensor = tracing_sensor
        self._task_update_topic_name = task_update_topic
        self._tasks_topic_name = tasks_topic
        self._bootstrap_topic_name = bootstrap_topic
        super().__init__(beacon=beacon, loop=loop)

    def __post_init__(self) -> None:
        apply_logging_config(self.logging_config)
        self.faust_app = self.__create_app()
        Dagger.app = self
        self.topics = {}
        self.template_dags: dict[str, Any] = {}
        self.process_templates: dict[str, Any] = {}
        self.listeners: dict[str, list[type]] = {}
        self.started_flag = False
        #: The owned partitions and the faust assignment they were read from.
        self._owned_cache: tuple[Any, frozenset[int]] | None = None
        self.add_dependency(self.faust_app)
        _wiring.declare_topics(self)
        for sensor in (self.tracing_sensor, self.dd_sensor):
            if sensor is not None:
                self.faust_app.sensors.add(sensor)
        self.locks = StripedLocks(self.LOCK_STRIPE_SIZE)
        self._store: IStore = _wiring.make_store(self)
        self.runtime = _wiring.make_runtime(self, self._store)
        self.runtime.default_retry_policy = self.default_retry_policy
        # Prometheus metrics (GET /metrics), and OpenTelemetry spans when it is installed.
        self.metrics = PrometheusMetrics()
        self.runtime.observer = _wiring.make_observer(self.metrics)
        # Started after the faust app, stopped before it.
        self.timers = _wiring.make_timers(self, self.runtime, self._store)
        self.add_dependency(self.timers)
        self.scheduler = self.timers.scheduler
        self._store.bind(self.runtime, catch_up=self.catch_up_triggers)
        self._store.initialize()
        self.agent_context = _wiring.agent_context(self)
        self.faust_app.agent(self.tasks_topic, name=self._tasks_topic_name)(
            _agents.tasks_agent(self.agent_context)
        )
        context.set_runtime(self.runtime)
        register_blueprints(self.faust_app, self)
        quiet_bad_requests()
        if self.schema_registry_url:
            logger.warning("schema_registry_url is accepted for compatibility and not used")

    def __create_app(self) -> Any:
        cfg = self.config
        return create_faust_app(
            cfg.APPLICATION_NAME,
            broker=cfg.BROKER,
            store=cfg.STORE,
            datadir=cfg.DATADIR,
            package_name=cfg.PACKAGE_NAME,
            kafka_partitions=cfg.KAFKA_PARTITIONS,
            logging_config=self.logging_config,
            extra=dict(self.kwargs),
        )

    # -- partitions and readiness ---------------------------------------------------------
    def owned_partitions(self) -> set[int] | None:
        """The ``tasks_topic`` partitions this worker owns (``None``: a global store)."""
        if getattr(self, "_store", None) is not None and self._store.is_global:
            return None
        try:
            assignor = self.faust_app.assignor
            # faust replaces its assignment object at every rebalance, so the set is rebuilt
            # only then (a step asks several times per workflow); a copy goes out each time.
            assignment = getattr(assignor, "_assignment", None)
            cached = self._owned_cache
            if assignment is not None and cached is not None and cached[0] is assignment:
                return set(cached[1])
            actives = assignor.assigned_actives()
        except Exception:
            return set()
        owned = {tp.partition for tp in actives if tp.topic == self._tasks_topic_name}
        if assignment is not None:
            self._owned_cache = (assignment, frozenset(owned))
        return owned

    def is_ready(self) -> bool:
        """Started, partitions assigned and recovered, timers loaded."""
        return bool(self.started_flag and self.timers.synced and not self.faust_app.rebalancing)

    async def catch_up_triggers(self) -> int:
        """Queue every stored trigger that is due (bounded by ``max_tasks_per_trigger``)."""
        return self.timers.catch_up()

    # -- mode hooks -----------------------------------------------------------------------
    async def on_start(self) -> None:
        """Log the start-up line; make offset commits wait for the changelog records before
        them (``_commit_flush``) and stop before any message still being processed
        (``_commit_guard``); start the topics' partition-count check. The faust app and the
        timer service are started next, as dependencies."""
        _startup.log_start(self)
        _commit_flush.install(self.faust_app.producer)
        _commit_guard.install(self.faust_app.consumer)
        self.add_future(_startup.warn_on_partition_mismatch(self))

    async def on_started(self) -> None:
        """Mark the engine started."""
        self.started_flag = True

    def main(self, override_logging: bool = False) -> None:
        """Run the engine as a worker until stopped (``python app.py`` or ``... worker -l info``).

        Logs to stderr at INFO (``-l``/``--loglevel`` changes it) unless ``logging_config``
        was given; exits 1 with one line naming the problem when the worker cannot start.
        """
        run_worker(self, sys.argv[1:], override_logging=override_logging)

    # -- registry -------------------------------------------------------------------------
    def get_template(self, template_name: str) -> Any:
        """The registered workflow template (``TemplateDoesNotExist`` when absent)."""
        try:
            return self.template_dags[template_name]
        except KeyError:
            raise TemplateDoesNotExist(
                f"no workflow template {template_name!r} is registered "
                f"(registered: {sorted(self.template_dags)})"
            ) from None

    @classmethod
    def create_topic(
        cls,
        topic_name: str,
        key_type: Any = None,
        value_type: Any = None,
        key_serializer: Any = None,
        value_serializer: Any = None,
    ) -> Any:
        """Create a faust topic once per name on the current engine (``Dagger.app``); a
        repeat returns the first, with a warning."""
        engine = cls.app
        if topic_name in engine.topics:
            logger.warning("topic %s already exists; returning it unchanged", topic_name)
            return engine.topics[topic_name]
        topic = engine.faust_app.topic(
            topic_name,
            key_type=key_type,
            value_type=value_type,
            key_serializer=key_serializer,
            value_serializer=value_serializer,
            partitions=engine.config.KAFKA_PARTITIONS,
        )
        engine.topics[topic_name] = topic
        return topic

    @classmethod
    def register_template(cls, template_name: str) -> Callable[[Callable[[str], Any]], None]:
        """Decorator: call the function now and register the template it returns."""

        def register(fn: Callable[[str], Any]) -> None:
            cls.app.template_dags[template_name] = fn(template_name)

        return register

    @classmethod
    def register_process_template(
        cls, process_template_name: str
    ) -> Callable[[Callable[[str], Any]], None]:
        """Decorator: call the function now and register the process template it returns."""

        def register(fn: Callable[[str], Any]) -> None:
            cls.app.process_templates[process_template_name] = fn(process_template_name)

        return register

    def add_topic(self, topic_name: str, topic: Any) -> None:
        """Remember a topic by name (task code sends with ``app.topics[name].send``)."""
        self.topics[topic_name] = topic

    def get_topic(self, topic_name: str) -> Any:
        """The topic registered under a name (``KeyError`` when absent)."""
        return self.topics[topic_name]

    def register_listener(self, topic_name: str, task_type: type, concurrency: int = 1) -> None:
        """Serve ``task_type`` listeners from the (single) consumer of ``topic_name``."""
        types = self.listeners.get(topic_name)
        if types is not None:
            if task_type not in types:
                types.append(task_type)
            return
        self.listeners[topic_name] = [task_type]
        raw = self.faust_app.topic(
            topic_name,
            key_serializer="raw",
            value_serializer="raw",
            partitions=self.config.KAFKA_PARTITIONS,
        )
        if topic_name not in self.topics:
            self.topics[topic_name] = self.faust_app.topic(
                topic_name, partitions=self.config.KAFKA_PARTITIONS
            )
        self.faust_app.agent(raw, name=topic_name, concurrency=max(1, int(concurrency or 1)))(
            _agents.listener_agent(self.agent_context, topic_name)
        )
        if self.started_flag:
            logger.warning(
                "listener topic %s registered after the worker started: it is consumed from "
                "the next start",
                topic_name,
            )

    # -- workflows ------------------------------------------------------------------------
    async def submit(self, task: Any, *, repartition: bool = True) -> None:
        """Run a workflow: here (``repartition=False``) or on the worker owning its key."""
        await operations.submit(self.runtime, task, repartition=repartition)

    async def get_instance(self, id: Any, log: bool = True) -> Any:
        """The stored workflow with this id, or ``None`` (logged when ``log``)."""
        workflow = await self.runtime.load_workflow(str(id))
        if workflow is None and log:
            logger.warning("no workflow instance %s on this worker", id)
        return workflow

    async def retry_workflow(self, workflow_id: Any) -> Any:
        """Run the workflow's FAILURE tasks again and drive it on from there (under its
        lock, on this worker); the workflow after. See ``dagger.engine.recovery``.

        Raises ``WorkflowNotFound`` when this worker does not hold the workflow and
        ``NothingToRetry`` when it has no failed task (both ``TaskInvalidState``).
        """
        async with LockedSession(self.runtime, self.locks) as session:
            await session.hold(str(workflow_id))
            return await recovery.retry_workflow(session, workflow_id)

    async def stop_workflow(self, workflow_id: Any) -> Any:
        """Stop the workflow (its ``stop()``, under its lock, on this worker); the workflow
        after. Raises ``WorkflowNotFound`` or ``WorkflowAlreadyEnded``."""
        async with LockedSession(self.runtime, self.locks) as session:
            await session.hold(str(workflow_id))
            return await recovery.stop_workflow(session, workflow_id)

    async def get_monitoring_task(self, task: Any, workflow_instance: Any) -> Any:
        """The monitoring task of ``task`` in the workflow, if it has one."""
        monitoring_id = getattr(task, "monitoring_task_id", None)
        return workflow_instance.get_task(monitoring_id) if monitoring_id else None

    def get_db_options(self) -> dict[str, Any]:
        """The store's database options."""
        return self._store.get_db_options()

    async def _process_tasks_create_event(self, stream: Any) -> None:
        """The ``tasks_topic`` agent body (decode, then store and start each workflow)."""
        await _agents.tasks_agent(self.agent_context)(stream)
