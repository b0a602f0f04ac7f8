"""``Dagger.retry_workflow``/``stop_workflow`` and the web token options on a real engine."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from dagger.engine import operations
from dagger.exceptions.exceptions import NothingToRetry, WorkflowNotFound
from dagger.service.services import Dagger
from dagger.web._views import RetryView, StopView
from tests.support.offline_faust import own_partition_zero
from tests.unit.tasks.flows import Flow, OrderListener, make, status
from tests.unit.tasks.test_manual_recovery import BROKEN, Flaky


@pytest.fixture
def engine(
    offline_engine: Callable[..., Dagger], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Dagger]:
    """An engine with a web token, owning its one partition."""
    BROKEN.clear()
    built = offline_engine(web_token="t0ken")
    own_partition_zero(built, monkeypatch)
    try:
        yield built
    finally:
        BROKEN.clear()


async def test_retry_workflow_resumes_a_failed_workflow_to_completed(engine: Dagger) -> None:
    BROKEN.add("charge")
    flow = Flow(order_id="o-1")
    charge = make(Flaky, "charge")
    flow.process("p", charge)
    await operations.store_and_create(engine.runtime, flow.submitted())
    assert (await engine.get_instance(flow.wf.id)).status.code == "FAILURE"

    BROKEN.clear()
    after = await engine.retry_workflow(flow.wf.id)

    stored = await engine.get_instance(flow.wf.id)
    assert after.status.code == stored.status.code == "COMPLETED"
    assert status(stored, charge) == "COMPLETED"
    assert not any(lock.locked() for lock in engine.locks._locks or [])
    with pytest.raises(NothingToRetry):
        await engine.retry_workflow(flow.wf.id)
    with pytest.raises(WorkflowNotFound):
        await engine.retry_workflow(uuid.uuid4())


def _request(headers: dict[str, str]) -> Any:
    # A stand-in for faust's web.Request: the views read only its headers.
    return SimpleNamespace(headers=headers)


async def test_stop_over_the_web_view_stops_a_waiting_workflow(engine: Dagger) -> None:
    flow = Flow(order_id="o-1")
    flow.process("p", make(OrderListener, "listen", topic="ready"))
    await operations.store_and_create(engine.runtime, flow.submitted())
    app = engine.faust_app
    wid = str(flow.wf.id)

    refused = await StopView(app, app.web).post(_request({}), wid)
    stopped = await StopView(app, app.web).post(_request({"Authorization": "Bearer t0ken"}), wid)
    again = await RetryView(app, app.web).post(_request({"Authorization": "Bearer t0ken"}), wid)

    assert refused.status == 401
    assert (stopped.status, json.loads(stopped.body)["status"]["code"]) == (200, "STOPPED")
    assert (await engine.get_instance(wid)).status.code == "STOPPED"
    assert again.status == 409


def test_token_options_are_checked_at_construction(
    offline_engine: Callable[..., Dagger],
) -> None:
    with pytest.raises(ValueError, match="web_token_for_reads=True needs a web_token"):
        offline_engine(web_token_for_reads=True)
    plain = offline_engine()
    assert (plain.web_token, plain.web_token_for_reads) == (None, False)
