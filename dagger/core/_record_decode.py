"""Decoding records from JSON data without trusting it.

Records arrive from outside the process (the tasks topic, changelogs, update events
read by other services), so decoding never acts on what the data names:

- a type tag (``"__faust": {"ns": "<module>.<QualName>"}``) resolves only against the
  record classes this process has defined; nothing is ever imported;
- each field value is checked against its declared type where a wrong type would be
  stored or crash later (UUIDs, numbers, strings, booleans, lists, objects, nested
  records); fields typed ``Any`` or with a type variable take any JSON value;
- every failure is a :class:`RecordDecodeError` naming the problem.

Each record class gets a decode plan at its first decoding: one function per field, made
from the field's type hint, so the checks are ``isinstance`` tests on the path decoding
takes anyway. ``record.py`` owns the classes and calls :func:`install` and :func:`register`.
"""

from __future__ import annotations

import json
import math
import reprlib
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union
from uuid import UUID

from dagger.exceptions.exceptions import RecordDecodeError

Decoder = Callable[[Any], Any]
Plan = tuple[tuple[str, Decoder], ...]

# Set by ``install`` (``record.py`` owns these and imports this module).
_base: type
_subclasses: list[type]
_tag_key: str

#: Type tag -> (class, its ``__module__``, its ``__qualname__`` when the entry was made).
_TAGS: dict[str, tuple[type, str, str]] = {}
_NO_TAG: Any = object()
_SEQUENCES = (list, tuple, set, frozenset)
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlevel = 3


def install(base: type, subclasses: list[type], tag_key: str) -> None:
    """Give this module the record base class, its list of subclasses and the tag key."""
    global _base, _subclasses, _tag_key
    _base, _subclasses, _tag_key = base, subclasses, tag_key


class _Mismatch(Exception):
    """A value does not fit its field; the field's record turns this into a decode error."""

    def __init__(self, expected: str, value: Any) -> None:
        super().__init__(expected)
        self.expected = expected
        self.value = value


def describe(value: Any) -> str:
    """A short description of a (possibly huge or hostile) decoded value, for errors."""
    if isinstance(value, Mapping) and _tag_key in value:
        tag = value[_tag_key]
        ns = tag.get("ns") if isinstance(tag, Mapping) else None
        if isinstance(ns, str):
            return f"a {_REPR.repr(ns)} record"
    return f"{type(value).__name__} {_REPR.repr(value)}"


def _a(name: str) -> str:
    """``name`` with its indefinite article (``an ITask``, ``a TaskStatus``)."""
    return f"{'an' if name[:1] in 'AEIOUaeiou' else 'a'} {name}"


# -- type tags ------------------------------------------------------------------------


def register(cls: type) -> None:
    """Make a newly defined record class decodable under its tag."""
    module, qualname = cls.__module__, cls.__qualname__
    _TAGS[f"{module}.{qualname}"] = (cls, module, qualname)


def _rebuild_tags() -> None:
    # Modules rename their classes after defining them (``__module__`` set to the public
    # module), so the map is rebuilt from the classes' current names. Later definitions of
    # one name win, as they do in ``register``.
    _TAGS.clear()
    for cls in _subclasses:
        register(cls)


def class_for_tag(tag: Any) -> type:
    """The defined record class a type tag names (a decode error for any other tag)."""
    ns = tag.get("ns") if isinstance(tag, Mapping) else None
    if type(ns) is not str:
        raise RecordDecodeError(
            f'malformed type tag {_tag_key!r}: {_REPR.repr(tag)} (expected {{"ns": "<module>.<Class>"}})'
        )
    entry = _TAGS.get(ns)
    # The entry is current unless the class has been renamed since it was made.
    if (
        entry is None
        or entry[0].__module__ is not entry[1]
        or entry[0].__qualname__ is not entry[2]
    ):
        _rebuild_tags()
        entry = _TAGS.get(ns)
        if entry is None:
            raise RecordDecodeError(
                f"unknown record type {_REPR.repr(ns)}: no record class of that name is defined "
                "in this process (import the module that defines it before decoding; "
                "decoding never imports anything)"
            )
    return entry[0]


# -- records --------------------------------------------------------------------------


def loads(cls: type, s: Any, preferred: Any = None) -> Any:
    """``cls.loads``: JSON bytes or text (or already parsed data) to a record of ``cls``."""
    if isinstance(s, (bytes, bytearray, str)):
        try:
            # UTF-8 only: ``json.loads`` would guess UTF-16 or -32 from the bytes and
            # import that codec, acting on what the message holds.
            s = json.loads(s if isinstance(s, str) else s.decode("utf-8"))
        except RecursionError:
            raise RecordDecodeError(f"cannot decode {cls.__name__}: nested too deeply") from None
        except Exception as exc:  # noqa: BLE001 - not UTF-8 or not JSON: all bad input
            raise RecordDecodeError(
                f"cannot decode {cls.__name__}: not UTF-8 JSON text ({exc})"
            ) from None
    return from_data(cls, s, preferred)


def from_data(cls: type, data: Any, preferred: Any = None) -> Any:
    """``cls.from_data``: decoded JSON to a record of ``cls`` or the subclass its tag names.

    Raises only :class:`RecordDecodeError` for bad data, whatever went wrong.
    """
    try:
        if not isinstance(data, Mapping):
            raise RecordDecodeError(
                f"cannot decode {cls.__name__} from {describe(data)}: expected a JSON object"
            )
        return build(cls, data, preferred)
    except RecordDecodeError:
        raise
    except _Mismatch as exc:
        raise RecordDecodeError(
            f"cannot decode {cls.__name__}: expected {exc.expected}, got {describe(exc.value)}"
        ) from None
    except RecursionError:
        raise RecordDecodeError(f"cannot decode {cls.__name__}: nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - whatever the data made fail is bad input
        raise RecordDecodeError(
            f"cannot decode {cls.__name__}: {type(exc).__name__}: {exc}"
        ) from exc


def build(cls: type, data: Mapping[str, Any], preferred: Any = None) -> Any:
    """The record ``data`` describes, which must be a ``cls``; field errors name the field."""
    tag = data.get(_tag_key, _NO_TAG)
    if tag is not _NO_TAG:
        target = class_for_tag(tag)
    elif preferred is not None:
        if not (isinstance(preferred, type) and issubclass(preferred, cls)):
            raise RecordDecodeError(f"preferred_type {preferred!r} is not {_a(cls.__name__)}")
        target = preferred
    else:
        target = cls
    if target is not cls and not issubclass(target, cls):
        raise _Mismatch(f"{_a(cls.__name__)} record", data)
    plan: Plan | None = target._options.decoders  # type: ignore[attr-defined]
    if plan is None:
        plan = _make_plan(target)
    kwargs = {}
    for name, decode in plan:
        if name in data:
            try:
                kwargs[name] = decode(data[name])
            except _Mismatch as exc:
                raise RecordDecodeError(
                    f"{target.__name__}.{name}: expected {exc.expected}, got {describe(exc.value)}"
                ) from None
    try:
        return target(**kwargs)
    except RecordDecodeError:
        raise
    except Exception as exc:  # noqa: BLE001 - a constructor refusing the data: bad input
        raise RecordDecodeError(f"cannot build {_a(target.__name__)}: {exc}") from exc


def field_hints(cls: type) -> dict[str, Any]:
    """The type hint of each field of a record class (``None`` where it cannot be resolved)."""
    options = cls._options  # type: ignore[attr-defined]
    if options._hints is None:
        hints: dict[str, Any] = {}
        # A user subclass with an unresolvable annotation still gets its bases' hints.
        for klass in cls.__mro__:
            try:
                hints = {**typing.get_type_hints(klass), **hints}
                break
            except Exception:  # noqa: BLE001 - unresolvable hints only disable checks
                continue
        options._hints = {name: hints.get(name) for name in options.fields}
    hints_of: dict[str, Any] = options._hints
    return hints_of


def _make_plan(cls: type) -> Plan:
    hints = field_hints(cls)
    plan = tuple((name, decoder_for(hints.get(name))) for name in cls._options.fields)  # type: ignore[attr-defined]
    cls._options.decoders = plan  # type: ignore[attr-defined]
    return plan


# -- field values ---------------------------------------------------------------------


def decoder_for(hint: Any) -> Decoder:
    """The function that checks and rebuilds a field value of type ``hint`` from JSON data."""
    if hint is None or hint is Any or isinstance(hint, TypeVar):
        return untyped
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union or origin is types.UnionType:  # Optional[X] and X | None
        concrete = [a for a in args if a is not type(None)]
        inner = decoder_for(concrete[0]) if len(concrete) == 1 else untyped
        return _optional(inner) if len(concrete) < len(args) else inner
    simple = _SIMPLE.get(hint) if isinstance(hint, type) else None
    if simple is not None:
        return simple
    if origin is None and hint in _SEQUENCES:
        origin = hint
    if origin in _SEQUENCES:
        of_all = origin is not tuple or (len(args) == 2 and args[1] is Ellipsis)
        item = decoder_for(args[0]) if args and of_all else untyped
        return _sequence(item, origin in (set, frozenset))
    container = origin if origin is not None else hint
    if isinstance(container, type) and issubclass(container, _base):
        return _record(container)
    if isinstance(container, type) and issubclass(container, Mapping):
        key, value = args if len(args) == 2 else (None, None)
        return _mapping(to_uuid if key is UUID else _as_is, decoder_for(value))
    return untyped  # a type JSON has no form for (enums, dates...): taken as it comes


def decode_value(value: Any, hint: Any = None) -> Any:
    """Rebuild one value of type ``hint`` from JSON data (a decode error if it does not fit)."""
    try:
        return decoder_for(hint)(value)
    except _Mismatch as exc:
        raise RecordDecodeError(f"expected {exc.expected}, got {describe(exc.value)}") from None


def untyped(value: Any) -> Any:
    """A value of no declared type: tagged objects become records, the rest stays as is."""
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool or kind is float:
        return value
    if kind is list:
        return [untyped(v) for v in value]
    if isinstance(value, Mapping):
        if _tag_key in value:
            return build(_base, value)
        return {k: untyped(v) for k, v in value.items()}
    return value


def _as_is(value: Any) -> Any:
    return value


def _optional(inner: Decoder) -> Decoder:
    def decode_optional(value: Any) -> Any:
        return None if value is None else inner(value)

    return decode_optional


def to_uuid(value: Any) -> UUID:
    """A UUID from its string form (or 0.2.6's jsonpickle ``{"hex": ...}`` form)."""
    if type(value) is str:
        try:
            return UUID(value)
        except ValueError:
            raise _Mismatch("a UUID", value) from None
    if isinstance(value, UUID):
        return value
    if isinstance(value, Mapping) and "hex" in value:
        try:
            return UUID(hex=value["hex"])
        except Exception:  # noqa: BLE001 - whatever ``hex`` holds, it is not a UUID
            raise _Mismatch("a UUID", value) from None
    raise _Mismatch("a UUID", value)


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _Mismatch("a string", value)


def _to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise _Mismatch("a boolean", value)


def _to_number(value: Any) -> int | float:
    # Numbers, not only ints: trigger times come from runtime parameters (``time.time()``).
    kind = type(value)
    if kind is int or (kind is float and math.isfinite(value)):
        return value
    if isinstance(value, (int, float)) and kind is not bool and math.isfinite(value):
        return value
    raise _Mismatch("a number", value)


_SIMPLE: dict[type, Decoder] = {
    UUID: to_uuid,
    str: _to_str,
    bool: _to_bool,
    int: _to_number,
    float: _to_number,
}


def _sequence(item: Decoder, as_set: bool) -> Decoder:
    def decode_sequence(value: Any) -> Any:
        if type(value) is not list and not isinstance(value, _SEQUENCES):
            raise _Mismatch("a list", value)
        items = [item(v) for v in value]
        if not as_set:
            return items
        try:
            return set(items)
        except TypeError:
            raise _Mismatch("a list of distinct values", value) from None

    return decode_sequence


def _mapping(key: Decoder, item: Decoder) -> Decoder:
    def decode_mapping(value: Any) -> Any:
        if not isinstance(value, Mapping) or _tag_key in value:
            raise _Mismatch("an object", value)
        return {key(k): item(v) for k, v in value.items()}

    return decode_mapping


def _record(cls: type) -> Decoder:
    def decode_record(value: Any) -> Any:
        if isinstance(value, Mapping):
            return build(cls, value)
        if isinstance(value, cls):
            return value
        raise _Mismatch(f"{_a(cls.__name__)} record (an object)", value)

    return decode_record
