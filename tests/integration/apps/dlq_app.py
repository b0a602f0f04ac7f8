"""A dagger worker for the dead-letter and web-hardening tests.

Settings come from the environment (see ``tests/support/worker.py``): ``DAGGER_BROKER``,
``DAGGER_DATA_DIR``, ``DAGGER_WEB_PORT``, plus ``DLQ_PREFIX`` (app id and topic prefix).
Topics: ``<prefix>-tasks`` (dead letters on ``<prefix>-tasks-dlq``), the listener topic
``<prefix>-events`` (JSON, no declared value type) and ``<prefix>-create``, where
``{"id": ..., "order_id": ...}`` creates a ``wait`` workflow (listener ``Strict`` on
``order_id`` -> ``Done``) sent over the tasks topic (``repartition=True``).
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

from dagger.devbroker import dev_faust_settings
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from tests.integration.apps.dlq_tasks import Done, Strict

logger = logging.getLogger("dlq_app")
PREFIX = os.environ["DLQ_PREFIX"]

engine = Dagger(
    broker=os.environ["DAGGER_BROKER"],
    datadir=os.environ["DAGGER_DATA_DIR"],
    application_name=PREFIX,
    tasks_topic=f"{PREFIX}-tasks",
    web_port=int(os.environ["DAGGER_WEB_PORT"]),
    web_host="127.0.0.1",
    consumer_auto_offset_reset="earliest",
    **dev_faust_settings(),
)
helper = DAGBuilderHelper(engine)


@Dagger.register_template("wait")
def wait_template(name: str) -> Any:
    listener = helper.generic_listener_task_builder(
        topic=f"{PREFIX}-events", task_type=Strict, process_name="wait", value_serializer="json"
    )
    done = helper.generic_executor_task_builder(task_type=Done, name="done")
    root = helper.build_and_link_tasks([listener, done])
    process = helper.generic_process_builder(process_name="wait_p", root_task=root)
    return helper.generic_template(template_name=name, root_process=process)


create_topic = engine.create_topic(f"{PREFIX}-create", value_serializer="json")


@engine.faust_app.agent(create_topic)
async def create_workflows(stream: Any) -> None:
    """Create and submit one ``wait`` workflow per request, over the tasks topic."""
    async for request in stream:
        try:
            await engine.get_template("wait").create_instance(
                uuid.UUID(request["id"]),
                "order_id",
                repartition=True,
                submit_task=True,
                order_id=request["order_id"],
            )
        except Exception:
            logger.exception("could not create %r", request)


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    engine.main()
