"""Asking workers through the fake HTTP layer: tokens, lists, finding a workflow, actions."""

from __future__ import annotations

import pytest

from dagger.cli._actions import act, check_id, find_instance, list_instances
from dagger.cli._errors import (
    EXIT_AUTH,
    EXIT_CONFLICT,
    EXIT_NO_ACTIONS,
    EXIT_NOT_FOUND,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    CliError,
)
from dagger.cli._http import WorkerClient, normalize_url
from tests.unit.cli.fakes import FakeWorkers, pizza

WID = "0b9d7f2e-8b0a-11ee-9c4a-0242ac120002"
A, B = "http://a:6066", "http://b:6066"


def clients(fake: FakeWorkers, *urls: str, token: str | None = None) -> list[WorkerClient]:
    return [WorkerClient(u, token=token, transport=fake) for u in urls]


def test_urls_are_normalized_and_checked() -> None:
    assert normalize_url("localhost:6066/") == "http://localhost:6066"
    assert normalize_url("https://w.example:443") == "https://w.example:443"
    with pytest.raises(CliError) as caught:
        normalize_url("ftp://x")
    assert caught.value.exit_code == EXIT_USAGE


def test_the_token_goes_with_reads_and_the_query_with_the_list() -> None:
    fake = FakeWorkers()
    fake.add(A, "GET", "/tasks/instances", 200, [])
    list_instances(clients(fake, A, token="s3cret"), status="FAILURE", template="W", limit=7)
    method, url, headers = fake.requests[0]
    assert method == "GET"
    assert url == f"{A}/tasks/instances?status=FAILURE&template=W&limit=7"
    assert headers["Authorization"] == "Bearer s3cret"
    list_instances(clients(fake, A))
    assert "Authorization" not in fake.requests[1][2]
    assert fake.requests[1][1] == f"{A}/tasks/instances?limit=100"


def test_a_list_merges_workers_and_reports_the_silent_ones() -> None:
    fake = FakeWorkers()
    fake.add(A, "GET", "/tasks/instances", 200, [pizza("a1", updated=5)])
    fake.add(B, "GET", "/tasks/instances", 401, {"error": "missing token"})
    listing = list_instances(clients(fake, A, B, "http://c:1"))
    assert [r.id for r in listing.rows] == ["a1"]
    assert [(f.exit_code, f.message) for f in listing.failures] == [
        (EXIT_AUTH, f"{B}: missing token (pass the worker's token with --token or DAGGER_TOKEN)"),
        (EXIT_UNREACHABLE, "cannot reach http://c:1: Connection refused"),
    ]


def test_find_asks_each_worker_until_one_has_it() -> None:
    fake = FakeWorkers()
    fake.add(A, "GET", f"/tasks/instance/{WID}", 404, {"error": f"no workflow instance {WID}"})
    fake.add(B, "GET", f"/tasks/instance/{WID}", 200, pizza(WID))
    client, record = find_instance(clients(fake, A, B), WID)
    assert client.url == B and record["id"] == WID


def test_find_names_every_url_when_none_has_it() -> None:
    fake = FakeWorkers()
    fake.add(A, "GET", f"/tasks/instance/{WID}", 404, {"error": "no"})
    with pytest.raises(CliError) as caught:
        find_instance(clients(fake, A), WID)
    assert (caught.value.exit_code, caught.value.message) == (
        EXIT_NOT_FOUND,
        f"no workflow instance {WID} on {A}",
    )
    # One URL answered, one did not: the workflow may be on the silent one.
    with pytest.raises(CliError) as caught:
        find_instance(clients(fake, A, B), WID)
    assert caught.value.exit_code == EXIT_UNREACHABLE
    assert caught.value.message == (
        f"no workflow instance {WID} on {A}; and cannot reach {B}: Connection refused"
    )


def test_a_wrong_token_stops_the_search() -> None:
    fake = FakeWorkers()
    fake.add(A, "GET", f"/tasks/instance/{WID}", 403, {"error": "wrong token"})
    fake.add(B, "GET", f"/tasks/instance/{WID}", 200, pizza(WID))
    with pytest.raises(CliError) as caught:
        find_instance(clients(fake, A, B), WID)
    assert caught.value.exit_code == EXIT_AUTH and "wrong token" in caught.value.message


def test_ids_must_be_uuids() -> None:
    assert check_id(WID.upper()) == WID
    with pytest.raises(CliError) as caught:
        check_id("abc")
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.message == "'abc' is not a workflow id (a UUID)"


def _holding(fake: FakeWorkers) -> FakeWorkers:
    fake.add(A, "GET", f"/tasks/instance/{WID}", 404, {"error": "no"})
    fake.add(B, "GET", f"/tasks/instance/{WID}", 200, pizza(WID))
    return fake


def test_an_action_goes_to_the_worker_holding_the_workflow() -> None:
    fake = _holding(FakeWorkers())
    fake.add(B, "POST", f"/tasks/instance/{WID}/stop", 200, pizza(WID, status="STOPPED"))
    result = act(clients(fake, A, B, token="t"), WID, "stop")
    assert (result.status, result.url) == ("STOPPED", B)
    assert fake.requests[-1] == (
        "POST",
        f"{B}/tasks/instance/{WID}/stop",
        {"Accept": "application/json", "Authorization": "Bearer t"},
    )


def test_an_answer_without_a_status_is_followed_by_a_read() -> None:
    fake = _holding(FakeWorkers())
    fake.add(B, "POST", f"/tasks/instance/{WID}/retry", 202, {"accepted": True})
    assert act(clients(fake, A, B), WID, "retry").status == "EXECUTING"
    assert fake.requests[-1][:2] == ("GET", f"{B}/tasks/instance/{WID}")


@pytest.mark.parametrize(
    ("status", "body", "code", "message"),
    [
        (
            404,
            b"404: Not Found",
            EXIT_NO_ACTIONS,
            f"{B}: this worker accepts no actions: start it with web_token=...",
        ),
        (
            401,
            {"error": "missing token"},
            EXIT_AUTH,
            f"{B}: missing token (pass the worker's token with --token or DAGGER_TOKEN)",
        ),
        (
            403,
            {"error": "wrong token"},
            EXIT_AUTH,
            f"{B}: wrong token (the token given is not the worker's web_token)",
        ),
        (
            409,
            {"error": "no failed task to retry"},
            EXIT_CONFLICT,
            f"{B}: cannot retry {WID}: no failed task to retry",
        ),
        (500, {"error": "boom"}, 1, f"{B}: HTTP 500: boom"),
    ],
)
def test_refused_actions_are_one_line_with_their_exit_status(
    status: int, body: object, code: int, message: str
) -> None:
    fake = _holding(FakeWorkers())
    fake.add(B, "POST", f"/tasks/instance/{WID}/retry", status, body)
    with pytest.raises(CliError) as caught:
        act(clients(fake, A, B), WID, "retry")
    assert (caught.value.exit_code, caught.value.message) == (code, message)
