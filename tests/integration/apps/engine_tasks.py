"""Task types of the engine test app, importable without starting an engine (so a test can
decode task-update events: ``ITemplateDAGInstance.from_data`` imports them by name)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from dagger.tasks.task import (
    ExecutorTask,
    IntervalTask,
    KafkaCommandTask,
    KafkaListenerTask,
    TriggerTask,
)


class Command(KafkaCommandTask[str, str]):
    """Marks that the command ran (sends nothing)."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["commanded"] = True


class SendOrder(KafkaCommandTask[str, str]):
    """Sends ``{"order_id", "workflow_id", "worker"}`` to its topic: a side effect to count."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        from dagger.service.services import Dagger

        worker = os.environ.get("DAGGER_WEB_PORT")
        runtime_parameters["commanded_by"] = worker
        order_id = str(runtime_parameters["order_id"])
        body = {"order_id": order_id, "workflow_id": str(workflow_instance.id), "worker": worker}
        await Dagger.app.topics[self.topic].send(key=order_id.encode(), value=json.dumps(body))


class WaitA(KafkaListenerTask[str, str]):
    """Waits for ``{"order_id": ...}`` or ``{"order_ids": [...]}``; copies ``box_id``."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[tuple[str, str]]:
        ids = payload.get("order_ids") or [payload["order_id"]]
        return [("order_id", str(i)) for i in ids]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        payload = args[0]
        if "box_id" in payload:
            runtime_parameters["box_id"] = payload["box_id"]
        runtime_parameters["a_at"] = time.time()
        return True


class WaitB(KafkaListenerTask[str, str]):
    """Waits for ``{"box_id": ...}``."""

    correlatable_key = "box_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[tuple[str, str]]:
        return [("box_id", str(payload["box_id"]))]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        runtime_parameters["b_at"] = time.time()
        return True


class Finish(ExecutorTask[str, str]):
    """Records when the workflow finished."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["finished_at"] = time.time()


class Fire(TriggerTask[str, str]):
    """Records when it fired."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["fired_at"] = time.time()


class Poll(IntervalTask[str, str]):
    """Counts its runs; finished at the third."""

    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        runtime_parameters["polls"] = runtime_parameters.get("polls", 0) + 1
        return bool(runtime_parameters["polls"] >= 3)

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["polled_at"] = time.time()
