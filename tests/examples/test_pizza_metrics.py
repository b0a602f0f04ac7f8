"""The pizza worker's ``GET /metrics`` after a run: counts equal to what ran, histograms with
observations, and no label holding a workflow id (worker subprocess, session broker)."""

from __future__ import annotations

import re

from dagger.devbroker import DevBroker
from examples.pizza.demo import run_demo
from examples.pizza.settings import READY_TOPIC

ORDERS = 5
TEMPLATE = 'template="PizzaWorkflow"'
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sample(text: str, name: str, *labels: str) -> float:
    """The value of the one sample of ``name`` whose labels include each of ``labels``."""
    found = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name + "{") and all(label in line for label in labels)
    ]
    assert len(found) == 1, f"{name} {labels}: {found}"
    return found[0]


async def test_the_metrics_count_what_the_pizza_worker_ran(dev_broker: DevBroker) -> None:
    result = await run_demo(dev_broker.url, ORDERS, timeout=60, show=False)
    text = result.metrics
    assert len(result.instances) == ORDERS
    assert {i["status"]["code"] for i in result.instances} == {"COMPLETED"}

    # Counters: every workflow of this run started and completed on this worker, none left.
    assert sample(text, "dagger_workflows_started_total", TEMPLATE) == ORDERS
    assert sample(text, "dagger_workflows_completed_total", TEMPLATE) == ORDERS
    assert "dagger_workflows_failed_total{" not in text  # a label set appears once counted
    assert sample(text, "dagger_workflows_in_flight", TEMPLATE) == 0
    for task_type in ("OrderCommandTask", "PizzaWaitForReadyListener", "DeliveryCommandTask"):
        ended = sample(
            text, "dagger_tasks_ended_total", f'task_type="{task_type}"', 'status="COMPLETED"'
        )
        assert ended == ORDERS, task_type
    assert (
        sample(
            text, "dagger_listener_messages_total", f'topic="{READY_TOPIC}"', 'outcome="matched"'
        )
        >= ORDERS
    )

    # Histograms observed what ran.
    assert (
        sample(text, "dagger_workflow_duration_seconds_count", TEMPLATE, 'status="COMPLETED"')
        == ORDERS
    )
    executions = sample(
        text,
        "dagger_task_execution_seconds_count",
        'task_type="OrderCommandTask"',
        'hook="execute"',
    )
    assert executions == ORDERS
    saves = [s for s in text.splitlines() if s.startswith("dagger_store_save_seconds_count ")]
    assert saves and float(saves[0].split()[1]) > 0

    # Bounded labels: no workflow id of the run, indeed no UUID at all, in the text.
    assert not UUID.findall(text)
    for instance in result.instances:
        assert instance["id"] not in text
