"""``Record``: the base of every task and record type, and its JSON codec.

0.2.6 built its tasks on ``faust.Record``; user code relies on the record behaviour
(positional construction in field order, value equality, ``asdict``, ``dumps``,
``loads``, ``from_data``, ``to_representation``). This module gives the same surface
without faust, so the model stays pure, and fixes 0.2.6's shared mutable defaults and
import-time timestamps.

Fields are the class annotations, base classes first. A plain class attribute in a
subclass overrides a field's default (a listener writes ``correlatable_key = "order_id"``).
Fields a class names in ``_trailing_fields`` come after every other field, in its
subclasses too: fields added since 0.2.6 go there, so every class's fields still start with
its 0.2.6 fields, in order (positional construction keeps working).

Wire format: ``to_representation()`` is JSON-ready; every record carries the type tag
``"__faust": {"ns": "<module>.<QualName>"}`` (the tag 0.2.6 used) so ``from_data``
rebuilds the right subclass, user subclasses included. ``dumps()`` adds a top-level
``"__dagger_format__"`` version. Decoding (``_record_decode``) resolves tags only against
the record classes the process has defined, never importing anything, checks field values
against their types and raises :class:`RecordDecodeError` for any bad input.
"""

from __future__ import annotations

import enum
import json
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10 (typing_extensions comes with pydantic)
    from typing_extensions import dataclass_transform
from uuid import UUID

from dagger.core import _record_decode, _record_json
from dagger.core._record_fast import DefaultFactory, make_encoder, make_init, uuid_text
from dagger.core._record_json import record_json
from dagger.exceptions.exceptions import RecordDecodeError  # noqa: F401 - decoding's error, here beside Record

TYPE_TAG = "__faust"
FORMAT_KEY = "__dagger_format__"
FORMAT_VERSION = 1

R = TypeVar("R", bound="Record")


def epoch_seconds() -> int:
    """Default for creation and update timestamps: now, in whole epoch seconds."""
    return int(time.time())


NOW = DefaultFactory(epoch_seconds)


class RecordOptions:
    """Per-class field metadata (``cls._options.fields`` as faust exposes it)."""

    __slots__ = ("fields", "defaults", "_hints", "encoder", "decoders")

    def __init__(self, fields: tuple[str, ...], defaults: dict[str, Any]) -> None:
        self.fields = fields
        self.defaults = defaults
        self._hints: dict[str, Any] | None = None
        #: ``to_representation`` of the class, generated at its first use.
        self.encoder: Callable[[Any], dict[str, Any] | None] | None = None
        #: ``(field, decoder)`` pairs of ``from_data``, made at the class's first decoding.
        self.decoders: tuple[tuple[str, Callable[[Any], Any]], ...] | None = None


def _is_record(value: Any) -> bool:
    return isinstance(value, Record)


def _collect_fields(cls: type) -> tuple[tuple[str, ...], dict[str, Any]]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, hint in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or name in names:
                continue
            if "ClassVar" in str(hint):
                continue
            names.append(name)
    trailing: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in vars(klass).get("_trailing_fields", ()):
            if name in names and name not in trailing:
                trailing.append(name)
    names = [name for name in names if name not in trailing] + trailing
    defaults: dict[str, Any] = {}
    for name in names:
        for klass in cls.__mro__:
            if name in vars(klass):
                value = vars(klass)[name]
                if not isinstance(value, (property, classmethod, staticmethod)):
                    defaults[name] = value
                break
    return tuple(names), defaults


@dataclass_transform(field_specifiers=())
class Record:
    """Base of tasks and records: ordered fields, value equality and a JSON codec."""

    _options: ClassVar[RecordOptions] = RecordOptions((), {})
    _subclasses: ClassVar[list[type[Record]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__()
        fields, defaults = _collect_fields(cls)
        cls._options = RecordOptions(fields, defaults)
        if "__init__" not in vars(cls):
            init = make_init(cls, fields, defaults, _is_record, Record.__post_init__)
            cls.__init__ = init  # type: ignore[method-assign]
        Record._subclasses.append(cls)
        _RECORD_TYPES.add(cls)
        _record_decode.register(cls)

    def __post_init__(self) -> None:
        """Hook run after the fields are set; subclasses may validate or derive values."""

    # -- value semantics -------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._options.fields)

    def __hash__(self) -> int:
        values = (_freeze(getattr(self, name)) for name in self._options.fields)
        return hash((type(self).__name__, *values))

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._options.fields)
        return f"{type(self).__name__}({body})"

    # -- the faust-compatible record methods -------------------------------------------
    def asdict(self) -> dict[str, Any]:
        """Return the fields as a dict (values as they are, nested records included)."""
        return {name: getattr(self, name) for name in self._options.fields}

    def to_representation(self) -> dict[str, Any]:
        """Return a JSON-ready dict with the type tag, nested records encoded too."""
        options = type(self)._options
        if options.encoder is not None:
            data = options.encoder(self)
            if data is not None:
                return data
        options.encoder = make_encoder(type(self), options.fields, encode_value, TYPE_TAG, _AS_IS)
        built = options.encoder(self)
        assert built is not None  # the encoder was just made for this class's tag
        return built

    def dumps(self, *, serializer: Any = None) -> bytes:
        """Encode the record to JSON bytes (``serializer`` is accepted for compatibility)."""
        if type(self).to_representation is Record.to_representation:
            # The same text as below, written in one pass (see ``_record_json``).
            text = record_json(self)
            return f"{text[:-1]},{_FORMAT_JSON}}}".encode()
        data = self.to_representation()
        data[FORMAT_KEY] = FORMAT_VERSION
        return _JSON.encode(data).encode()

    @classmethod
    def loads(cls: type[R], s: bytes | str | Mapping[str, Any], *, serializer: Any = None) -> R:
        """Decode what :meth:`dumps` produced (bytes, str or an already parsed dict).

        Raises :class:`RecordDecodeError` (a ``ValueError``) for any bad input.
        """
        record: R = _record_decode.loads(cls, s)
        return record

    @classmethod
    def from_data(cls: type[R], data: Mapping[str, Any], *, preferred_type: Any = None) -> R:
        """Build a record from a decoded dict, choosing the subclass named by its tag.

        The tag must name a record class defined in this process (nothing is imported) that
        is a ``cls``; field values must fit their types. Raises :class:`RecordDecodeError`
        for any bad input.
        """
        record: R = _record_decode.from_data(cls, data, preferred_type)
        return record


# -- codec helpers --------------------------------------------------------------------


def type_namespace(cls: type) -> str:
    """The tag naming a record class: ``<module>.<QualName>``."""
    return f"{cls.__module__}.{cls.__qualname__}"


#: Every record class, for ``encode_value``'s exact-type fast path.
_RECORD_TYPES: set[type] = set()


#: Types ``encode_value`` returns as they are (exact types: subclasses such as str enums
#: take the general path below, which gives the same result).
_AS_IS: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def encode_value(value: Any) -> Any:
    """Turn a field value into JSON-ready data (records tagged, UUIDs as strings)."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is UUID:
        return uuid_text(value)
    if kind is list:
        return [encode_value(v) for v in value]
    if kind is dict:
        return {_encode_key(k): encode_value(v) for k, v in value.items()}
    if kind in _RECORD_TYPES:
        return value.to_representation()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Record):
        return value.to_representation()
    if isinstance(value, enum.Enum):
        return encode_value(value.value)
    if isinstance(value, Mapping):
        return {_encode_key(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode_value(v) for v in value]
    return _json_fallback(value)


def _encode_key(key: Any) -> str:
    if type(key) is UUID:  # the usual key: a task id
        return uuid_text(key)
    return key if isinstance(key, str) else str(encode_value(key))


def _json_fallback(value: Any) -> Any:
    """JSON for a value ``encode_value`` does not know (bytes, dates, anything else)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


#: The encoder of ``dumps`` (made once, not per call as ``json.dumps`` with options does).
_JSON = json.JSONEncoder(separators=(",", ":"), default=_json_fallback)
_FORMAT_JSON = f"{json.dumps(FORMAT_KEY)}:{FORMAT_VERSION}"
_record_json.install(encode_value, _JSON, Record.to_representation, _RECORD_TYPES, TYPE_TAG)


_record_decode.install(Record, Record._subclasses, TYPE_TAG)


def decode_value(value: Any, hint: Any = None) -> Any:
    """Rebuild a field value from JSON data, checked against the field's type hint.

    Raises :class:`RecordDecodeError` when the value does not fit the hint.
    """
    return _record_decode.decode_value(value, hint)


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
