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
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from tests.integration.apps._app_support import add_create_agent, engine_from_env
from tests.integration.apps.dlq_tasks import Done, Strict

logger = logging.getLogger("dlq_app")
PREFIX = os.environ["DLQ_PREFIX"]

engine = engine_from_env(PREFIX)
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


# One ``wait`` workflow per request, sent over the tasks topic.
create_workflows = add_create_agent(engine, PREFIX, logger, template="wait", repartition=True)


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    engine.main()
