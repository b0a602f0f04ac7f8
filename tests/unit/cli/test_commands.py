"""The ``dagger`` command end to end on a fake HTTP layer: output, one-line errors, exit codes."""

from __future__ import annotations

import json

import pytest

from dagger.cli import _http, main
from tests.unit.cli.fakes import FakeWorkers, pizza

WID = "0b9d7f2e-8b0a-11ee-9c4a-0242ac120002"
A, B = "http://a:6066", "http://b:6066"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeWorkers:
    workers = FakeWorkers()
    monkeypatch.setattr(_http, "urllib_transport", workers)
    monkeypatch.delenv("DAGGER_URL", raising=False)
    monkeypatch.delenv("DAGGER_TOKEN", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return workers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_list_prints_a_table_of_both_workers(
    fake: FakeWorkers, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add(A, "GET", "/tasks/instances", 200, [pizza("w-a", updated=1_700_000_100)])
    fake.add(
        B, "GET", "/tasks/instances", 200, [pizza("w-b", status="COMPLETED", updated=1_700_000_200)]
    )
    code, out, err = run(capsys, "instances", "list", "--url", A, "--url", B)
    assert (code, err) == (0, "")
    header, first, second = out.strip().splitlines()
    assert header.split() == [
        "ID",
        "TEMPLATE",
        "STATUS",
        "CREATED",
        "LAST",
        "UPDATED",
        "CURRENT",
        "TASK",
        "WORKER",
    ]
    assert first.split()[:3] == ["w-b", "W", "COMPLETED"]
    assert "Delivery.deliver COMPLETED" in first and first.rstrip().endswith(B)
    assert second.split()[:3] == ["w-a", "W", "EXECUTING"]
    assert "Order.listener EXECUTING" in second


def test_list_json_has_the_fields(fake: FakeWorkers, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add("http://127.0.0.1:6066", "GET", "/tasks/instances", 200, [pizza("w-a")])
    code, out, _ = run(capsys, "instances", "list", "--json", "--limit", "5")
    assert code == 0
    (row,) = json.loads(out)
    assert set(row) == {
        "id",
        "template",
        "status",
        "created",
        "last_updated",
        "current_task",
        "url",
    }
    assert fake.requests[0][1] == "http://127.0.0.1:6066/tasks/instances?limit=5"


def test_an_empty_list_says_so(fake: FakeWorkers, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add(A, "GET", "/tasks/instances", 200, [])
    assert run(capsys, "instances", "list", "--url", A) == (0, "no workflow instances\n", "")


def test_dagger_url_and_token_come_from_the_environment(
    fake: FakeWorkers, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add(A, "GET", "/tasks/instances", 200, [pizza("w-a")])
    fake.add(B, "GET", "/tasks/instances", 200, [pizza("w-b")])
    monkeypatch.setenv("DAGGER_URL", f"{A} {B}")
    monkeypatch.setenv("DAGGER_TOKEN", "tok")
    code, out, _ = run(capsys, "instances", "list", "--json")
    assert code == 0 and {r["id"] for r in json.loads(out)} == {"w-a", "w-b"}
    assert all(h["Authorization"] == "Bearer tok" for _, _, h in fake.requests)


def test_show_prints_the_tree_with_attempts_and_last_error(
    fake: FakeWorkers, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = pizza(WID, status="FAILURE")
    workflow["tasks"]["t2"].update(
        status={"code": "FAILURE", "value": "FAILURE"},
        attempt=3,
        last_error="ValueError: bad\nline",
    )
    fake.add(A, "GET", f"/tasks/instance/{WID}", 200, workflow)
    code, out, err = run(capsys, "instances", "show", WID, "--url", A)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["W", "FAILURE"] and WID in lines[1]
    assert lines[2].startswith("├── Order  EXECUTING")
    assert lines[3].startswith("│   ├── command  COMPLETED")
    assert lines[4].startswith("│   └── listener  FAILURE") and "attempt 3" in lines[4]
    assert lines[5].strip(" │") == "last error: ValueError: bad line"
    assert lines[6].startswith("└── Delivery  NOT_STARTED")
    assert lines[7].startswith("    └── deliver  NOT_STARTED")


def test_errors_are_one_line_with_documented_exit_codes(
    fake: FakeWorkers, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add(A, "GET", f"/tasks/instance/{WID}", 404, {"error": "no"})
    assert run(capsys, "instances", "show", WID, "--url", A) == (
        4,
        "",
        f"error: no workflow instance {WID} on {A}\n",
    )
    assert run(capsys, "instances", "show", "nope", "--url", A) == (
        2,
        "",
        "error: 'nope' is not a workflow id (a UUID)\n",
    )
    assert run(capsys, "instances", "list", "--url", "http://down:1") == (
        3,
        "",
        "error: cannot reach http://down:1: Connection refused\n",
    )
    code, _, err = run(capsys, "instances", "list", "--limit", "0")
    assert code == 2 and "Invalid value for '--limit'" in err


def test_stop_prints_the_resulting_status(
    fake: FakeWorkers, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add(A, "GET", f"/tasks/instance/{WID}", 200, pizza(WID))
    fake.add(A, "POST", f"/tasks/instance/{WID}/stop", 200, pizza(WID, status="STOPPED"))
    assert run(capsys, "instances", "stop", WID, "--url", A, "--token", "t") == (
        0,
        f"{WID}: STOPPED\n",
        "",
    )
    code, out, _ = run(capsys, "instances", "stop", WID, "--url", A, "--token", "t", "--json")
    assert code == 0 and json.loads(out) == {"id": WID, "status": "STOPPED", "url": A}


def test_retry_on_a_read_only_worker_says_how_to_enable_actions(
    fake: FakeWorkers, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add(A, "GET", f"/tasks/instance/{WID}", 200, pizza(WID))
    fake.add(
        A, "POST", f"/tasks/instance/{WID}/retry", 404, {"error": "not found: web actions are off"}
    )
    assert run(capsys, "instances", "retry", WID, "--url", A) == (
        6,
        "",
        f"error: {A}: this worker accepts no actions: start it with web_token=...\n",
    )


def test_help_at_every_level(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        [],
        ["instances"],
        ["instances", "list"],
        ["instances", "show"],
        ["instances", "stop"],
        ["instances", "retry"],
        ["worker"],
        ["devbroker"],
    ):
        code, out, _ = run(capsys, *argv, "--help")
        assert code == 0 and out.startswith("Usage: dagger"), argv
