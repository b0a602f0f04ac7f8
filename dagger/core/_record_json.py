"""Writing records as JSON text directly, for ``Record.dumps``.

``dumps`` used to build ``to_representation()`` (a dict per record) and hand it to the
``json`` encoder, which walked it again. A stored workflow holds every task, so that was
about a third of the engine's work per step. Here each record class gets a generated
function that writes its JSON text in one pass, exactly as ``json`` would write its
representation: the same keys in the same order, values written by the functions the C
encoder itself uses (``encode_basestring_ascii``, ``int.__repr__``, ``float.__repr__``).
Only values of exact, well-known types take the direct path (str, int, float, bool,
None, UUID, list, dict with str or UUID keys, records that keep the base
``to_representation``); anything else is written as ``encoder.encode(encode_value(v))``,
which is by construction what the old path produced for it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any
from uuid import UUID

from dagger.core._record_fast import uuid_text, writable_names

Writer = Callable[[Any], str]

# Set by ``install`` (``record.py`` owns these and imports this module).
_encode_value: Callable[[Any], Any]
_encoder: json.JSONEncoder
_base_to_representation: Callable[[Any], Any]
_record_types: set[type]
_tag_key: str

_escape: Callable[[str], str] = json.encoder.encode_basestring_ascii
_int_text = int.__repr__
_float_text = float.__repr__
#: Writer of each record class, made at its first use.
_WRITERS: dict[type, Writer] = {}
_QUOTED_MAX = 1 << 12


def install(
    encode_value: Callable[[Any], Any],
    encoder: json.JSONEncoder,
    base_to_representation: Callable[[Any], Any],
    record_types: set[type],
    tag_key: str,
) -> None:
    """Give this module what it shares with ``record.py``."""
    global _encode_value, _encoder, _base_to_representation, _record_types, _tag_key
    _encode_value, _encoder = encode_value, encoder
    _base_to_representation, _record_types, _tag_key = base_to_representation, record_types, tag_key


#: The JSON text of a UUID by ``uuid.int``, kept like ``_record_fast``'s ``str`` cache.
_QUOTED: dict[int, str] = {}


def _quoted_uuid(value: UUID) -> str:
    text = _QUOTED.get(value.int)
    if text is None:
        if len(_QUOTED) >= _QUOTED_MAX:
            _QUOTED.clear()
        text = _QUOTED[value.int] = f'"{uuid_text(value)}"'
    return text


def _float(value: float) -> str:
    if math.isfinite(value):
        return _float_text(value)
    return "Infinity" if value > 0 else "-Infinity" if value < 0 else "NaN"


def value_json(value: Any) -> str:
    """The JSON text ``json`` writes for ``encode_value(value)``."""
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is int:
        return _int_text(value)
    if value is None:
        return "null"
    if kind is UUID:
        return _QUOTED.get(value.int) or _quoted_uuid(value)
    writer = _WRITERS.get(kind)
    if writer is not None:
        return writer(value)
    if kind in _record_types:
        return record_json(value)
    if kind is list:
        return f"[{','.join([value_json(item) for item in value])}]"
    if kind is dict:
        return _dict_json(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return _float(value)
    return _encoder.encode(_encode_value(value))


def _dict_json(value: dict[Any, Any]) -> str:
    if not value:
        return "{}"
    kinds = set(map(type, value))
    if kinds == {str}:
        items = [f"{_escape(key)}:{value_json(item)}" for key, item in value.items()]
    elif kinds == {UUID}:
        items = [f"{_quoted_uuid(key)}:{value_json(item)}" for key, item in value.items()]
    else:
        # Other keys become strings, and two of them may become the same one.
        return _encoder.encode(_encode_value(value))
    return f"{{{','.join(items)}}}"


def record_json(record: Any) -> str:
    """The JSON text of ``record.to_representation()``."""
    writer = _WRITERS.get(type(record))
    if writer is None:
        writer = _WRITERS[type(record)] = _make_writer(type(record))
    return writer(record)


def _rewrite(record: Any) -> str:
    """Make the writer of the record's class again (its name changed), then use it."""
    writer = _WRITERS[type(record)] = _make_writer(type(record))
    return writer(record)


def _make_writer(cls: type) -> Writer:
    """The JSON writer of a record class.

    As with ``make_encoder``, the type tag is fixed in the function, which makes the
    writer again once the class's module or name has changed.
    """
    fields: tuple[str, ...] = cls._options.fields  # type: ignore[attr-defined]
    if cls.to_representation is not _base_to_representation or not writable_names(fields):  # type: ignore[attr-defined]
        return lambda record: _encoder.encode(record.to_representation())
    module, qualname = cls.__module__, cls.__qualname__
    pieces = [
        f"{('{' if index == 0 else ',') + _escape(name) + ':'!r}, "
        # None first (most of the newer, optional fields are unset), bools inline: each
        # written exactly as ``value_json`` writes it.
        f"('null' if (_v := record.{name}) is None "
        f"else _escape(_v) if (_t := type(_v)) is str "
        f"else _int_text(_v) if _t is int "
        f"else (_quoted.get(_v.int) or _quoted_uuid(_v)) if _t is _UUID "
        f"else 'true' if _v is True else 'false' if _v is False "
        f"else _value_json(_v)), "
        for index, name in enumerate(fields)
    ]
    # The type tag, last, closing the object: ``"__faust":{"ns":"<module>.<QualName>"}}``.
    namespace_json = _escape(f"{module}.{qualname}")
    tag = ("," if fields else "{") + _escape(_tag_key) + ':{"ns":' + namespace_json + "}}"
    source = (
        "def write(record):\n"
        "    if _cls.__module__ is not _module or _cls.__qualname__ is not _qualname:\n"
        "        return _rewrite(record)\n"
        f"    return ''.join(({''.join(pieces)}{tag!r}))\n"
    )
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_module": module,
        "_qualname": qualname,
        "_escape": _escape,
        "_int_text": _int_text,
        "_UUID": UUID,
        "_quoted_uuid": _quoted_uuid,
        "_quoted": _QUOTED,
        "_rewrite": _rewrite,
        "_value_json": value_json,
    }
    exec(compile(source, f"<dagger.core.record {qualname}.dumps>", "exec"), namespace)  # noqa: S102
    writer: Writer = namespace["write"]
    return writer
