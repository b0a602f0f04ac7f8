"""The worker of the ``scale`` scenario: fills its store, then answers the harness.

Each message on ``BENCH_TOPIC`` is ``{"from": a, "to": b}`` and creates workflows ``a`` to
``b - 1`` in one go (many creates per message, so 100k workflows take minutes, not hours):
even ones wait on a listener correlated by ``order_id`` (EXECUTING), odd ones run one no-op
task and end (COMPLETED). Once ``BENCH_N`` are stored it times the correlation lookup of a
listener message (the index read a message on ``<topic>-ready`` does) and writes
``BENCH_RESULT``. Listener messages carry ``"sent"`` (epoch seconds): the delay until their
``on_message`` runs is appended to ``<BENCH_RESULT>.deliveries``.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

from dagger.devbroker import dev_faust_settings
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from dagger.tasks.task import ExecutorTask, KafkaListenerTask, TaskLookupKey
from dagger.templates.template import ITemplateDAG, TaskTemplate

START_TOPIC = os.environ["BENCH_TOPIC"]
READY = f"{START_TOPIC}-ready"
RESULT = Path(os.environ["BENCH_RESULT"])
EXPECTED = int(os.environ["BENCH_N"])
LOOKUPS = 2000

engine = Dagger(
    broker=os.environ["BENCH_BROKER"],
    datadir=os.environ["BENCH_DATA_DIR"],
    application_name=os.environ["BENCH_APP_ID"],
    web_port=int(os.environ["BENCH_WEB_PORT"]),
    consumer_auto_offset_reset="earliest",
    tasks_topic=f"{START_TOPIC}-tasks",
    **dev_faust_settings(),
)


class Noop(ExecutorTask[str, str]):
    """Does nothing: the ended half of the store."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        return None


class WaitReady(KafkaListenerTask[str, str]):
    """The waiting half: completes when its order is reported ready."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        payload = json.loads(args[0]) if args else {}
        sent = payload.get("sent")
        if sent is not None:
            with Path(f"{RESULT}.deliveries").open("a") as out:
                out.write(f"{time.time() - float(sent)}\n")
        return True


def _template(name: str, waits: bool) -> ITemplateDAG:
    helper = DAGBuilderHelper(engine)
    root: TaskTemplate
    if waits:
        root = helper.generic_listener_task_builder(
            topic=READY, task_type=WaitReady, process_name="order"
        ).build()
    else:
        root = helper.generic_executor_task_builder(task_type=Noop, name="done").build()
    process = helper.generic_process_builder(process_name="order", root_task=root)
    return helper.generic_template(template_name=name, root_process=process.build())


@Dagger.register_template("Waiting")
def _waiting(template_name: str) -> ITemplateDAG:
    return _template(template_name, waits=True)


@Dagger.register_template("Ended")
def _ended(template_name: str) -> ITemplateDAG:
    return _template(template_name, waits=False)


start_topic = engine.create_topic(START_TOPIC, value_type=bytes)
_created = [0, 0.0]


async def _time_lookups() -> dict[str, float]:
    runtime = engine.runtime
    waiting = list(range(0, EXPECTED, 2)) or [0]
    keys = [f"o-{random.choice(waiting)}" for _ in range(LOOKUPS)]
    began = time.perf_counter()
    found = 0
    for key in keys:
        found += len(await runtime.lookup_listeners(key, READY))
    hit_us = 1e6 * (time.perf_counter() - began) / LOOKUPS
    began = time.perf_counter()
    for i in range(LOOKUPS):
        await runtime.lookup_listeners(f"missing-{i}", READY)
    miss_us = 1e6 * (time.perf_counter() - began) / LOOKUPS
    return {"lookup_us": hit_us, "lookup_miss_us": miss_us, "lookup_found": found}


@engine.faust_app.agent(start_topic)
async def fill(stream: Any) -> None:
    """Create the requested range of workflows per message."""
    waiting, ended = engine.template_dags["Waiting"], engine.template_dags["Ended"]
    async for value in stream:
        span = json.loads(value)
        if not _created[1]:
            _created[1] = time.time()
        for i in range(span["from"], span["to"]):
            template = waiting if i % 2 == 0 else ended
            await template.create_instance(
                uuid.uuid1(), "order_id", repartition=False, submit_task=True, order_id=f"o-{i}"
            )
            _created[0] += 1
        if _created[0] >= EXPECTED:
            # Stored once the changelog has it too: on the development broker (one record
            # per produce batch) the changelog lags far behind the local writes of a fill.
            local_seconds = time.time() - _created[1]
            await engine.faust_app.producer.flush()
            seconds = time.time() - _created[1]
            result = {
                "created": _created[0],
                "fill_seconds": seconds,
                "local_fill_seconds": local_seconds,
                **await _time_lookups(),
            }
            tmp = RESULT.with_suffix(".tmp")
            tmp.write_text(json.dumps(result))
            os.replace(tmp, RESULT)


if __name__ == "__main__":
    engine.main()
