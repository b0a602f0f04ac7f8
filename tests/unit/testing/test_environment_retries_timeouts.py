"""``WorkflowTestEnvironment`` skips the waits of retries and timeouts: a ten-minute backoff
and a one-hour listener timeout run in milliseconds, each firing at its own time."""

from __future__ import annotations

import time
from typing import Any

from dagger.core.context import get_runtime
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.retry import RetryPolicy
from dagger.tasks.task import ExecutorTask, KafkaListenerTask, TaskLookupKey
from dagger.testing import RecordingTopic, WorkflowTestEnvironment

START = 1_700_000_000.0


class StandIn:
    """The engine registries templates use (a service passes its ``Dagger``)."""

    def __init__(self) -> None:
        self.topics: dict[str, Any] = {}
        self.listeners: dict[str, list[type]] = {}

    def create_topic(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.topics.setdefault(name, RecordingTopic(name))

    def add_topic(self, name: str, topic: Any) -> None:
        self.topics[name] = topic

    def register_listener(self, topic: str, task_type: type, concurrency: int = 1) -> None:
        self.listeners.setdefault(topic, []).append(task_type)


class Reserve(ExecutorTask[str, str]):
    """Fails twice (the stock service is down), then works; records when it ran."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runs = runtime_parameters.setdefault("runs", [])
        runs.append(get_runtime().now())
        if len(runs) < 3:
            raise TimeoutError("stock service did not answer")


class Ready(KafkaListenerTask[str, str]):
    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, payload["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


def _template(engine: StandIn) -> Any:
    helper = DAGBuilderHelper(engine)
    policy = RetryPolicy(
        maximum_attempts=3, initial_interval=600.0, backoff_coefficient=2.0, maximum_interval=3600.0
    )
    tasks = helper.build_and_link_tasks(
        [
            helper.generic_executor_task_builder(
                task_type=Reserve, name="reserve", retry_policy=policy
            ),
            helper.generic_listener_task_builder(
                topic="ready", task_type=Ready, process_name="wait", timeout=3600
            ),
        ]
    )
    process = helper.generic_process_builder(process_name="p", root_task=tasks)
    return helper.generic_template(template_name="T", root_process=process)


async def test_a_ten_minute_backoff_and_a_one_hour_timeout_run_in_milliseconds() -> None:
    engine = StandIn()
    template = _template(engine)
    began = time.monotonic()
    async with WorkflowTestEnvironment(engine, start=START) as env:
        wid = await env.start(template, order_id="o-1")
        assert env.status_of(wid, "reserve_executor_task") == "EXECUTING"  # waiting to retry
        assert env.next_due() == START + 600

        assert await env.advance(600 + 1200) == 2  # the two retries, 10 then 20 minutes later
        reserve = env.task(wid, "reserve_executor_task")
        assert (reserve.status.code, reserve.attempt) == ("COMPLETED", 3)
        assert env.instance(wid).runtime_parameters["runs"] == [START, START + 600, START + 1800]
        assert env.status_of(wid, "wait_listener_task") == "EXECUTING"

        assert await env.advance(3599) == 0
        assert await env.advance(1) == 1  # the listener's hour is up
        assert env.status_of(wid, "wait_listener_task") == "FAILURE"
        assert env.task(wid, "wait_listener_task").message == "timed out after 3600 s"
        assert await env.deliver("ready", {"order_id": "o-1"}) == 0

        # Manual recovery after the timeout: the listener waits again, a fresh hour.
        await env.retry(wid)
        assert env.status_of(wid, "wait_listener_task") == "EXECUTING"
        assert env.next_due() == env.now() + 3600
        assert await env.deliver("ready", {"order_id": "o-1"}) == 1
        assert env.status_of(wid) == "COMPLETED"
    assert time.monotonic() - began < 2.0
