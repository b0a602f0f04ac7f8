"""Retry policies and listener timeouts on a real worker (development broker, RocksDB)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dagger.devbroker import DevBroker
from tests.integration.engine_support import (
    AppDeployment,
    Producer,
    http_json,
    instance,
    ready,
    start_app_worker,
)
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration

APP = Path(__file__).parent / "apps" / "retry_app.py"


Deployment = AppDeployment


@pytest.fixture(scope="module")
def deployment(
    dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    prefix = f"rt{uuid.uuid4().hex[:8]}"
    base = tmp_path_factory.mktemp("retries")
    env = {"RETRY_APP_ID": prefix, "RETRY_PREFIX": prefix}
    topics = ("tasks", "create", "events")
    with ready(start_app_worker(dev_broker, APP, base, prefix, topics, env)) as proc:
        yield Deployment(proc, dev_broker, prefix)


async def create(dep: Deployment, template: str) -> str:
    """Ask the worker to create a workflow of ``template``; its id."""
    workflow_id, order = str(uuid.uuid4()), f"o-{uuid.uuid4().hex[:6]}"
    async with Producer(dep.broker) as producer:
        await producer.send(
            f"{dep.prefix}-create",
            {"id": workflow_id, "template": template, "order_id": order},
            key=order,
        )
    return workflow_id


def leaf(workflow: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The one task of the workflow representation whose name ends with ``suffix``."""
    [task] = [t for t in workflow["tasks"].values() if str(t["task_name"]).endswith(suffix)]
    return task


async def becomes(
    dep: Deployment, workflow_id: str, reached: Any, what: str, timeout: float = 45
) -> dict[str, Any]:
    """Poll the worker's web API until ``reached(workflow)`` holds; the workflow then."""
    seen: dict[str, Any] = {}

    async def check() -> bool:
        try:
            data = await asyncio.to_thread(instance, dep.proc, workflow_id)
        except OSError:  # the worker is (re)starting
            return False
        seen["data"] = data
        return data is not None and bool(reached(data))

    await async_wait_until(
        check,
        timeout=timeout,
        interval=0.2,
        message=lambda: (
            f"workflow {workflow_id}: {what}; last seen {seen.get('data')}; {dep.proc.describe()}"
        ),
    )
    data: dict[str, Any] = seen["data"]
    return data


async def test_a_task_failing_twice_completes_on_its_third_attempt(deployment: Deployment) -> None:
    workflow_id = await create(deployment, "flaky")

    done = await becomes(
        deployment, workflow_id, lambda w: w["status"]["code"] == "COMPLETED", "not COMPLETED"
    )

    task = leaf(done, "flaky_executor_task")
    assert (task["status"]["code"], task["attempt"], task["retry_at"]) == ("COMPLETED", 3, None)
    assert task["last_error"] == "ConnectionError: service down (attempt 2)"
    assert task["retry_policy"]["maximum_attempts"] == 3
    assert done["runtime_parameters"]["done_on_attempt"] == 3
    log = deployment.proc.log_text()
    for attempt in (1, 2):
        assert f"attempt {attempt} failed with ConnectionError" in log
        assert f"{workflow_id}: attempt {attempt} failed" in log


async def test_a_listener_timing_out_fails_and_leaves_no_index_entry(
    deployment: Deployment,
) -> None:
    workflow_id = await create(deployment, "wait")
    waiting = await becomes(
        deployment,
        workflow_id,
        lambda w: leaf(w, "wait_listener_task")["status"]["code"] == "EXECUTING",
        "the listener never waited",
    )
    started = leaf(waiting, "wait_listener_task")
    assert started["timeout_at"] == pytest.approx(started["time_submitted"] + 2, abs=1)

    done = await becomes(
        deployment, workflow_id, lambda w: w["status"]["code"] == "COMPLETED", "not COMPLETED"
    )

    wait = leaf(done, "wait_listener_task")
    assert (wait["status"]["code"], wait["message"]) == ("FAILURE", "timed out after 2 s")
    assert leaf(done, "finish_executor_task")["status"]["code"] == "COMPLETED"
    assert done["sensor_tasks_to_correletable_map"] == {}
    status, state = await asyncio.to_thread(http_json, deployment.proc, "/test/state")
    assert status == 200
    order = done["runtime_parameters"]["order_id"]
    assert not [key for key in state["index_keys"] if order in key]
    assert not [key for key in state["triggers"] if workflow_id in key]


async def test_a_worker_killed_during_the_backoff_retries_after_restart(
    deployment: Deployment,
) -> None:
    proc = deployment.proc
    workflow_id = await create(deployment, "slow")
    waiting = await becomes(
        deployment,
        workflow_id,
        lambda w: leaf(w, "slow_executor_task")["retry_at"] is not None,
        "no retry was scheduled",
    )
    task = leaf(waiting, "slow_executor_task")
    assert (task["status"]["code"], task["attempt"]) == ("EXECUTING", 1)
    assert task["last_error"] == "ConnectionError: service down (attempt 1)"
    assert task["retry_at"] > time.time()  # the kill below falls inside the 6 s backoff

    proc.kill()
    proc.start()
    await proc.async_wait_ready(timeout=60)

    done = await becomes(
        deployment, workflow_id, lambda w: w["status"]["code"] == "COMPLETED", "not COMPLETED"
    )
    task = leaf(done, "slow_executor_task")
    assert (task["status"]["code"], task["attempt"], task["retry_at"]) == ("COMPLETED", 2, None)
    assert done["runtime_parameters"]["done_on_attempt"] == 2
    # The restarted worker ran the stored retry: it did not start the workflow over.
    after_restart = proc.log_text().split(f"=== start #{proc.starts}:", 1)[1]
    assert f"{workflow_id}: attempt 1 failed" not in after_restart
    assert f"{workflow_id}: attempt 1 failed" in proc.log_text()
