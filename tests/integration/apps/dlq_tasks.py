"""Task types of the dead-letter test app (``dlq_app``), importable without an engine, so a
workflow sent over the tasks topic decodes into them."""

from __future__ import annotations

from typing import Any

from dagger.tasks.task import ExecutorTask, KafkaListenerTask


class Strict(KafkaListenerTask[str, str]):
    """Waits for ``{"order_id": ...}``; its ``on_message`` raises for ``"explode": true``.

    The correlation value is returned as it is in the payload (not ``str()``-ed), so an
    object-valued ``order_id`` reaches the engine's checks.
    """

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[tuple[str, Any]]:
        return [("order_id", payload["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        if args[0].get("explode"):
            raise ValueError("asked to explode")
        return True


class Done(ExecutorTask[str, str]):
    """Marks the workflow finished."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["done"] = True
