"""The engine side of a benchmark: one dagger worker running the chosen scenario.

Start messages arrive on ``BENCH_TOPIC``; each creates and runs one workflow on this worker.
The pizza scenario's order service is a separate process (``_replier_app``).
Completion is observed through ``task_update_callbacks``; latency is measured from the
pickup of the start message (kept in a runtime parameter) to the workflow's COMPLETED write.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

from benchmarks._reporter import Reporter
from benchmarks._scenarios import SCENARIOS
from dagger.devbroker import dev_faust_settings
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from dagger.tasks.task import (
    ExecutorTask,
    ITemplateDAGInstance,
    KafkaCommandTask,
    KafkaListenerTask,
    ParallelCompositeTask,
    TaskLookupKey,
    TriggerTask,
)
from dagger.templates.template import (
    ITemplateDAG,
    ParallelCompositeTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
)

SCENARIO = SCENARIOS[os.environ["BENCH_SCENARIO"]]
START_TOPIC = os.environ["BENCH_TOPIC"]
ORDERS = f"{START_TOPIC}-orders"
READY = f"{START_TOPIC}-ready"
reporter = Reporter(os.environ["BENCH_RESULT"], int(os.environ["BENCH_N"]))


async def _on_update(workflow: ITemplateDAGInstance) -> None:
    if SCENARIO.name != "timers" and workflow.status.code == "COMPLETED":
        picked_up = float(workflow.runtime_parameters["picked_up"])
        reporter.done(time.time() - picked_up, SCENARIO.tasks_per_workflow)


engine = Dagger(
    broker=os.environ["BENCH_BROKER"],
    datadir=os.environ["BENCH_DATA_DIR"],
    application_name=os.environ["BENCH_APP_ID"],
    web_port=int(os.environ["BENCH_WEB_PORT"]),
    consumer_auto_offset_reset="earliest",
    task_update_callbacks=[_on_update],
    tasks_topic=f"{START_TOPIC}-tasks",
    **dev_faust_settings(),
)

# BENCH_ABLATE=cache,defer,observer turns a part off, to measure what it costs alone.
_ablate = set(filter(None, os.environ.get("BENCH_ABLATE", "").split(",")))
if "cache" in _ablate:
    engine.runtime.cache.size = 0
if "observer" in _ablate:  # the metrics observer the engine installs (issue 14)
    from dagger.core.observe import NOOP

    engine.runtime.observer = NOOP
if "defer" in _ablate:
    engine.runtime.defer_creation = None


class Noop(ExecutorTask[str, str]):
    """An executor task that does nothing: the benchmark measures the engine."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        return None


class SendOrder(KafkaCommandTask[str, str]):
    """Sends the order to the simulated kitchen, keyed by the order id."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        order_id = runtime_parameters["order_id"]
        assert self.topic is not None  # the template's builder set it
        await engine.topics[self.topic].send(key=order_id, value=json.dumps({"order_id": order_id}))


class WaitReady(KafkaListenerTask[str, str]):
    """Completes when the kitchen reports the order ready."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, json.loads(payload)["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


class Due(TriggerTask[str, str]):
    """Records how late it fired."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        reporter.done(max(0.0, time.time() - float(self.time_to_execute or 0)), 1)


def _chain(helper: DAGBuilderHelper, length: int) -> Any:
    return helper.build_and_link_tasks(
        [
            helper.generic_executor_task_builder(task_type=Noop, name=f"step{i}")
            for i in range(length)
        ]
    )


def _root_task(helper: DAGBuilderHelper) -> Any:
    name = SCENARIO.name
    if name in ("chain10", "chain10-readme", "chain100"):
        return _chain(helper, SCENARIO.tasks_per_workflow)
    if name == "fanout":
        child = helper.generic_executor_task_builder(task_type=Noop, name="child").build()
        fan = ParallelCompositeTaskTemplateBuilder(engine, 10, child)
        fan.set_type(ParallelCompositeTask)
        fan.set_name("fanout")
        return fan.build()
    if name == "pizza":
        return helper.build_and_link_tasks(
            [
                helper.generic_command_task_builder(
                    topic=ORDERS, task_type=SendOrder, process_name="order"
                ),
                helper.generic_listener_task_builder(
                    topic=READY, task_type=WaitReady, process_name="order"
                ),
                helper.generic_executor_task_builder(task_type=Noop, name="deliver"),
            ]
        )
    trigger = TriggerTaskTemplateBuilder(engine)
    trigger.set_type(Due)
    trigger.set_name("due")
    trigger.set_time_to_execute_lookup_key("due_at")
    return trigger.build()


@Dagger.register_template("Bench")
def _register(template_name: str) -> ITemplateDAG:
    helper = DAGBuilderHelper(engine)
    process = helper.generic_process_builder(process_name="p", root_task=_root_task(helper))
    return helper.generic_template(template_name=template_name, root_process=process.build())


start_topic = engine.create_topic(START_TOPIC, value_type=bytes)
_timer_base: list[float] = []


@engine.faust_app.agent(start_topic)
async def start_workflows(stream: Any) -> None:
    """One workflow per start message, created and run on this worker."""
    template = engine.template_dags["Bench"]
    async for value in stream:
        picked_up = time.time()
        reporter.started()
        index = json.loads(value)["i"]
        params: dict[str, Any] = {"picked_up": picked_up, "order_id": f"o-{index}"}
        if SCENARIO.name == "timers":
            if not _timer_base:
                _timer_base.append(picked_up + 2.0)
            params["due_at"] = _timer_base[0] + 5.0 * index / reporter.expected
        if SCENARIO.name == "chain10-readme":
            # wf-dagger's README: create, then submit the instance (two calls).
            workflow = await template.create_instance(
                uuid.uuid1(), "order_id", repartition=False, **params
            )
            await engine.submit(workflow, repartition=False)
            continue
        await template.create_instance(
            uuid.uuid1(), "order_id", repartition=False, submit_task=True, **params
        )


if SCENARIO.name == "pizza":
    # The order service replies from its own process (benchmarks._replier_app).
    engine.create_topic(ORDERS, value_type=bytes)


if __name__ == "__main__":
    engine.main()
