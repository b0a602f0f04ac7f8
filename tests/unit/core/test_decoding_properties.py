"""Property tests: whatever arrives, decoding raises only ``RecordDecodeError`` (or succeeds)
and never imports a module."""

from __future__ import annotations

import contextlib
import json
import sys
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagger.core import _record_decode
from dagger.core.record import Record, RecordDecodeError
from dagger.core.validation import InvalidWorkflowError, validate_workflow
from dagger.tasks.task import ITask, ITemplateDAGInstance
from tests.unit.tasks.test_codec import every_task_type

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Tags of classes this process defines, and of importable modules nothing has imported
#: (not colorsys: rich, which the dagger command uses, imports it).
REAL_TAGS = sorted({f"{c.__module__}.{c.__qualname__}" for c in Record._subclasses})
IMPORTABLE = ["this.X", "tabnanny.Tabnanny", "sched.Scheduler", "json.tool.Main", "wave.Wave_read"]
NAMESPACES = st.sampled_from(REAL_TAGS + IMPORTABLE) | st.text(max_size=30)
FIELD_NAMES = sorted({f for c in Record._subclasses for f in c._options.fields})

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.uuids().map(str)
    | st.sampled_from(["COMPLETED", "BOGUS", ""])
)


def tagged(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects carrying a type tag, with real field names given random values."""
    fields = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children)
    tag = st.fixed_dictionaries({"ns": NAMESPACES}) | children
    return st.tuples(fields, tag).map(lambda pair: {**pair[0], "__faust": pair[1]})


json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
        | tagged(children)
    ),
    max_leaves=25,
)


def decode_quietly(cls: type[Record], raw: Any) -> Any:
    """Decode ``raw``: a record, or ``None`` after a ``RecordDecodeError``; imports nothing."""
    before = set(sys.modules)
    try:
        return cls.loads(raw)
    except RecordDecodeError:
        return None
    finally:
        assert set(sys.modules) == before, set(sys.modules) - before


@FAST
@given(value=json_values, as_text=st.booleans())
def test_any_json_value_decodes_or_is_a_decode_error(value: Any, as_text: bool) -> None:
    raw = json.dumps(value) if as_text else value
    for cls in (ITask, ITemplateDAGInstance):
        decode_quietly(cls, raw)


@FAST
@given(raw=st.binary(max_size=200))
def test_any_bytes_decode_or_are_a_decode_error(raw: bytes) -> None:
    decode_quietly(ITask, raw)
    decode_quietly(ITemplateDAGInstance, b'{"__faust": ' + raw + b"}")


WORKFLOW: dict[str, Any] = json.loads(every_task_type().dumps())


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in nested JSON data (dict keys and list indexes from the top)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


WORKFLOW_PATHS = paths(WORKFLOW)[1:]


def replaced(data: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``data`` with the value at ``path`` replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(data) if isinstance(data, dict) else list(data)
    copy[head] = replaced(data[head], rest, new)
    return copy


@settings(FAST, max_examples=200)
@given(path=st.sampled_from(WORKFLOW_PATHS), new=json_values)
def test_a_real_workflow_with_one_value_replaced_decodes_or_is_refused(
    path: tuple[Any, ...], new: Any
) -> None:
    raw = json.dumps(replaced(WORKFLOW, path, new)).encode()

    workflow = decode_quietly(ITask, raw)

    if isinstance(workflow, ITemplateDAGInstance):
        with contextlib.suppress(InvalidWorkflowError):  # its only way to refuse
            validate_workflow(workflow)


def test_the_tags_tested_cover_the_engine_s_records() -> None:
    assert "dagger.tasks.task.DefaultTemplateDAGInstance" in REAL_TAGS
    assert not [ns for ns in IMPORTABLE if ns.rpartition(".")[0] in sys.modules]
    assert _record_decode.class_for_tag({"ns": REAL_TAGS[0]}).__module__ in REAL_TAGS[0]


def test_a_fresh_uuid_key_set_is_what_real_workflows_use() -> None:
    # The replaced-value test starts from valid data: it must decode and validate as is.
    workflow = ITask.loads(json.dumps(WORKFLOW))

    assert isinstance(workflow, ITemplateDAGInstance)
    validate_workflow(workflow)
    assert all(isinstance(key, uuid.UUID) for key in workflow.tasks)
