"""A dagger worker with web actions, for the manual-recovery test over HTTP.

Settings come from the environment (see ``tests/support/worker.py``): ``DAGGER_BROKER``,
``DAGGER_DATA_DIR``, ``DAGGER_WEB_PORT``, plus ``RECOVERY_APP_ID``, ``RECOVERY_PREFIX``
(topic name prefix), ``RECOVERY_TOKEN`` (the engine's ``web_token``) and
``RECOVERY_FLAGS`` (a directory). A JSON message ``{"id", "template", "order_id"}`` on
``<prefix>-create`` creates a workflow of the template:

- ``charge``: one executor that fails until a file named after the order exists in
  ``RECOVERY_FLAGS`` (the outside service it calls "comes back");
- ``wait``: one listener on ``<prefix>-events`` that nothing ever answers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from dagger.tasks.task import ExecutorTask, KafkaListenerTask, TaskLookupKey
from tests.integration.apps._app_support import add_create_agent, engine_from_env

logger = logging.getLogger("recovery_app")
PREFIX = os.environ["RECOVERY_PREFIX"]
FLAGS = Path(os.environ["RECOVERY_FLAGS"])

engine = engine_from_env(
    PREFIX,
    os.environ["RECOVERY_APP_ID"],
    kafka_partitions=1,
    web_token=os.environ["RECOVERY_TOKEN"],
    web_bind="127.0.0.1",
)
helper = DAGBuilderHelper(engine)


class Charge(ExecutorTask[str, str]):
    """Fails while the card service is down (no flag file for the order)."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        order = runtime_parameters["order_id"]
        if not (FLAGS / order).exists():
            raise RuntimeError(f"card service down for {order}")
        runtime_parameters["charged"] = True


class Event(KafkaListenerTask[str, str]):
    """Waits for an event naming the order (none is ever sent)."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, payload["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


@Dagger.register_template("charge")
def charge_template(name: str) -> Any:
    root = helper.build_and_link_tasks(
        [helper.generic_executor_task_builder(task_type=Charge, name="charge")]
    )
    process = helper.generic_process_builder(process_name="pay", root_task=root)
    return helper.generic_template(template_name=name, root_process=process)


@Dagger.register_template("wait")
def wait_template(name: str) -> Any:
    root = helper.build_and_link_tasks(
        [
            helper.generic_listener_task_builder(
                topic=f"{PREFIX}-events", task_type=Event, process_name="wait"
            )
        ]
    )
    process = helper.generic_process_builder(process_name="wait", root_task=root)
    return helper.generic_template(template_name=name, root_process=process)


create_workflows = add_create_agent(engine, PREFIX, logger)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    engine.main()
