"""Decoding never acts on what a message names, and every bad input is one error type."""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

import pytest

from dagger.core.record import Record, RecordDecodeError
from dagger.exceptions import exceptions
from dagger.tasks.task import (
    DefaultTemplateDAGInstance,
    ITask,
    ITemplateDAGInstance,
    TaskStatus,
    Trigger,
)
from tests.unit.tasks.test_codec import every_task_type

WORKFLOW_TAG = {"ns": "dagger.tasks.task.DefaultTemplateDAGInstance"}


def workflow_data(**fields: Any) -> dict[str, Any]:
    """A minimal encoded workflow, with ``fields`` replacing or adding values."""
    return {"__faust": WORKFLOW_TAG, "id": str(uuid.uuid4()), **fields}


def decode_error(data: Any, cls: type[Record] = ITemplateDAGInstance) -> str:
    """The message of the decode error ``cls.loads(data)`` raises (JSON-encoded first)."""
    raw = data if isinstance(data, (bytes, str)) else json.dumps(data)
    with pytest.raises(RecordDecodeError) as caught:
        cls.loads(raw)
    return str(caught.value)


@pytest.mark.parametrize("module", ["this", "tabnanny"])
def test_a_tag_naming_an_unimported_module_imports_nothing(module: str) -> None:
    assert module not in sys.modules, "pick a module nothing has imported yet"
    before = set(sys.modules)

    message = decode_error(f'{{"__faust": {{"ns": "{module}.X"}}}}'.encode(), ITask)

    assert set(sys.modules) == before
    assert f"'{module}.X'" in message and "unknown record type" in message


def test_a_nested_unknown_tag_is_refused_too() -> None:
    params = {"x": {"__faust": {"ns": "tabnanny.Whatever"}}}

    message = decode_error(workflow_data(runtime_parameters=params))

    assert "'tabnanny.Whatever'" in message
    assert "tabnanny" not in sys.modules


def test_the_decode_error_is_public_and_a_value_error() -> None:
    assert exceptions.RecordDecodeError is RecordDecodeError
    assert issubclass(RecordDecodeError, ValueError)
    assert issubclass(RecordDecodeError, exceptions.DaggerError)
    assert issubclass(exceptions.InvalidWorkflowError, RecordDecodeError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe\x00garbage", "not UTF-8 JSON"),
        (b"{not json", "not UTF-8 JSON"),
        ('{"id": 1}'.encode("utf-16"), "not UTF-8 JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'"text"', "expected a JSON object"),
        (b"null", "expected a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"__faust": 5}', "malformed type tag"),
        (b'{"__faust": {"ns": 5}}', "malformed type tag"),
        (b'{"__faust": {"ns": "dagger.tasks.task.ITask"}}', "missing required field 'id'"),
    ],
)
def test_each_kind_of_bad_input_is_a_decode_error(raw: bytes, expected: str) -> None:
    assert expected in decode_error(raw, ITask)


def test_deeply_nested_records_are_a_decode_error() -> None:
    data: dict[str, Any] = {"__faust": {"ns": "dagger.tasks.task.Trigger"}}
    for _ in range(5_000):
        data = {"__faust": {"ns": "dagger.tasks.task.Trigger"}, "trigger_time": data}

    with pytest.raises(RecordDecodeError, match="nested too deeply"):
        Trigger.from_data(data)


def test_a_tag_naming_a_class_that_is_not_the_target_is_refused() -> None:
    tag = {"__faust": {"ns": "dagger.tasks.task.Trigger"}}

    top = decode_error(tag)
    nested = decode_error(workflow_data(status=tag))

    assert "expected a ITemplateDAGInstance" not in top  # the article fits the name
    assert "an ITemplateDAGInstance record" in top and "dagger.tasks.task.Trigger" in top
    assert nested.startswith("DefaultTemplateDAGInstance.status: expected a TaskStatus record")


@pytest.mark.parametrize(
    ("fields", "where", "expected"),
    [
        ({"id": "not-a-uuid"}, "DefaultTemplateDAGInstance.id", "a UUID"),
        ({"id": 7}, "DefaultTemplateDAGInstance.id", "a UUID"),
        ({"root_dag": "nope"}, "DefaultTemplateDAGInstance.root_dag", "a UUID"),
        ({"update_count": "7"}, "DefaultTemplateDAGInstance.update_count", "a number"),
        ({"update_count": True}, "DefaultTemplateDAGInstance.update_count", "a number"),
        ({"time_created": None}, "DefaultTemplateDAGInstance.time_created", "a number"),
        ({"tasks": [1]}, "DefaultTemplateDAGInstance.tasks", "an object"),
        ({"tasks": {str(uuid.uuid4()): 1}}, "DefaultTemplateDAGInstance.tasks", "an ITask record"),
        ({"tasks": {"k": {}}}, "DefaultTemplateDAGInstance.tasks", "a UUID"),
        ({"next_dags": "x"}, "DefaultTemplateDAGInstance.next_dags", "a list"),
        ({"next_dags": {"a": 1}}, "DefaultTemplateDAGInstance.next_dags", "a list"),
        ({"next_dags": ["x"]}, "DefaultTemplateDAGInstance.next_dags", "a UUID"),
        ({"status": "COMPLETED"}, "DefaultTemplateDAGInstance.status", "a TaskStatus record"),
        ({"status": {"code": 5, "value": "x"}}, "TaskStatus.code", "a string"),
        ({"status": {"code": "COMPLETED", "value": []}}, "TaskStatus.value", "a string"),
        ({"task_name": 5}, "DefaultTemplateDAGInstance.task_name", "a string"),
        ({"allow_skip_to": "false"}, "DefaultTemplateDAGInstance.allow_skip_to", "a boolean"),
        ({"runtime_parameters": []}, "DefaultTemplateDAGInstance.runtime_parameters", "an object"),
        (
            {"sensor_tasks_to_correletable_map": {str(uuid.uuid4()): "v"}},
            "DefaultTemplateDAGInstance.sensor_tasks_to_correletable_map",
            "a CorrelatableMapValue record",
        ),
    ],
)
def test_a_wrong_field_type_names_the_field_and_the_expected_type(
    fields: dict[str, Any], where: str, expected: str
) -> None:
    message = decode_error(workflow_data(**fields))

    assert message.startswith(f"{where}: expected {expected}"), message


def test_a_wrong_type_inside_a_task_names_the_task_class_and_field() -> None:
    tid = str(uuid.uuid4())
    task = {"__faust": {"ns": "dagger.tasks.task.ExecutorTask"}, "id": tid, "time_submitted": "0"}

    message = decode_error(workflow_data(tasks={tid: task}))

    assert message.startswith("ExecutorTask.time_submitted: expected a number, got str '0'")


def test_fields_typed_any_take_any_json_value() -> None:
    params = {"n": [1, 2.5, None, True, {"deep": ["x"]}], "s": "t"}

    wf = ITemplateDAGInstance.loads(json.dumps(workflow_data(runtime_parameters=params)))
    trigger = Trigger.loads(b'{"trigger_time": {"any": ["thing"]}}')

    assert wf.runtime_parameters == params
    assert trigger.trigger_time == {"any": ["thing"]}


def test_numbers_of_either_kind_fit_int_fields() -> None:
    # Trigger times come from runtime parameters, often ``time.time()``.
    data = workflow_data(update_count=3, time_created=1_700_000_000.5)

    wf = ITemplateDAGInstance.loads(json.dumps(data))

    assert (wf.update_count, wf.time_created) == (3, 1_700_000_000.5)


def test_uuids_in_the_0_2_6_hex_form_still_decode() -> None:
    wid, root = uuid.uuid4(), uuid.uuid4()

    wf = ITemplateDAGInstance.from_data(
        workflow_data(id={"hex": wid.hex}, root_dag={"py/object": "uuid.UUID", "hex": root.hex})
    )

    assert (wf.id, wf.root_dag) == (wid, root)
    assert "a UUID" in decode_error(workflow_data(id={"hex": "zz"}))
    assert "a UUID" in decode_error(workflow_data(id={"hex": 12}))


def test_a_constructor_refusing_the_data_is_a_decode_error() -> None:
    class Picky(Record):
        size: int = 0

        def __post_init__(self) -> None:
            if self.size < 0:
                raise ArithmeticError("size must not be negative")

    with pytest.raises(RecordDecodeError, match="cannot build a Picky: size must not be") as err:
        Picky.loads(b'{"size": -1}')

    assert isinstance(err.value.__cause__, ArithmeticError)


def test_a_class_renamed_after_definition_decodes_under_its_new_name_only() -> None:
    class Moving(Record):
        n: int = 0

    old = f"{__name__}.{Moving.__qualname__}"
    Record.loads(json.dumps({"__faust": {"ns": old}}))  # the tag map now holds the old name
    Moving.__module__ = "somewhere.public"
    new = f"somewhere.public.{Moving.__qualname__}"

    moved = Record.loads(json.dumps({"__faust": {"ns": new}, "n": 2}))

    assert type(moved) is Moving and moved.n == 2
    assert "unknown record type" in decode_error({"__faust": {"ns": old}}, Record)
    assert "somewhere" not in sys.modules


def test_the_engine_s_own_records_round_trip_unchanged() -> None:
    wf = every_task_type()

    assert ITemplateDAGInstance.loads(wf.dumps()) == wf
    assert TaskStatus.loads(TaskStatus("FAILURE", "FAILURE").dumps()).code == "FAILURE"
    assert type(ITask.loads(wf.dumps())) is DefaultTemplateDAGInstance
