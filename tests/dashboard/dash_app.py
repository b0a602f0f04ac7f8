"""A worker for the dashboard's browser tests: a pizza-like template, one that fails and one
with a parallel composite and a decision.

Settings from the environment (``tests/support/worker.py``): ``DAGGER_BROKER``,
``DAGGER_DATA_DIR``, ``DAGGER_WEB_PORT``, plus ``DASH_PREFIX`` (app id and topic prefix),
``DASH_TOKEN`` (the engine's ``web_token``, optional) and ``DASH_TOKEN_FOR_READS`` (``1``:
reads need it too) and ``DASH_CORS`` (comma-separated ``web_cors_origins``). Workflows are created by JSON messages on ``<prefix>-create``:
``{"template": ..., "id": ..., "params": {"order_id": ..., ...}}``; the pizza's listener
waits on ``<prefix>-ready`` for ``{"order_id": ..., "status": "READY"}``.

Templates (partition key ``order_id``):

- ``pizza``: process Order (command ``cook`` -> listener ``ready``), process Delivery
  (executor ``deliver``);
- ``refund``: process Refund (executor ``charge``, which raises);
- ``parcel``: process Pack (parallel ``pick`` and ``wrap``), process Ship (decision
  ``choose`` -> ``standard`` or ``express`` by ``weight_kg``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.service.services import Dagger
from dagger.templates.template import (
    DecisionTaskTemplateBuilder,
    ParallelCompositeTaskTemplateBuilder,
)
from tests.dashboard.dash_tasks import ChargeCard, ChooseShipping, Cook, Step, WaitReady
from tests.integration.apps._app_support import add_create_agent, engine_from_env

logger = logging.getLogger("dash_app")
PREFIX = os.environ["DASH_PREFIX"]

engine = engine_from_env(
    PREFIX,
    task_update_topic=f"{PREFIX}-updates",
    web_token=os.environ.get("DASH_TOKEN") or None,
    web_token_for_reads=os.environ.get("DASH_TOKEN_FOR_READS") == "1",
    web_cors_origins=[o for o in os.environ.get("DASH_CORS", "").split(",") if o],
    serializer="raw",
)
helper = DAGBuilderHelper(engine)


def step(name: str, task_type: type = Step) -> Any:
    return helper.generic_executor_task_builder(task_type=task_type, name=name)


def process(name: str, tasks: list[Any]) -> Any:
    return helper.generic_process_builder(
        process_name=name, root_task=helper.build_and_link_tasks(tasks)
    )


def workflow(name: str, processes: list[Any]) -> Any:
    root = helper.build_and_link_processes(processes)
    return helper.generic_template(template_name=name, root_process=root)


@Dagger.register_template("pizza")
def pizza_template(name: str) -> Any:
    cook = helper.generic_command_task_builder(
        topic=f"{PREFIX}-kitchen", task_type=Cook, process_name="cook"
    )
    ready = helper.generic_listener_task_builder(
        topic=f"{PREFIX}-ready", task_type=WaitReady, process_name="ready", value_serializer="json"
    )
    return workflow(name, [process("Order", [cook, ready]), process("Delivery", [step("deliver")])])


@Dagger.register_template("refund")
def refund_template(name: str) -> Any:
    return workflow(name, [process("Refund", [step("charge", ChargeCard)])])


@Dagger.register_template("parcel")
def parcel_template(name: str) -> Any:
    pack = (
        ParallelCompositeTaskTemplateBuilder(engine, 1, step("pick").build())
        .add_parallel_task(step("wrap").build())
        .set_name("pack")
    )
    choose = (
        DecisionTaskTemplateBuilder(engine)
        .set_name("choose")
        .set_type(ChooseShipping)
        .set_next(step("standard").build())
        .set_next(step("express").build())
    )
    return workflow(name, [process("Pack", [pack]), process("Ship", [choose])])


create_workflows = add_create_agent(
    engine, PREFIX, logger, params=lambda request: request.get("params", {})
)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    engine.main()
