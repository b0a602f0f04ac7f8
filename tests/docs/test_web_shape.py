"""The workflow JSON shown in docs/operations/web-api.md has the fields the engine renders."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from tests.docs.loader import ROOT, load_example

PAGE = ROOT / "docs" / "operations" / "web-api.md"


def documented_workflow() -> dict[str, Any]:
    """The full workflow sample of the page (the JSON block with a ``tasks`` object)."""
    for block in re.findall(r"```json\n(.*?)```", PAGE.read_text(), re.S):
        if block.lstrip().startswith("{") and '"tasks"' in block:
            data: dict[str, Any] = json.loads(block)
            return data
    raise AssertionError(f"no workflow JSON sample in {PAGE}")


async def rendered_workflow() -> dict[str, Any]:
    """A workflow waiting on a listener (the kafka_tasks example), as the web API renders it."""
    example = load_example("kafka_tasks")
    with example.in_memory_runtime() as runtime:
        workflow = await example.shipping_template().create_instance(
            uuid.uuid4(), "parcel_id", repartition=False, submit_task=True, parcel_id="p-1"
        )
        stored = runtime.stored(workflow.id)
        assert stored is not None
        data: dict[str, Any] = stored.to_representation()
        return data


def kind(task: dict[str, Any]) -> str:
    if task["task_type"] != "LEAF":
        return str(task["task_type"])
    return "listener" if "match_only_one" in task else "command"


async def test_documented_fields_are_the_rendered_fields() -> None:
    documented, rendered = documented_workflow(), await rendered_workflow()
    assert list(documented) == list(rendered)
    real = {kind(t): t for t in rendered["tasks"].values()}
    for task in documented["tasks"].values():
        assert list(task) == list(real[kind(task)]), task["task_name"]
    (entry,) = documented["sensor_tasks_to_correletable_map"].values()
    (real_entry,) = rendered["sensor_tasks_to_correletable_map"].values()
    assert list(entry) == list(real_entry)
    assert documented["status"] == rendered["status"]
