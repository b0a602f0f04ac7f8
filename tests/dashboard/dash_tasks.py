"""Task types of the dashboard test app, importable without starting an engine."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from dagger.tasks.task import DecisionTask, ExecutorTask, KafkaCommandTask, KafkaListenerTask


class Cook(KafkaCommandTask[str, str]):
    """The pizza order's command: records that it ran (sends nothing)."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["cooking"] = True


class WaitReady(KafkaListenerTask[str, str]):
    """Waits for ``{"order_id": ..., "status": "READY"}``."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[tuple[str, str]]:
        return [("order_id", str(payload["order_id"]))]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return bool(args and args[0].get("status") == "READY")


class Step(ExecutorTask[str, str]):
    """A step that succeeds and records its name."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters.setdefault("done", []).append(str(self.task_name).rsplit(".", 1)[-1])


class ChargeCard(ExecutorTask[str, str]):
    """Always fails: the payment service is down."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        raise RuntimeError("payment service down")


class ChooseShipping(DecisionTask[str, str]):
    """Express for parcels over 20 kg, standard otherwise."""

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        standard, express = self.next_dags
        return express if float(kwargs.get("weight_kg", 0)) > 20 else standard
