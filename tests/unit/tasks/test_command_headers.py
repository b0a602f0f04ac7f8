"""Idempotency headers on command messages: the key format, the ContextVar around a command
task's ``execute``, and the engine's faust topic that adds them."""

from __future__ import annotations

import uuid
from typing import Any

import faust
import pytest

from dagger.core._idempotency import (
    IDEMPOTENCY_KEY_HEADER,
    TASK_ID_HEADER,
    WORKFLOW_ID_HEADER,
    command_headers,
    command_scope,
    current_command_headers,
    idempotency_key,
)
from dagger.engine import operations
from dagger.runtime._headers import CommandHeadersTopic
from dagger.tasks.task import ExecutorTask, KafkaCommandTask
from dagger.testing import InMemoryRuntime
from tests.support.offline_faust import offline_faust_app
from tests.unit.tasks.flows import Flow, make, status


def _seen() -> str | None:
    headers = current_command_headers()
    return None if headers is None else headers[IDEMPOTENCY_KEY_HEADER].decode()


class Send(KafkaCommandTask[str, str]):
    """Records the idempotency key current while its ``execute`` runs."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters.setdefault("seen", []).append([self.task_name, _seen()])


class SendFails(Send):
    """Records the key, then raises."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        await super().execute(runtime_parameters, workflow_instance)
        raise RuntimeError("broker down")


class Plain(ExecutorTask[str, str]):
    """Records the key current while it runs (there should be none)."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters.setdefault("seen", []).append([self.task_name, _seen()])


class Retried(Send):
    """Stands for a task retried twice (issue 13 adds an ``attempt`` counter)."""

    attempt = 3


def test_the_key_is_workflow_task_and_attempt() -> None:
    wid, tid = uuid.uuid4(), uuid.uuid4()
    assert idempotency_key(wid, tid) == f"{wid}/{tid}/1"
    assert idempotency_key(wid, tid, 2) == f"{wid}/{tid}/2"
    assert command_headers(wid, tid) == {
        IDEMPOTENCY_KEY_HEADER: f"{wid}/{tid}/1".encode(),
        WORKFLOW_ID_HEADER: str(wid).encode(),
        TASK_ID_HEADER: str(tid).encode(),
    }
    assert IDEMPOTENCY_KEY_HEADER == "dagger-idempotency-key"
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="attempt must be a whole number"):
            idempotency_key(wid, tid, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a workflow id and a task id"):
        idempotency_key(None, tid)


def test_a_command_task_names_its_key_and_headers() -> None:
    flow = Flow()
    task, retried = make(Send, "send"), make(Retried, "again")
    flow.process("p", task, retried)
    assert task.idempotency_key(flow.wf) == f"{flow.wf.id}/{task.id}/1"
    assert task.command_headers(flow.wf) == command_headers(flow.wf.id, task.id)
    assert retried.idempotency_key(flow.wf) == f"{flow.wf.id}/{retried.id}/3"
    with pytest.raises(ValueError, match="need the workflow instance"):
        task.idempotency_key(None)


def test_the_scope_sets_the_headers_for_the_block_only() -> None:
    assert current_command_headers() is None
    with command_scope({IDEMPOTENCY_KEY_HEADER: b"w/t/1"}):
        assert _seen() == "w/t/1"
        with command_scope({IDEMPOTENCY_KEY_HEADER: b"w/u/1"}):
            assert _seen() == "w/u/1"
        assert _seen() == "w/t/1"
    assert current_command_headers() is None


async def test_only_a_command_tasks_execute_runs_with_its_key(runtime: InMemoryRuntime) -> None:
    flow = Flow()
    first, plain, second = make(Send, "first"), make(Plain, "plain"), make(SendFails, "second")
    flow.process("p", first, plain, second)
    await operations.store_and_create(runtime, flow.submitted())

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert stored.runtime_parameters["seen"] == [
        ["first", f"{flow.wf.id}/{first.id}/1"],
        ["plain", None],
        ["second", f"{flow.wf.id}/{second.id}/1"],
    ]
    # A failing execute still ends FAILURE, and the scope is closed after it.
    assert status(stored, second) == "FAILURE"
    assert current_command_headers() is None


def _topic(**settings: Any) -> Any:
    app = offline_faust_app("headers", **settings)
    return app.topic("commands")


def test_the_engine_app_uses_the_headers_topic_unless_told_otherwise() -> None:
    assert isinstance(_topic(), CommandHeadersTopic)
    assert not isinstance(_topic(Topic=faust.Topic), CommandHeadersTopic)


async def test_the_topic_adds_the_headers_while_a_command_runs_and_keeps_the_senders_own() -> None:
    topic = _topic()
    ours = command_headers("w", "t")
    assert topic.prepare_headers(None) == {}
    with command_scope(ours):
        assert topic.prepare_headers(None) == ours
        mine = {IDEMPOTENCY_KEY_HEADER: b"mine", "trace": b"x"}
        merged = topic.prepare_headers(mine)
        assert merged == {**ours, IDEMPOTENCY_KEY_HEADER: b"mine", "trace": b"x"}
        assert mine == {IDEMPOTENCY_KEY_HEADER: b"mine", "trace": b"x"}  # not modified
        pairs = topic.prepare_headers([("trace", b"x")])
        assert pairs == [("trace", b"x"), *ours.items()]
        # send and send_soon build their message here, in the sender's context.
        message = topic.as_future_message(key=b"k", value=b"v").message
        assert message.headers == ours
    assert topic.as_future_message(key=b"k", value=b"v").message.headers == {}
