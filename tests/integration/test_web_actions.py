"""Retry and stop over HTTP with the web token (a worker on the development broker)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
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
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

APP = Path(__file__).parent / "apps" / "recovery_app.py"
TOKEN = f"tok-{uuid.uuid4().hex}"


@dataclass
class Deployment(AppDeployment):
    """The worker, its broker and topic prefix, and the directory of 'service is back' flags."""

    flags: Path


@pytest.fixture(scope="module")
def deployment(
    dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    prefix = f"r{uuid.uuid4().hex[:8]}"
    base = tmp_path_factory.mktemp("web-actions")
    flags = base / "flags"
    flags.mkdir()
    env = {
        "RECOVERY_APP_ID": prefix,
        "RECOVERY_PREFIX": prefix,
        "RECOVERY_TOKEN": TOKEN,
        "RECOVERY_FLAGS": str(flags),
    }
    topics = ("tasks", "create", "events")
    with ready(start_app_worker(dev_broker, APP, base, prefix, topics, env)) as proc:
        yield Deployment(proc, dev_broker, prefix, flags)


def _post(proc: WorkerProcess, path: str, token: str | None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{proc.web_port}{path}", data=b"", method="POST"
    )
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


async def post(proc: WorkerProcess, path: str, token: str | None) -> tuple[int, Any]:
    """POST ``path`` on the worker (off the event loop); ``(status, json body)``."""
    return await asyncio.to_thread(_post, proc, path, token)


async def create(dep: Deployment, template: str, order: str) -> str:
    """Ask the worker to create a workflow of ``template``; its id."""
    workflow_id = str(uuid.uuid4())
    async with Producer(dep.broker) as producer:
        await producer.send(
            f"{dep.prefix}-create",
            {"id": workflow_id, "template": template, "order_id": order},
            key=order,
        )
    return workflow_id


async def status_becomes(dep: Deployment, workflow_id: str, wanted: str) -> dict[str, Any]:
    """Poll the worker until the workflow has status ``wanted``; the workflow then."""
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        data = await asyncio.to_thread(instance, dep.proc, workflow_id)
        seen["data"] = data
        return data is not None and data["status"]["code"] == wanted

    await async_wait_until(
        reached,
        timeout=30,
        message=lambda: (
            f"workflow {workflow_id} is not {wanted}: {seen.get('data')}; {dep.proc.describe()}"
        ),
    )
    data: dict[str, Any] = seen["data"]
    return data


def task_codes(workflow: dict[str, Any]) -> dict[str, str]:
    """``{task name after its last dot: status code}`` of a workflow representation."""
    return {
        str(t["task_name"]).rsplit(".", 1)[-1]: t["status"]["code"]
        for t in workflow["tasks"].values()
    }


async def test_retry_over_http_resumes_a_failed_workflow_to_completed(
    deployment: Deployment,
) -> None:
    proc = deployment.proc
    order = f"o-{uuid.uuid4().hex[:6]}"
    workflow_id = await create(deployment, "charge", order)
    failed = await status_becomes(deployment, workflow_id, "FAILURE")
    assert task_codes(failed)["charge_executor_task"] == "FAILURE"
    path = f"/tasks/instance/{workflow_id}/retry"

    assert (await post(proc, path, None))[0] == 401
    assert (await post(proc, path, "not-the-token"))[0] == 403
    assert (await asyncio.to_thread(instance, proc, workflow_id))["status"]["code"] == "FAILURE"  # type: ignore[index]

    # Still down: the retry runs the task again and it fails again.
    code, body = await post(proc, path, TOKEN)
    assert (code, body["status"]["code"]) == (200, "FAILURE")

    (deployment.flags / order).touch()  # the card service is back
    code, body = await post(proc, path, TOKEN)

    assert code == 200
    assert body["status"]["code"] == "COMPLETED"
    assert body["runtime_parameters"]["charged"] is True
    stored = await status_becomes(deployment, workflow_id, "COMPLETED")
    assert set(task_codes(stored).values()) == {"COMPLETED"}
    code, body = await post(proc, path, TOKEN)
    assert code == 409 and "no FAILURE task to retry" in body["error"]
    assert (await post(proc, f"/tasks/instance/{uuid.uuid4()}/retry", TOKEN))[0] == 404


async def test_stop_over_http_stops_a_waiting_workflow(deployment: Deployment) -> None:
    proc = deployment.proc
    workflow_id = await create(deployment, "wait", f"o-{uuid.uuid4().hex[:6]}")
    await status_becomes(deployment, workflow_id, "EXECUTING")
    path = f"/tasks/instance/{workflow_id}/stop"

    assert (await post(proc, path, None))[0] == 401
    assert (await post(proc, path, "wrong"))[0] == 403
    code, body = await post(proc, path, TOKEN)

    assert (code, body["status"]["code"]) == (200, "STOPPED")
    stored = await status_becomes(deployment, workflow_id, "STOPPED")
    assert set(task_codes(stored).values()) == {"STOPPED"}
    assert (await post(proc, path, TOKEN))[0] == 409
    # Reads stay open without web_token_for_reads.
    status, listed = await asyncio.to_thread(http_json, proc, "/tasks/instances?status=STOPPED")
    assert status == 200 and workflow_id in {w["id"] for w in listed}
