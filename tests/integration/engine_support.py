"""Helpers for the engine's integration tests: start engine workers, send messages, ask them."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from dagger.devbroker import DevBroker
from tests.support.waiting import async_wait_until
from tests.support.worker import WorkerProcess

APP = Path(__file__).parent / "apps" / "engine_app.py"
TOPICS = ("tasks", "updates", "create", "a", "b", "cmd", "slow")


class EngineSetup:
    """One engine deployment under test: its app id, topics and workers."""

    def __init__(self, broker: DevBroker, base: Path, partitions: int = 1) -> None:
        self.broker = broker
        self.base = base
        self.partitions = partitions
        self.prefix = f"e{uuid.uuid4().hex[:8]}"
        self.workers: list[WorkerProcess] = []
        for name in TOPICS:
            broker.create_topic(self.topic(name), partitions=partitions)

    def topic(self, name: str) -> str:
        """The full name of one of this deployment's topics."""
        return f"{self.prefix}-{name}"

    def start_worker(self, **env: str) -> WorkerProcess:
        """Start another worker (its own data dir and web port; ``env``: more settings)."""
        n = len(self.workers) + 1
        proc = WorkerProcess(
            APP,
            broker=self.broker.url,
            data_dir=self.base / f"worker{n}" / "data",
            log_path=self.base / f"worker{n}" / "worker.log",
            env={
                "ENGINE_APP_ID": self.prefix,
                "ENGINE_PREFIX": self.prefix,
                "ENGINE_PARTITIONS": str(self.partitions),
                **env,
            },
        )
        self.workers.append(proc)
        return proc

    def close(self) -> None:
        """Stop every worker."""
        for proc in self.workers:
            proc.close()


def start_app_worker(
    broker: DevBroker,
    app: str | os.PathLike[str],
    base: Path,
    prefix: str,
    topics: Iterable[str],
    env: Mapping[str, str],
    web_port: int | None = None,
) -> WorkerProcess:
    """Create the one-partition topics ``<prefix>-<name>`` of ``topics``, then start one worker
    of the test ``app`` (data in ``base/data``, log ``base/worker.log``); not yet ready."""
    for name in topics:
        broker.create_topic(f"{prefix}-{name}", partitions=1)
    return WorkerProcess(
        app,
        broker=broker.url,
        web_port=web_port,
        data_dir=base / "data",
        log_path=base / "worker.log",
        env=env,
    )


@contextmanager
def ready(proc: WorkerProcess) -> Iterator[WorkerProcess]:
    """Wait (60 s) until the started worker is ready; stop it on leaving, however it is left."""
    try:
        proc.wait_ready(timeout=60)
        yield proc
    finally:
        proc.close()


@dataclass
class AppDeployment:
    """One test app's worker, the broker it is on and its topic prefix."""

    proc: WorkerProcess
    broker: DevBroker
    prefix: str


def http_json(worker: WorkerProcess, path: str) -> Any:
    """GET ``path`` on a worker's web port; returns ``(status, json body)``."""
    url = f"http://127.0.0.1:{worker.web_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def instance(worker: WorkerProcess, workflow_id: Any) -> dict[str, Any] | None:
    """The workflow as the worker serves it, or ``None`` (404)."""
    status, body = http_json(worker, f"/tasks/instance/{workflow_id}")
    return body if status == 200 else None


def status_of(workers: list[WorkerProcess], workflow_id: Any) -> str | None:
    """The status code of a workflow on whichever live worker holds it."""
    for proc in workers:
        if not proc.alive:
            continue
        try:
            data = instance(proc, workflow_id)
        except OSError:
            continue
        if data is not None:
            return str(data["status"]["code"])
    return None


def owned(worker: WorkerProcess) -> list[int]:
    """The tasks-topic partitions the worker owns (``[]`` while it cannot say)."""
    try:
        status, body = http_json(worker, "/test/stats")
    except OSError:
        return []
    return list(body["owned"]) if status == 200 else []


def is_ready(worker: WorkerProcess) -> bool:
    """Whether the worker answers ``/service/ready`` with ready."""
    try:
        return bool(http_json(worker, "/service/ready") == (200, {"is_ready": True}))
    except OSError:
        return False


def held(worker: WorkerProcess, template: str) -> dict[str, dict[str, Any]]:
    """The workflows of ``template`` the worker lists, by id."""
    status, body = http_json(worker, f"/tasks/instances?template={template}&limit=1000")
    assert status == 200
    return {w["id"]: w for w in body}


async def all_in(setup: EngineSetup, ids: list[str], code: str, timeout: float) -> None:
    """Wait until every workflow of ``ids`` has status ``code`` on some live worker."""

    def missing() -> list[str]:
        return [w for w in ids if status_of(setup.workers, w) != code]

    await async_wait_until(
        lambda: not missing(),
        timeout=timeout,
        interval=0.2,
        message=lambda: (
            f"{len(missing())} of {len(ids)} not {code}; "
            + " | ".join(p.describe() for p in setup.workers)
        ),
    )


class Producer:
    """An aiokafka producer sending JSON values with string keys."""

    def __init__(self, broker: DevBroker) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)

    async def __aenter__(self) -> Producer:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._producer.stop()

    async def send(
        self, topic: str, value: Any, key: str | None = None, partition: int | None = None
    ) -> None:
        """Send ``value`` (JSON-encoded unless bytes) keyed by ``key`` (to ``partition``)."""
        body = value if isinstance(value, bytes) else json.dumps(value).encode()
        await self._producer.send_and_wait(
            topic, body, key=key.encode() if key else None, partition=partition
        )

    async def create(
        self,
        setup: EngineSetup,
        template: str,
        order_id: str,
        *,
        repartition: bool = False,
        **params: Any,
    ) -> str:
        """Ask the deployment to create a workflow; return its id."""
        workflow_id = str(uuid.uuid4())
        request = {
            "template": template,
            "id": workflow_id,
            "repartition": repartition,
            "params": {"order_id": order_id, **params},
        }
        await self.send(setup.topic("create"), request, key=order_id)
        return workflow_id
