"""The views answer for the engine registered on their own faust app (no global engine)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from dagger.web._views import (
    DagProcessView,
    ServiceStateView,
    TemplateProcessView,
    engine_view,
    register_blueprints,
)
from tests.support.offline_faust import offline_faust_app


class Stored:
    """A workflow as the runtime hands it back."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_representation(self) -> dict[str, Any]:
        return dict(self.data)


class Listing:
    """The runtime's listing and loading, over a dict of workflow representations."""

    def __init__(self, workflows: dict[str, dict[str, Any]]) -> None:
        self.workflows = workflows

    def iter_workflows(self) -> Iterator[tuple[int, str, bytes]]:
        for key, data in self.workflows.items():
            yield 0, key, json.dumps(data).encode()

    async def load_workflow(self, workflow_id: UUID | str) -> Any:
        data = self.workflows.get(str(workflow_id))
        return None if data is None else Stored(data)


class Engine:
    """An :class:`~dagger.web._views.EngineView`."""

    def __init__(self, ready: bool, workflows: dict[str, dict[str, Any]]) -> None:
        self.ready = ready
        self.runtime = Listing(workflows)

    def is_ready(self) -> bool:
        return self.ready

    # No token, as the views find on an engine without one: the read endpoints stay open.
    web_token: str | None = None
    web_token_for_reads: bool = False

    async def retry_workflow(self, workflow_id: Any) -> Any:
        raise AssertionError("these views run no actions")

    async def stop_workflow(self, workflow_id: Any) -> Any:
        raise AssertionError("these views run no actions")


def _request() -> Any:
    # A stand-in for faust's web.Request: the views read only its query.
    return SimpleNamespace(query={})


def _body(response: Any) -> Any:
    return json.loads(response.body)


def _workflow(template: str) -> tuple[str, dict[str, Any]]:
    wid = str(uuid.uuid4())
    return wid, {"id": wid, "template_name": template, "status": {"code": "EXECUTING"}}


async def test_each_app_answers_for_its_own_engine() -> None:
    first, second = offline_faust_app("views"), offline_faust_app("views")
    a_id, a_data = _workflow("A")
    b_id, b_data = _workflow("B")
    register_blueprints(first, Engine(True, {a_id: a_data}))
    register_blueprints(second, Engine(False, {b_id: b_data}))
    request = _request()

    ready = [await ServiceStateView(app, app.web).get(request) for app in (first, second)]
    assert [_body(r) for r in ready] == [{"is_ready": True}, {"is_ready": False}]

    listed = await TemplateProcessView(first, first.web).get(request)
    assert [w["id"] for w in _body(listed)] == [a_id]

    one = await DagProcessView(second, second.web).get(request, b_id)
    assert _body(one)["template_name"] == "B"
    missing = await DagProcessView(second, second.web).get(request, a_id)
    assert missing.status == 404


async def test_an_app_without_an_engine_is_not_ready() -> None:
    app = offline_faust_app("views")
    assert engine_view(app) is None
    response = await ServiceStateView(app, app.web).get(_request())
    assert _body(response) == {"is_ready": False}
