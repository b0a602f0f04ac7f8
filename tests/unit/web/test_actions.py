"""The retry and stop endpoints and the web token: who may act, who may read, what they get."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from dagger.exceptions.exceptions import NothingToRetry, WorkflowAlreadyEnded, WorkflowNotFound
from dagger.web._actions import run_action
from dagger.web._auth import check_bearer, check_web_token
from dagger.web._views import (
    DagProcessView,
    RetryView,
    ServiceStateView,
    StopView,
    TemplateProcessView,
    register_blueprints,
)
from tests.support.offline_faust import offline_faust_app
from tests.unit.web.test_views import Listing, Stored

TOKEN = "s3cret-token"


class Engine:
    """An engine view whose actions change the status of a stored representation."""

    def __init__(self, token: str | None = None, for_reads: bool = False) -> None:
        self.web_token = token
        self.web_token_for_reads = for_reads
        self.workflows: dict[str, dict[str, Any]] = {}
        self.runtime = Listing(self.workflows)
        self.calls: list[tuple[str, Any]] = []

    def add(self, code: str) -> str:
        wid = str(uuid.uuid4())
        self.workflows[wid] = {"id": wid, "template_name": "T", "status": {"code": code}}
        return wid

    def is_ready(self) -> bool:
        return True

    async def retry_workflow(self, workflow_id: Any) -> Any:
        self.calls.append(("retry", workflow_id))
        data = self._get(workflow_id)
        if data["status"]["code"] != "FAILURE":
            raise NothingToRetry(f"workflow {workflow_id} has no FAILURE task to retry")
        data["status"] = {"code": "COMPLETED"}
        return Stored(data)

    async def stop_workflow(self, workflow_id: Any) -> Any:
        self.calls.append(("stop", workflow_id))
        data = self._get(workflow_id)
        if data["status"]["code"] in ("COMPLETED", "FAILURE", "STOPPED"):
            raise WorkflowAlreadyEnded(f"workflow {workflow_id} has already ended")
        data["status"] = {"code": "STOPPED"}
        return Stored(data)

    def _get(self, workflow_id: Any) -> dict[str, Any]:
        data = self.workflows.get(str(workflow_id))
        if data is None:
            raise WorkflowNotFound(f"no workflow {workflow_id} on this worker")
        return data


def _request(authorization: str | None = None) -> Any:
    headers = {} if authorization is None else {"Authorization": authorization}
    return SimpleNamespace(query={}, headers=headers)


def _app(engine: Engine) -> Any:
    app = offline_faust_app("actions")
    register_blueprints(app, engine)
    return app


def _body(response: Any) -> Any:
    return json.loads(response.body)


BEARER = f"Bearer {TOKEN}"


# -- the handlers ------------------------------------------------------------------------


async def test_without_a_token_the_actions_do_not_exist() -> None:
    engine = Engine(token=None)
    wid = engine.add("FAILURE")

    for action in ("retry", "stop"):
        answer = await run_action(engine, action, wid, BEARER)
        assert answer.status == 404
        assert "web actions are off" in answer.body["error"]
    assert engine.calls == []


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("", 401),
        (f"Basic {TOKEN}", 401),
        ("Bearer", 401),
        ("Bearer wrong-token", 403),
        (f"Bearer {TOKEN}x", 403),
    ],
)
async def test_an_action_without_the_right_token_is_refused(
    authorization: str | None, status: int
) -> None:
    engine = Engine(token=TOKEN)
    wid = engine.add("FAILURE")

    answer = await run_action(engine, "retry", wid, authorization)

    assert answer.status == status
    assert engine.calls == []
    assert engine.workflows[wid]["status"] == {"code": "FAILURE"}
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


async def test_retry_and_stop_with_the_token_answer_the_workflow_after() -> None:
    engine = Engine(token=TOKEN)
    failed, waiting = engine.add("FAILURE"), engine.add("EXECUTING")

    retried = await run_action(engine, "retry", failed, BEARER)
    stopped = await run_action(engine, "stop", waiting, f"bearer  {TOKEN} ")

    assert (retried.status, retried.body["status"]) == (200, {"code": "COMPLETED"})
    assert (stopped.status, stopped.body["status"]) == (200, {"code": "STOPPED"})
    assert engine.calls == [("retry", uuid.UUID(failed)), ("stop", uuid.UUID(waiting))]


async def test_refusals_of_the_engine_become_404_and_409_and_a_bad_id_400() -> None:
    engine = Engine(token=TOKEN)
    done = engine.add("COMPLETED")

    assert (await run_action(engine, "retry", str(uuid.uuid4()), BEARER)).status == 404
    nothing = await run_action(engine, "retry", done, BEARER)
    ended = await run_action(engine, "stop", done, BEARER)
    bad = await run_action(engine, "stop", "not-a-uuid", BEARER)

    assert (nothing.status, nothing.body) == (
        409,
        {"error": f"workflow {done} has no FAILURE task to retry"},
    )
    assert (ended.status, ended.body["error"]) == (409, f"workflow {done} has already ended")
    assert bad.status == 400 and "is not a workflow id" in bad.body["error"]


def test_the_token_check_compares_the_whole_token() -> None:
    assert check_bearer(TOKEN, BEARER) is None
    denied = check_bearer(TOKEN, f"Bearer {TOKEN[:-1]}")
    assert denied is not None and denied.status == 403


@pytest.mark.parametrize(
    ("token", "for_reads", "message"),
    [
        ("", False, "web_token must be a non-empty string"),
        ("   ", True, "web_token must be a non-empty string"),
        (None, True, "web_token_for_reads=True needs a web_token"),
    ],
)
def test_bad_token_options_are_refused(token: Any, for_reads: bool, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_web_token(token, for_reads)


# -- the views ---------------------------------------------------------------------------


async def test_the_action_views_answer_through_the_handlers() -> None:
    engine = Engine(token=TOKEN)
    failed = engine.add("FAILURE")
    app = _app(engine)

    refused = await RetryView(app, app.web).post(_request(), failed)
    wrong = await StopView(app, app.web).post(_request("Bearer nope"), failed)
    retried = await RetryView(app, app.web).post(_request(BEARER), failed)

    assert refused.status == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.status == 403
    assert (retried.status, _body(retried)["status"]) == (200, {"code": "COMPLETED"})


async def test_without_a_token_the_action_views_answer_404_and_reads_stay_open() -> None:
    engine = Engine(token=None)
    wid = engine.add("EXECUTING")
    app = _app(engine)

    assert (await StopView(app, app.web).post(_request(BEARER), wid)).status == 404
    assert engine.workflows[wid]["status"] == {"code": "EXECUTING"}
    assert (await DagProcessView(app, app.web).get(_request(), wid)).status == 200
    assert (await TemplateProcessView(app, app.web).get(_request())).status == 200


async def test_reads_need_the_token_with_web_token_for_reads_but_readiness_does_not() -> None:
    engine = Engine(token=TOKEN, for_reads=True)
    wid = engine.add("EXECUTING")
    app = _app(engine)
    one, listing = DagProcessView(app, app.web), TemplateProcessView(app, app.web)

    assert (await one.get(_request(), wid)).status == 401
    assert (await one.get(_request("Bearer nope"), wid)).status == 403
    assert (await listing.get(_request())).status == 401
    assert (await listing.get(_request("Bearer nope"))).status == 403
    assert _body(await one.get(_request(BEARER), wid))["id"] == wid
    assert [w["id"] for w in _body(await listing.get(_request(BEARER)))] == [wid]
    ready = await ServiceStateView(app, app.web).get(_request())
    assert (ready.status, _body(ready)) == (200, {"is_ready": True})


async def test_with_a_token_reads_stay_open_unless_asked() -> None:
    engine = Engine(token=TOKEN)
    wid = engine.add("EXECUTING")
    app = _app(engine)

    assert (await DagProcessView(app, app.web).get(_request(), wid)).status == 200
