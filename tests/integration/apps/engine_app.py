"""A dagger worker for the engine's integration tests.

Settings come from the environment (see ``tests/support/worker.py``): ``DAGGER_BROKER``,
``DAGGER_DATA_DIR``, ``DAGGER_WEB_PORT``, plus ``ENGINE_APP_ID``, ``ENGINE_PREFIX`` (topic
name prefix), ``ENGINE_PARTITIONS``, ``ENGINE_WEB_TOKEN`` (optional: turns the web
actions on) ``ENGINE_COMMIT_INTERVAL`` (seconds, faust's default 2.8), ``ENGINE_UPDATES=off`` (no
``task_update_topic``) and ``ENGINE_SLOW_SEEK`` (seconds added to faust's seek of the stream
partitions to their committed offsets at the end of a recovery, as a slow broker would take).
Workflows are created by JSON messages on ``<prefix>-create``: ``{"template": ..., "id": ...,
"repartition": bool, "params": {...}}``,
with an optional ``"pattern"``: ``"submit_task"`` (default: ``create_instance(...,
submit_task=True)``), ``"create_then_submit"`` (``create_instance(..., repartition=R)`` then
``submit(instance, repartition=True)``). A request with ``"many": [{"id": ..., "params": {...}},
...]`` instead of ``id``/``params`` creates all of them from one message (a burst of table
writes, as a batch import would make).

Templates (partition key ``order_id``):

- ``start``: a command that sends ``{"order_id", "workflow_id", "worker"}`` to ``<prefix>-cmd``
  -> listener A -> finish (for the start-pattern tests);
- ``listen``: command -> listener A (``order_id``; a payload may list ``order_ids``; an
  optional ``box_id`` is copied into the runtime parameters) -> finish;
- ``rekey``: listener A -> listener B (``box_id``) -> finish;
- ``trigger``: a trigger task due at ``due`` (records ``fired_at``) -> finish;
- ``interval``: an interval task every ``period`` s until its third run -> finish.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from dagger.templates.template import IntervalTaskTemplateBuilder, TriggerTaskTemplateBuilder
from tests.integration.apps._app_support import engine_from_env
from tests.integration.apps.engine_tasks import (
    Command,
    Finish,
    Fire,
    Poll,
    SendOrder,
    WaitA,
    WaitB,
)

logger = logging.getLogger("engine_app")
PREFIX = os.environ["ENGINE_PREFIX"]
PARTITIONS = int(os.environ.get("ENGINE_PARTITIONS", "1"))

engine = engine_from_env(
    PREFIX,
    os.environ["ENGINE_APP_ID"],
    kafka_partitions=PARTITIONS,
    # ENGINE_UPDATES=off: no task_update_topic (no Kafka send awaited per save).
    task_update_topic=None if os.environ.get("ENGINE_UPDATES") == "off" else f"{PREFIX}-updates",
    trigger_interval=5,
    serializer="raw",
    # The web actions (retry, stop) are on when the test gives a token.
    web_token=os.environ.get("ENGINE_WEB_TOKEN") or None,
    broker_commit_interval=float(os.environ.get("ENGINE_COMMIT_INTERVAL", "2.8")),
)


helper = DAGBuilderHelper(engine)


def listener(topic: str, task_type: type, process: str) -> Any:
    return helper.generic_listener_task_builder(
        topic=topic, task_type=task_type, process_name=process, value_serializer="json"
    )


def finish(name: str) -> Any:
    return helper.generic_executor_task_builder(task_type=Finish, name=name)


def template(name: str, tasks: list[Any]) -> Any:
    root = helper.build_and_link_tasks(tasks)
    process = helper.generic_process_builder(process_name=f"{name}_p", root_task=root)
    return helper.generic_template(template_name=name, root_process=process)


@Dagger.register_template("listen")
def listen_template(name: str) -> Any:
    command = helper.generic_command_task_builder(
        topic=f"{PREFIX}-cmd", task_type=Command, process_name="cmd"
    )
    return template(name, [command, listener(f"{PREFIX}-a", WaitA, "a"), finish("done")])


@Dagger.register_template("start")
def start_template(name: str) -> Any:
    command = helper.generic_command_task_builder(
        topic=f"{PREFIX}-cmd", task_type=SendOrder, process_name="send"
    )
    return template(name, [command, listener(f"{PREFIX}-a", WaitA, "a"), finish("done")])


@Dagger.register_template("rekey")
def rekey_template(name: str) -> Any:
    return template(
        name,
        [listener(f"{PREFIX}-a", WaitA, "a2"), listener(f"{PREFIX}-b", WaitB, "b"), finish("done")],
    )


@Dagger.register_template("trigger")
def trigger_template(name: str) -> Any:
    fire = (
        TriggerTaskTemplateBuilder(engine)
        .set_name("fire")
        .set_type(Fire)
        .set_time_to_execute_lookup_key("due")
    )
    return template(name, [fire, finish("done")])


@Dagger.register_template("interval")
def interval_template(name: str) -> Any:
    poll = (
        IntervalTaskTemplateBuilder(engine)
        .set_name("poll")
        .set_type(Poll)
        .set_interval_execute_period_lookup_key("period")
        .set_time_to_force_complete_lookup_key("deadline")
    )
    return template(name, [poll, finish("done")])


create_topic = engine.create_topic(f"{PREFIX}-create", value_serializer="json")


@engine.faust_app.agent(create_topic)
async def create_workflows(stream: Any) -> None:
    """Create (and submit) one workflow per request message."""
    async for request in stream:
        for one in request.get("many") or [request]:
            try:
                await _create(request, one["id"], one.get("params", {}))
            except Exception:
                logger.exception("could not create %r", one)


#: How many workflows the create agent has created (``/test/stats``).
created = [0]


async def _create(request: dict[str, Any], workflow_id: str, params: dict[str, Any]) -> None:
    tpl = engine.get_template(request["template"])
    together = request.get("pattern", "submit_task") == "submit_task"
    instance = await tpl.create_instance(
        uuid.UUID(workflow_id),
        "order_id",
        repartition=bool(request.get("repartition", False)),
        submit_task=together,
        **params,
    )
    if not together:
        await engine.submit(instance, repartition=True)
    created[0] += 1


slow_topic = engine.create_topic(f"{PREFIX}-slow", value_serializer="json")
#: The values the slow agent has finished with (``/test/stats``).
slow_done: set[int] = set()


@engine.faust_app.agent(slow_topic)
async def slow_agent(stream: Any) -> None:
    """Take ``{"n": int, "seconds": float}`` messages, each ``seconds`` long, so messages wait
    in the agent's queue meanwhile."""
    async for request in stream:
        await asyncio.sleep(float(request.get("seconds", 0)))
        slow_done.add(int(request["n"]))


if os.environ.get("ENGINE_SLOW_SEEK"):
    from faust.transport.consumer import Consumer

    _seek_to_committed = Consumer.perform_seek

    async def _slow_seek(self: Any) -> None:
        await asyncio.sleep(float(os.environ["ENGINE_SLOW_SEEK"]))
        await _seek_to_committed(self)

    Consumer.perform_seek = _slow_seek  # type: ignore[method-assign]


@engine.faust_app.page("/test/stats")
async def stats(web: Any, request: Any) -> Any:
    """Introspection for the tests: owned partitions, index size, timer numbers."""
    runtime = engine.runtime
    index_rows = [k for _, k, _ in runtime.index.table.items()]
    return web.json(
        {
            "owned": sorted(engine.owned_partitions() or []),
            "index_keys": index_rows,
            "triggers": [k for _, k, _ in runtime.triggers.items()],
            "max_lateness": engine.scheduler.max_lateness,
            "fired": engine.scheduler.fired,
            "created": created[0],
            "slow_done": sorted(slow_done),
        }
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    engine.main()
