"""``dagger instances stop|retry`` against the real action endpoints of a worker with a
``web_token``, and against a read-only worker (no token)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dagger.devbroker import DevBroker
from tests.integration.cli.cli_support import one_error_line, run_cli, run_json, url_of
from tests.integration.engine_support import APP, EngineSetup, Producer, status_of
from tests.support.waiting import wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

TOKEN = "cli-test-token"


@dataclass
class Workers:
    """One deployment: a worker with the web token and the workflows it holds."""

    setup: EngineSetup
    worker: WorkerProcess
    ids: list[str]

    @property
    def url(self) -> str:
        return url_of(self.worker)


@pytest.fixture(scope="module")
def workers(dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    base = tmp_path_factory.mktemp("cli-actions")
    setup = EngineSetup(dev_broker, base, partitions=1)
    worker = WorkerProcess(
        APP,
        broker=dev_broker.url,
        data_dir=base / "data",
        log_path=base / "worker.log",
        env={
            "ENGINE_APP_ID": setup.prefix,
            "ENGINE_PREFIX": setup.prefix,
            "ENGINE_PARTITIONS": "1",
            "ENGINE_WEB_TOKEN": TOKEN,
        },
    )
    setup.workers.append(worker)
    try:
        worker.wait_ready(timeout=60)

        async def create() -> list[str]:
            async with Producer(dev_broker) as producer:
                return [
                    await producer.create(setup, "listen", f"o-{uuid.uuid4().hex[:8]}")
                    for _ in range(3)
                ]

        ids = asyncio.run(create())
        wait_until(
            lambda: all(status_of([worker], w) == "EXECUTING" for w in ids),
            timeout=30,
            interval=0.2,
            message=lambda: f"workflows not EXECUTING: {worker.describe()}",
        )
        yield Workers(setup, worker, ids)
    finally:
        setup.close()


def test_stop_stops_the_workflow_and_prints_its_status(workers: Workers) -> None:
    wid = workers.ids[0]
    done = run_cli("instances", "stop", wid, "--url", workers.url, "--token", TOKEN)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{wid}: STOPPED\n", "")
    shown = run_json("instances", "show", wid, "--url", workers.url)
    assert shown["status"]["code"] == "STOPPED"
    # Stopping it again does not apply: exit status 7, in one line.
    again = run_cli("instances", "stop", wid, "--url", workers.url, env={"DAGGER_TOKEN": TOKEN})
    assert again.returncode == 7
    assert one_error_line(again).startswith(f"error: {workers.url}: cannot stop {wid}: ")


def test_retry_with_nothing_failed_is_refused(workers: Workers) -> None:
    wid = workers.ids[1]
    done = run_cli("instances", "retry", wid, "--url", workers.url, "--token", TOKEN)
    assert done.returncode == 7
    assert one_error_line(done).startswith(f"error: {workers.url}: cannot retry {wid}: ")
    assert status_of([workers.worker], wid) == "EXECUTING"


def test_a_missing_or_wrong_token_is_refused(workers: Workers) -> None:
    wid = workers.ids[2]
    missing = run_cli("instances", "stop", wid, "--url", workers.url)
    assert missing.returncode == 5
    assert "--token or DAGGER_TOKEN" in one_error_line(missing)
    wrong = run_cli("instances", "stop", wid, "--url", workers.url, "--token", "nope")
    assert wrong.returncode == 5
    assert "not the worker's web_token" in one_error_line(wrong)
    assert status_of([workers.worker], wid) == "EXECUTING"


def test_an_unknown_workflow_is_exit_status_4(workers: Workers) -> None:
    missing = str(uuid.uuid4())
    done = run_cli("instances", "retry", missing, "--url", workers.url, "--token", TOKEN)
    assert done.returncode == 4
    assert one_error_line(done) == f"error: no workflow instance {missing} on {workers.url}"
