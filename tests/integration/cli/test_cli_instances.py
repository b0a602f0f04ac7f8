"""``dagger instances list|show`` against two real workers of one deployment (4 partitions) on
the development broker: the console script runs as a subprocess, as a user would run it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dagger.devbroker import DevBroker
from tests.integration.cli.cli_support import one_error_line, run_cli, run_json, url_of
from tests.integration.engine_support import EngineSetup, Producer, http_json, owned, status_of
from tests.support.ports import free_port
from tests.support.waiting import wait_until
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration


@dataclass
class Deployment:
    """Two workers holding listen and rekey workflows, some EXECUTING, some COMPLETED."""

    setup: EngineSetup
    first: WorkerProcess
    second: WorkerProcess
    executing: list[str]
    completed: list[str]
    rekey: list[str]

    @property
    def urls(self) -> list[str]:
        return ["--url", url_of(self.first), "--url", url_of(self.second)]

    @property
    def all_ids(self) -> set[str]:
        return set(self.executing + self.completed + self.rekey)


def _ready(proc: WorkerProcess) -> bool:
    if not proc.alive:
        raise AssertionError(f"worker exited: {proc.describe()}")
    try:
        return http_json(proc, "/service/ready") == (200, {"is_ready": True})
    except OSError:
        return False


def _wait_all(setup: EngineSetup, ids: list[str], code: str) -> None:
    wait_until(
        lambda: all(status_of(setup.workers, w) == code for w in ids),
        timeout=30,
        interval=0.2,
        message=lambda: f"not all {code}: " + " | ".join(p.describe() for p in setup.workers),
    )


async def _create(setup: EngineSetup, broker: DevBroker, template: str, n: int) -> list[str]:
    async with Producer(broker) as producer:
        return [
            await producer.create(setup, template, f"o-{uuid.uuid4().hex[:8]}", repartition=True)
            for _ in range(n)
        ]


async def _complete(setup: EngineSetup, broker: DevBroker, orders: list[str]) -> None:
    async with Producer(broker) as producer:
        for order in orders:
            await producer.send(setup.topic("a"), {"order_id": order}, key=order)


@pytest.fixture(scope="module")
def deployment(
    dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    setup = EngineSetup(dev_broker, tmp_path_factory.mktemp("cli"), partitions=4)
    try:
        first, second = setup.start_worker(), setup.start_worker()
        wait_until(
            lambda: all(_ready(p) for p in (first, second)) and owned(first) and owned(second),
            timeout=60,
            interval=0.2,
            message=lambda: f"workers not both assigned: {first.describe()} | {second.describe()}",
        )
        listen = asyncio.run(_create(setup, dev_broker, "listen", 8))
        rekey = asyncio.run(_create(setup, dev_broker, "rekey", 2))
        _wait_all(setup, listen + rekey, "EXECUTING")
        # Complete three of the listen workflows: their order ids are in their parameters.
        done = listen[:3]
        orders = [
            str(http_json(p, f"/tasks/instance/{w}")[1]["runtime_parameters"]["order_id"])
            for w in done
            for p in (first, second)
            if http_json(p, f"/tasks/instance/{w}")[0] == 200
        ]
        asyncio.run(_complete(setup, dev_broker, orders))
        _wait_all(setup, done, "COMPLETED")
        yield Deployment(setup, first, second, listen[3:], done, rekey)
    finally:
        setup.close()


def test_list_merges_the_workers_lists_newest_first(deployment: Deployment) -> None:
    rows = run_json("instances", "list", *deployment.urls)
    assert {r["id"] for r in rows} == deployment.all_ids
    # Each worker holds only part of them: the full list is the merge of both.
    alone = [
        {r["id"] for r in run_json("instances", "list", "--url", u)}
        for u in (url_of(deployment.first), url_of(deployment.second))
    ]
    assert alone[0] and alone[1] and not alone[0] & alone[1]
    assert alone[0] | alone[1] == deployment.all_ids
    assert {r["url"] for r in rows} == {url_of(deployment.first), url_of(deployment.second)}
    updated = [r["last_updated"] for r in rows]
    assert updated == sorted(updated, reverse=True)
    by_id = {r["id"]: r for r in rows}
    for wid in deployment.completed:
        row = by_id[wid]
        assert row["status"] == "COMPLETED" and row["template"] == "listen"
        assert row["created"] > 0 and row["last_updated"] >= row["created"]
        # Nothing executes any more: the current task is the last one that ran.
        assert row["current_task"]["name"].endswith(".done_executor_task")
        assert row["current_task"]["status"] == "COMPLETED"
    for wid in deployment.executing:
        task = by_id[wid]["current_task"]
        assert by_id[wid]["status"] == "EXECUTING"
        assert task["status"] == "EXECUTING" and task["name"].endswith(".a_listener_task")
    for wid in deployment.rekey:
        assert by_id[wid]["current_task"]["name"].endswith(".a2_listener_task")


def test_list_prints_a_table_with_every_workflow(deployment: Deployment) -> None:
    done = run_cli("instances", "list", *deployment.urls)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "TEMPLATE", "STATUS"]
    for wid in deployment.all_ids:
        (line,) = [row for row in lines if row.startswith(wid)]
        expected = "COMPLETED" if wid in deployment.completed else "EXECUTING"
        assert line.split()[2] == expected


def test_list_filters_by_status_template_and_limit(deployment: Deployment) -> None:
    completed = run_json("instances", "list", *deployment.urls, "--status", "completed")
    assert {r["id"] for r in completed} == set(deployment.completed)
    rekey = run_json("instances", "list", *deployment.urls, "--template", "rekey")
    assert {r["id"] for r in rekey} == set(deployment.rekey)
    executing_listen = run_json(
        "instances", "list", *deployment.urls, "--status", "EXECUTING", "--template", "listen"
    )
    assert {r["id"] for r in executing_listen} == set(deployment.executing)
    limited = run_json("instances", "list", *deployment.urls, "--limit", "3")
    assert len(limited) == 3 and {r["id"] for r in limited} <= deployment.all_ids
    assert [r["last_updated"] for r in limited] == sorted(
        (r["last_updated"] for r in limited), reverse=True
    )


def test_show_prints_the_workflow_tree(deployment: Deployment) -> None:
    wid = deployment.executing[0]
    done = run_cli("instances", "show", wid, *deployment.urls)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["listen", "EXECUTING"]
    assert wid in lines[1]
    # The process, then its three tasks below it, in the order they run.
    names = [line.lstrip("│├└─ ").split()[:2] for line in lines[2:]]
    assert names == [
        ["listen_p", "EXECUTING"],
        ["cmd_command_task", "COMPLETED"],
        ["a_listener_task", "EXECUTING"],
        ["done_executor_task", "NOT_STARTED"],
    ]
    assert lines[3].startswith("    ├── cmd_command_task")  # tasks are indented under their process

    finished = run_cli("instances", "show", deployment.completed[0], *deployment.urls)
    assert finished.returncode == 0, finished.stderr
    assert "EXECUTING" not in finished.stdout and finished.stdout.count("COMPLETED") == 5


def test_show_json_is_the_workers_record(deployment: Deployment) -> None:
    wid = deployment.rekey[0]
    record = run_json("instances", "show", wid, *deployment.urls)
    holder = deployment.first if _holds(deployment.first, wid) else deployment.second
    assert record == http_json(holder, f"/tasks/instance/{wid}")[1]
    assert record["template_name"] == "rekey" and len(record["tasks"]) == 4


def _holds(proc: WorkerProcess, wid: str) -> bool:
    return http_json(proc, f"/tasks/instance/{wid}")[0] == 200


def test_an_unknown_id_is_one_line_and_exit_status_4(deployment: Deployment) -> None:
    missing = str(uuid.uuid4())
    done = run_cli("instances", "show", missing, *deployment.urls)
    assert done.returncode == 4
    assert one_error_line(done).startswith(f"error: no workflow instance {missing} on ")
    assert done.stdout == ""


def test_an_unreachable_url_is_one_line_and_exit_status_3(deployment: Deployment) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    done = run_cli("instances", "list", "--url", nowhere)
    assert done.returncode == 3 and done.stdout == ""
    assert one_error_line(done) == f"error: cannot reach {nowhere}: Connection refused"

    shown = run_cli("instances", "show", deployment.completed[0], "--url", nowhere)
    assert shown.returncode == 3
    assert one_error_line(shown).startswith(f"error: cannot reach {nowhere}")

    # With a worker that answers: its workflows are listed, the silent URL is still an error.
    partial = run_cli("instances", "list", "--url", nowhere, "--url", url_of(deployment.first))
    assert partial.returncode == 3
    assert one_error_line(partial).startswith(f"error: cannot reach {nowhere}")
    held = run_json("instances", "list", "--url", url_of(deployment.first))
    assert held and all(r["id"] in partial.stdout for r in held)


def test_the_url_comes_from_dagger_url(deployment: Deployment) -> None:
    env = {"DAGGER_URL": f"{url_of(deployment.first)} {url_of(deployment.second)}"}
    done = run_cli("instances", "list", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert {r["id"] for r in json.loads(done.stdout)} == deployment.all_ids


def test_help_at_every_level() -> None:
    for args in (
        [],
        ["instances"],
        ["instances", "list"],
        ["instances", "show"],
        ["instances", "stop"],
        ["instances", "retry"],
        ["worker"],
        ["devbroker"],
    ):
        done = run_cli(*args, "--help")
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout.startswith("Usage: dagger"), args


def test_actions_on_a_read_only_worker_say_how_to_enable_them(deployment: Deployment) -> None:
    wid = deployment.executing[0]
    done = run_cli("instances", "stop", wid, *deployment.urls, "--token", "anything")
    assert done.returncode == 6
    holder = deployment.first if _holds(deployment.first, wid) else deployment.second
    assert one_error_line(done) == (
        f"error: {url_of(holder)}: this worker accepts no actions: start it with web_token=..."
    )
    assert status_of(deployment.setup.workers, wid) == "EXECUTING"
