"""``Record``: the base of every task and record type, and its JSON codec.

0.2.6 built its tasks on ``faust.Record``; user code relies on the record behaviour
(positional construction in field order, value equality, ``asdict``, ``dumps``,
``loads``, ``from_data``, ``to_representation``). This module gives the same surface
without faust, so the model stays pure, and fixes 0.2.6's shared mutable defaults and
import-time timestamps.

Fields are the class annotations, base classes first. A plain class attribute in a
subclass overrides a field's default (a listener writes ``correlatable_key = "order_id"``).

Wire format: ``to_representation()`` is JSON-ready; every record carries the type tag
``"__faust": {"ns": "<module>.<QualName>"}`` (the tag 0.2.6 used) so ``from_data``
rebuilds the right subclass, user subclasses included. ``dumps()`` adds a top-level
``"__dagger_format__"`` version.
"""

from __future__ import annotations

import enum
import importlib
import json
import sys
import time
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar, Union

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10 (typing_extensions comes with pydantic)
    from typing_extensions import dataclass_transform
from uuid import UUID

from dagger.core import _record_json
from dagger.core._record_fast import DefaultFactory, make_encoder, make_init, uuid_text
from dagger.core._record_json import record_json

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

    __slots__ = ("fields", "defaults", "_hints", "encoder")

    def __init__(self, fields: tuple[str, ...], defaults: dict[str, Any]) -> None:
        self.fields = fields
        self.defaults = defaults
        self._hints: dict[str, Any] | None = None
        #: ``to_representation`` of the class, generated at its first use.
        self.encoder: Callable[[Any], dict[str, Any] | None] | None = None


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
        _TYPE_CACHE.clear()

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
        """Decode what :meth:`dumps` produced (bytes, str or an already parsed dict)."""
        data = json.loads(s) if isinstance(s, (bytes, bytearray, str)) else s
        if not isinstance(data, Mapping):
            raise ValueError(f"cannot decode {cls.__name__} from {type(data).__name__}")
        return cls.from_data(data)

    @classmethod
    def from_data(cls: type[R], data: Mapping[str, Any], *, preferred_type: Any = None) -> R:
        """Build a record from a decoded dict, choosing the subclass named by its tag."""
        target = _class_from_tag(data) or preferred_type or cls
        if not (isinstance(target, type) and issubclass(target, cls)):
            raise ValueError(
                f"{type_namespace(target)} is not a {cls.__name__}; cannot decode it as one"
            )
        hints = _field_hints(target)
        kwargs = {}
        for name in target._options.fields:
            if name in data:
                kwargs[name] = decode_value(data[name], hints.get(name))
        return target(**kwargs)


# -- codec helpers --------------------------------------------------------------------


def type_namespace(cls: type) -> str:
    """The tag naming a record class: ``<module>.<QualName>``."""
    return f"{cls.__module__}.{cls.__qualname__}"


_TYPE_CACHE: dict[str, type[Record]] = {}
#: Every record class, for ``encode_value``'s exact-type fast path.
_RECORD_TYPES: set[type] = set()


def _class_from_tag(data: Mapping[str, Any]) -> type[Record] | None:
    tag = data.get(TYPE_TAG)
    if not isinstance(tag, Mapping) or not isinstance(tag.get("ns"), str):
        return None
    ns: str = tag["ns"]
    if not _TYPE_CACHE:
        _TYPE_CACHE.update({type_namespace(c): c for c in Record._subclasses})
    found = _TYPE_CACHE.get(ns)
    if found is None:
        found = _import_class(ns)
    if found is None:
        raise ValueError(f"unknown record type {ns!r}: import the module that defines it")
    return found


def _import_class(ns: str) -> type[Record] | None:
    module_name, _, qualname = ns.rpartition(".")
    while module_name:
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            module_name, _, head = module_name.rpartition(".")
            qualname = f"{head}.{qualname}"
            continue
        for part in qualname.split("."):
            obj = getattr(obj, part, None)
        return obj if isinstance(obj, type) and issubclass(obj, Record) else None
    return None


def _field_hints(cls: type[Record]) -> dict[str, Any]:
    options = cls._options
    if options._hints is None:
        hints: dict[str, Any] = {}
        # A user subclass with an unresolvable annotation still gets its bases' hints.
        for klass in cls.__mro__:
            try:
                hints = {**typing.get_type_hints(klass), **hints}
                break
            except Exception:  # noqa: BLE001 - unresolvable hints only disable coercion
                continue
        options._hints = {name: hints.get(name) for name in options.fields}
    return options._hints


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


def decode_value(value: Any, hint: Any = None) -> Any:
    """Rebuild a field value from JSON data, guided by the field's type hint."""
    if isinstance(value, Mapping) and TYPE_TAG in value:
        return Record.from_data(value)
    if hint is None or value is None or isinstance(hint, TypeVar) or hint is Any:
        return _decode_untyped(value)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Union or origin is types.UnionType:  # Optional[X] and X | None
        concrete = [a for a in args if a is not type(None)]
        return decode_value(value, concrete[0] if len(concrete) == 1 else None)
    if hint is UUID:
        return _to_uuid(value)
    if origin in (list, set, frozenset, tuple):
        item = args[0] if args else None
        items = [decode_value(v, item) for v in _iterable(value)]
        return set(items) if origin in (set, frozenset) else items
    if isinstance(origin, type) and issubclass(origin, Mapping):
        key_hint, value_hint = args if len(args) == 2 else (None, None)
        return {decode_value(k, key_hint): decode_value(v, value_hint) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Record) and isinstance(value, Mapping):
        return hint.from_data(value)
    return value


def _decode_untyped(value: Any) -> Any:
    if isinstance(value, Mapping):
        if TYPE_TAG in value:
            return Record.from_data(value)
        return {k: _decode_untyped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_untyped(v) for v in value]
    return value


def _to_uuid(value: Any) -> Any:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            return value
    if isinstance(value, Mapping) and "hex" in value:  # 0.2.6's jsonpickle rendering
        return UUID(hex=value["hex"])
    return value


def _iterable(value: Any) -> Iterable[Any]:
    return value if isinstance(value, (list, tuple, set, frozenset)) else [value]


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
