"""A dagger worker for the retry and timeout integration tests.

Settings come from the environment (see ``tests/support/worker.py``): ``DAGGER_BROKER``,
``DAGGER_DATA_DIR``, ``DAGGER_WEB_PORT``, plus ``RETRY_APP_ID`` and ``RETRY_PREFIX`` (topic
name prefix). A JSON message ``{"id", "template", "order_id"}`` on ``<prefix>-create``
creates and submits a workflow of the template:

- ``flaky``: an executor that raises on its first two attempts, with
  ``RetryPolicy(maximum_attempts=3, initial_interval=0.5)``;
- ``slow``: an executor that raises on its first attempt, with a 6 s backoff
  (``initial_interval=6``), so a test can kill the worker while it waits;
- ``wait``: a listener on ``<prefix>-events`` with ``set_timeout(2)`` (``"fail"``) that
  nothing answers, then a finishing executor.

``GET /test/state`` lists the correlation index keys and stored triggers.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.retry import RetryPolicy
from dagger.tasks.task import ExecutorTask, KafkaListenerTask, TaskLookupKey
from tests.integration.apps._app_support import add_create_agent, engine_from_env

logger = logging.getLogger("retry_app")
PREFIX = os.environ["RETRY_PREFIX"]

engine = engine_from_env(
    PREFIX,
    os.environ["RETRY_APP_ID"],
    kafka_partitions=1,
    trigger_interval=5,
    web_bind="127.0.0.1",
)
helper = DAGBuilderHelper(engine)


class FailsUntil(ExecutorTask[str, str]):
    """Raises ``ConnectionError`` until its attempt reaches ``succeeds_on``."""

    succeeds_on = 3

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        if self.attempt < self.succeeds_on:
            raise ConnectionError(f"service down (attempt {self.attempt})")
        runtime_parameters["done_on_attempt"] = self.attempt


class FailsOnce(FailsUntil):
    succeeds_on = 2


class Finish(ExecutorTask[str, str]):
    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["finished"] = True


class Event(KafkaListenerTask[str, str]):
    """Waits for an event naming the order (none is sent)."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, payload["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


def register(name: str, builders: list[Any]) -> None:
    process = helper.generic_process_builder(
        process_name=name, root_task=helper.build_and_link_tasks(builders)
    )
    engine.template_dags[name] = helper.generic_template(template_name=name, root_process=process)


register(
    "flaky",
    [
        helper.generic_executor_task_builder(
            task_type=FailsUntil,
            name="flaky",
            retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=0.5),
        )
    ],
)
register(
    "slow",
    [
        helper.generic_executor_task_builder(
            task_type=FailsOnce,
            name="slow",
            retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=6),
        )
    ],
)
register(
    "wait",
    [
        helper.generic_listener_task_builder(
            topic=f"{PREFIX}-events", task_type=Event, process_name="wait", timeout=2
        ),
        helper.generic_executor_task_builder(task_type=Finish, name="finish"),
    ],
)

create_workflows = add_create_agent(engine, PREFIX, logger)


@engine.faust_app.page("/test/state")
async def state(web: Any, request: Any) -> Any:
    """Introspection for the tests: correlation index keys and stored trigger keys."""
    runtime = engine.runtime
    return web.json(
        {
            "index_keys": [k for _, k, _ in runtime.index.table.items()],
            "triggers": [k for _, k, _ in runtime.triggers.items()],
        }
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    engine.main()
