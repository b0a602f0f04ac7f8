"""``WorkflowTestEnvironment`` drives a service's own templates on a real ``Dagger`` engine
(memory store, never started): starts, listener messages, time, command messages, recovery."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dagger.core.context import get_runtime
from dagger.exceptions.exceptions import NothingToRetry
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from dagger.tasks.task import (
    ExecutorTask,
    IntervalTask,
    KafkaCommandTask,
    KafkaListenerTask,
    TaskLookupKey,
    TriggerTask,
)
from dagger.templates.template import IntervalTaskTemplateBuilder, TriggerTaskTemplateBuilder
from dagger.testing import InMemoryRuntime, RecordingTopic, WorkflowTestEnvironment

START = 1_700_000_000.0
FAILING: set[str] = set()


class RequestPickup(KafkaCommandTask[str, str]):
    """Sends the pickup the 0.2.6 way, through the current engine's topics."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        order = runtime_parameters["order_id"]
        await Dagger.app.topics[self.topic].send(key=order, value=json.dumps({"order": order}))


class Scanned(KafkaListenerTask[str, str]):
    """Completes on a scan naming the workflow's order."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, payload["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["scanned_at"] = args[0]["at"]
        return True


class Remind(TriggerTask[str, str]):
    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters.setdefault("ran", []).append(("remind", self._now()))

    def _now(self) -> float:
        return get_runtime().now()


class Poll(IntervalTask[str, str]):
    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        runtime_parameters.setdefault("ran", []).append(("poll", get_runtime().now()))
        return len(runtime_parameters["ran"]) >= 4

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["settled"] = True


class Charge(ExecutorTask[str, str]):
    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        if "charge" in FAILING:
            raise RuntimeError("card service down")
        runtime_parameters["charged"] = True


@pytest.fixture
def engine(offline_engine: Callable[..., Dagger]) -> Iterator[Dagger]:
    """A service's engine with its templates registered, as in its own module."""
    app = offline_engine()
    helper = DAGBuilderHelper(app)

    @Dagger.register_template("Shipping")
    def shipping(name: str) -> Any:
        tasks = helper.build_and_link_tasks(
            [
                helper.generic_command_task_builder(
                    topic="pickups", task_type=RequestPickup, process_name="ship"
                ),
                helper.generic_listener_task_builder(
                    topic="scans", task_type=Scanned, process_name="ship"
                ),
            ]
        )
        process = helper.generic_process_builder(process_name="ship", root_task=tasks)
        return helper.generic_template(template_name=name, root_process=process)

    @Dagger.register_template("Payment")
    def payment(name: str) -> Any:
        remind = (
            TriggerTaskTemplateBuilder(app)
            .set_name("remind")
            .set_type(Remind)
            .set_time_to_execute_lookup_key("remind_at")
        )
        poll = (
            IntervalTaskTemplateBuilder(app)
            .set_name("poll")
            .set_type(Poll)
            .set_interval_execute_period_lookup_key("poll_every")
            .set_time_to_force_complete_lookup_key("give_up_at")
        )
        charge = helper.generic_executor_task_builder(task_type=Charge, name="charge")
        tasks = helper.build_and_link_tasks([charge, remind, poll])
        process = helper.generic_process_builder(process_name="pay", root_task=tasks)
        return helper.generic_template(template_name=name, root_process=process)

    FAILING.clear()
    try:
        yield app
    finally:
        FAILING.clear()


async def test_a_listener_workflow_runs_with_messages_recorded_and_delivered(
    engine: Dagger,
) -> None:
    real_topic = engine.topics["pickups"]
    async with WorkflowTestEnvironment(engine, start=START) as env:
        wid = await env.start("Shipping", order_id="o-1")

        assert env.status_of(wid) == "EXECUTING"
        assert env.status_of(wid, "ship_listener_task") == "EXECUTING"
        [sent] = env.sent("pickups")
        assert (sent.key, json.loads(sent.value)) == ("o-1", {"order": "o-1"})
        task_id = env.task(wid, "ship_command_task").id
        assert sent.headers["dagger-idempotency-key"] == f"{wid}/{task_id}/1".encode()
        assert isinstance(engine.topics["pickups"], RecordingTopic)

        assert await env.deliver("scans", {"order_id": "o-2", "at": "09:00"}) == 0
        assert await env.deliver("scans", {"order_id": "o-1", "at": "09:30"}) == 1

        assert env.status_of(wid) == "COMPLETED"
        assert env.instance(wid).runtime_parameters["scanned_at"] == "09:30"
        assert isinstance(get_runtime(), InMemoryRuntime)
    # The engine's own topics are back.
    assert engine.topics["pickups"] is real_topic
    assert env.sent("pickups") == [sent]


async def test_advance_fires_timers_in_due_order_at_their_own_times(engine: Dagger) -> None:
    with WorkflowTestEnvironment(engine, start=START) as env:
        wid = await env.start(
            "Payment",
            order_id="o-1",
            remind_at=int(START) + 3600,
            poll_every=600,
            give_up_at=int(START) + 86_400,
        )
        assert env.status_of(wid, "remind") == "EXECUTING"
        assert env.next_due() == START + 3600
        assert await env.advance(3599) == 0
        assert env.now() == START + 3599

        fired = await env.advance(2 * 3600)

        assert env.status_of(wid) == "COMPLETED"
        ran = env.instance(wid).runtime_parameters["ran"]
        # The reminder at its hour, the first poll at once after it, then every 10 minutes.
        assert ran == [
            ["remind", START + 3600],
            ["poll", START + 3600],
            ["poll", START + 4200],
            ["poll", START + 4800],
        ]
        assert fired == 3 and env.now() == START + 3599 + 7200
        assert env.next_due() is None


async def test_retry_and_stop_through_the_environment(engine: Dagger) -> None:
    FAILING.add("charge")
    async with WorkflowTestEnvironment(engine, start=START) as env:
        params: dict[str, Any] = {
            "remind_at": int(START) + 60,
            "poll_every": 60,
            "give_up_at": int(START) + 60,
        }
        wid = await env.start("Payment", order_id="o-1", **params)
        assert env.status_of(wid, "charge_executor_task") == "FAILURE"
        assert env.task(wid, "charge_executor_task").message == "RuntimeError: card service down"

        FAILING.clear()
        await env.retry(wid)
        assert env.status_of(wid, "charge_executor_task") == "COMPLETED"
        with pytest.raises(NothingToRetry):
            await env.retry(wid)

        other = await env.start("Shipping", order_id="o-2")
        await env.stop(other)
        assert env.status_of(other) == "STOPPED"


async def test_mistakes_get_clear_errors(engine: Dagger) -> None:
    env = WorkflowTestEnvironment(engine, start=START)
    with pytest.raises(RuntimeError, match="not active"):
        await env.start("Shipping", order_id="o-1")
    async with env:
        with pytest.raises(LookupError, match="no workflow template 'Nope'.*'Payment', 'Shipping'"):
            await env.start("Nope")
        with pytest.raises(LookupError, match="no listener is registered for topic 'scan'"):
            await env.deliver("scan", {"order_id": "o-1"})
        with pytest.raises(LookupError, match="no workflow .* no such workflow was started"):
            env.instance(uuid.uuid4())
        wid = await env.start("Shipping", order_id="o-1")
        with pytest.raises(LookupError, match="no task called 'missing'"):
            env.status_of(wid, "missing")
        with pytest.raises(ValueError, match="only moves forward"):
            await env.advance(-1)


async def test_a_template_object_and_a_stand_in_engine_work_too() -> None:
    class StandIn:
        def __init__(self) -> None:
            self.topics: dict[str, Any] = {}
            self.listeners: dict[str, list[type]] = {}

        def create_topic(self, name: str, *args: Any, **kwargs: Any) -> Any:
            return self.topics.setdefault(name, RecordingTopic(name))

        def add_topic(self, name: str, topic: Any) -> None:
            self.topics[name] = topic

        def register_listener(self, topic: str, task_type: type, concurrency: int = 1) -> None:
            self.listeners.setdefault(topic, []).append(task_type)

    stand_in = StandIn()
    helper = DAGBuilderHelper(stand_in)
    root = helper.build_and_link_tasks(
        [helper.generic_listener_task_builder(topic="scans", task_type=Scanned, process_name="p")]
    )
    template = helper.generic_template(
        template_name="T",
        root_process=helper.generic_process_builder(process_name="p", root_task=root),
    )

    with WorkflowTestEnvironment(stand_in, start=START) as env:
        wid = await env.start(template, order_id="o-9")
        assert env.instance(wid).partition_key_lookup == "order_id"
        assert await env.deliver("scans", {"order_id": "o-9", "at": "now"}) == 1
        assert env.status_of(wid) == "COMPLETED"
