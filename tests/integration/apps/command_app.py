"""A dagger worker whose command tasks send real messages, for the idempotency-header test.

Settings come from the environment (see ``tests/support/worker.py``): ``DAGGER_BROKER``,
``DAGGER_DATA_DIR``, ``DAGGER_WEB_PORT``, plus ``COMMAND_APP_ID`` and ``COMMAND_PREFIX``
(topic name prefix). A JSON message ``{"id": ..., "order_id": ...}`` on ``<prefix>-create``
creates a workflow of the ``command`` template: two command tasks sending on
``<prefix>-cmd`` the way 0.2.6 services do (``Dagger.app.topics[self.topic].send``), the
second one setting its own ``dagger-idempotency-key`` header, then a finishing executor.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from dagger.tasks.task import ExecutorTask, KafkaCommandTask
from tests.integration.apps._app_support import add_create_agent, engine_from_env

logger = logging.getLogger("command_app")
PREFIX = os.environ["COMMAND_PREFIX"]

engine = engine_from_env(
    PREFIX, os.environ["COMMAND_APP_ID"], kafka_partitions=1, web_bind="127.0.0.1"
)
helper = DAGBuilderHelper(engine)


def _body(task: Any, runtime_parameters: dict[str, Any]) -> bytes:
    # The task's id travels in the body so the test can tell which task sent what.
    order = {"order_id": runtime_parameters["order_id"], "task_id": str(task.id)}
    return json.dumps(order).encode()


class SendOrder(KafkaCommandTask[str, str]):
    """Sends the order; knows nothing about idempotency headers."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        await Dagger.app.topics[self.topic].send(
            key=runtime_parameters["order_id"], value=_body(self, runtime_parameters)
        )


class SendWithOwnKey(KafkaCommandTask[str, str]):
    """Sends the order with an idempotency key of its own."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        await Dagger.app.topics[self.topic].send(
            key=runtime_parameters["order_id"],
            value=_body(self, runtime_parameters),
            headers={"dagger-idempotency-key": b"own-key"},
        )


class Finish(ExecutorTask[str, str]):
    """Marks the workflow done."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["finished"] = True


@Dagger.register_template("command")
def command_template(name: str) -> Any:
    tasks = [
        helper.generic_command_task_builder(
            topic=f"{PREFIX}-cmd", task_type=SendOrder, process_name="send"
        ),
        helper.generic_command_task_builder(
            topic=f"{PREFIX}-cmd", task_type=SendWithOwnKey, process_name="own"
        ),
        helper.generic_executor_task_builder(task_type=Finish, name="finish"),
    ]
    root = helper.build_and_link_tasks(tasks)
    process = helper.generic_process_builder(process_name="orders", root_task=root)
    return helper.generic_template(template_name=name, root_process=process)


create_workflows = add_create_agent(engine, PREFIX, logger, template="command")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    engine.main()
