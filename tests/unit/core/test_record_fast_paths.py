"""The record fast paths (generated ``__init__``, ``to_representation``, ``dumps``) behave
exactly like the generic code they replace."""

from __future__ import annotations

import datetime
import enum
import json
import math
import uuid
from typing import Any

import pytest

from dagger.core.record import NOW, Record, _json_fallback
from dagger.tasks.task import ExecutorTask, ITask, TaskStatus, Trigger
from tests.unit.tasks.test_codec import UserListener, every_task_type


def reference_dumps(record: Record) -> bytes:
    """What ``dumps`` produced before it wrote JSON directly."""
    data = record.to_representation()
    data["__dagger_format__"] = 1
    return json.dumps(data, separators=(",", ":"), default=_json_fallback).encode()


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Name(str, enum.Enum):
    ADA = "ada"


class Bag(Record):
    """A record with a field of any type."""

    value: Any = None
    note: str = 'é\n"quoted" \u2603'


class Custom(Record):
    """A record whose representation is its own."""

    x: int = 1

    def to_representation(self) -> dict[str, Any]:
        return {"custom": [self.x, (1, 2)]}


class Holder(ITask[str, str]):
    """A task holding a record with a custom representation."""

    inner: Any = None


WEIRD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -(2**70),
    1.5,
    0.1,
    1e300,
    -0.0,
    math.inf,
    -math.inf,
    math.nan,
    "",
    "plain",
    "ünïcödé \u2028 \x00 \t",
    uuid.uuid4(),
    [],
    [1, "a", None, [uuid.uuid4()]],
    (1, 2),
    {3, 4},
    frozenset({5}),
    {},
    {"a": 1, "b": {"c": [1.25]}},
    {1: "int key", 2.5: "float key", None: "none key", False: "bool key"},
    {uuid.UUID(int=7): "x", str(uuid.UUID(int=7)): "y"},
    {uuid.uuid4(): TaskStatus()},
    Colour.RED,
    Level.HIGH,
    Name.ADA,
    datetime.datetime(2024, 1, 2, 3, 4, 5),
    b"bytes \xff",
    TaskStatus(code="FAILURE", value="FAILURE"),
    Custom(x=5),
    [Custom(), {"k": Custom()}],
]


@pytest.mark.parametrize("value", WEIRD_VALUES, ids=repr)
def test_dumps_writes_what_json_writes_for_any_field_value(value: Any) -> None:
    bag = Bag(value=value)

    assert bag.dumps() == reference_dumps(bag)


def test_dumps_of_a_workflow_with_every_task_type_is_unchanged() -> None:
    workflow = every_task_type()
    workflow.runtime_parameters.update(
        ratio=0.5, flags=[True, None], when=datetime.date(2024, 1, 1)
    )
    holder = Holder(id=uuid.uuid4(), inner=Custom(x=2))
    workflow.add_task(holder)

    assert workflow.dumps() == reference_dumps(workflow)
    assert type(workflow).loads(workflow.dumps()) == type(workflow).loads(reference_dumps(workflow))


def test_a_record_overriding_to_representation_is_dumped_from_it() -> None:
    assert Custom(x=3).dumps() == b'{"custom":[3,[1,2]],"__dagger_format__":1}'


def test_the_type_tag_follows_a_class_moved_after_its_first_dump() -> None:
    class Moved(Record):
        a: int = 1

    first = Moved().dumps()
    Moved.__module__ = "somewhere.else"

    assert b'"ns":"tests.unit.core' in first
    assert Moved().dumps() == reference_dumps(Moved())
    assert Moved().to_representation()["__faust"] == {"ns": f"somewhere.else.{Moved.__qualname__}"}


def test_generated_init_keeps_positional_fields_errors_and_fresh_defaults() -> None:
    wid, tid = uuid.uuid4(), uuid.uuid4()

    assert Trigger(10, tid, wid) == Trigger(trigger_time=10, id=tid, workflow_id=wid)
    with pytest.raises(TypeError, match="missing required field 'id'"):
        ITask()  # type: ignore[call-arg]  # the missing field is the point
    with pytest.raises(TypeError, match="got multiple values for 'id'"):
        ITask(tid, id=tid)  # type: ignore[misc]  # the duplicate is the point
    with pytest.raises(TypeError, match="got an unexpected field 'bogus'"):
        ITask(id=tid, bogus=1)  # type: ignore[call-arg]  # the unknown field is the point
    with pytest.raises(TypeError, match="takes 3 positional fields but 4 were given"):
        Trigger(1, 2, 3, 4)  # type: ignore[call-arg, arg-type]  # one too many is the point
    assert ITask(id=tid, __ignored=1).id == tid  # type: ignore[call-arg]  # dunder keys are dropped
    a, b = ExecutorTask(id=tid), ExecutorTask(id=tid)
    assert a.status is not b.status and a.next_dags is not b.next_dags and a == b
    assert isinstance(a.lastupdated, int) and isinstance(Trigger().trigger_time, int)
    assert list(vars(a)) == list(type(a)._options.fields)
    assert ITask.lastupdated is NOW


def test_subclass_init_and_post_init_still_run() -> None:
    class WithInit(ExecutorTask[str, str]):
        extra: int = 0

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.seen = True

    class WithPostInit(Record):
        items: list[int] = [1]

        def __post_init__(self) -> None:
            self.total = sum(self.items)

    tid = uuid.uuid4()
    made = WithInit(tid, extra=3)
    assert (made.id, made.extra, made.seen) == (tid, 3, True)
    first, second = WithPostInit(), WithPostInit(items=[2, 3])
    first.items.append(5)
    assert (first.total, second.total, WithPostInit().items) == (1, 5, [1])


def test_user_listener_round_trips() -> None:
    listener = UserListener(id=uuid.uuid4(), topic="t", attempts=2)

    assert listener.dumps() == reference_dumps(listener)
    assert UserListener.loads(listener.dumps()) == listener
