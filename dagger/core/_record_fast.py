"""The per-class code behind :class:`~dagger.core.record.Record`: construction and encoding.

A workflow step creates dozens of records (tasks, statuses), nearly always by keyword, and
encodes the whole workflow. The generic code loops over every field on every call, and
copied a record-valued default (a task's status) with ``copy.deepcopy``. Here, as
``dataclasses`` does, each record class gets generated code instead:

- :func:`make_init`: an ``__init__`` whose common call binds its keyword arguments in C and
  sets each field in one statement; any other call goes to the generic constructor, so
  results and errors are unchanged;
- :func:`make_encoder`: ``to_representation`` as one dict display;
- :func:`uuid_text`: ``str(uuid)``, memoised, since each id appears several times.
"""

from __future__ import annotations

import copy
import enum
import inspect
import keyword
from collections.abc import Callable
from typing import Any
from uuid import UUID

#: Field values that a deep copy returns as they are; a record holding only these copies
#: by copying its ``__dict__``.
_ATOMIC = frozenset({type(None), bool, int, float, str, bytes})
#: "No value given" for generated ``__init__`` parameters.
MISSING: Any = object()


class DefaultFactory:
    """A field default computed for each new record (``lastupdated = DefaultFactory(now)``)."""

    __slots__ = ("factory",)

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def __repr__(self) -> str:
        return f"DefaultFactory({getattr(self.factory, '__name__', self.factory)!r})"


def _plainly_copied(cls: type) -> bool:
    """Whether ``copy.deepcopy`` of a ``cls`` instance is ``__new__`` plus a copied ``__dict__``.

    True unless the class customises copying or pickling (or its own construction).
    """
    return (
        cls.__new__ is object.__new__
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and getattr(cls, "__getstate__", None) is getattr(object, "__getstate__", None)
        and not hasattr(cls, "__setstate__")
        and not hasattr(cls, "__deepcopy__")
        and cls not in copy._deepcopy_dispatch  # type: ignore[attr-defined]
    )


def _holds_only_atoms(state: dict[str, Any]) -> bool:
    for value in state.values():
        if type(value) not in _ATOMIC and not isinstance(value, enum.Enum):
            return False
    return True


def copy_record(value: Any, plain: bool | None = None) -> Any:
    """``copy.deepcopy(value)`` for a record default, without deepcopy's machinery when the
    record holds only immutable scalars (a task's default status does).

    ``plain`` is ``_plainly_copied(type(value))`` when the caller already knows it.
    """
    state = value.__dict__
    if plain is None:
        plain = _plainly_copied(type(value))
    if plain and _holds_only_atoms(state):
        clone = object.__new__(type(value))
        clone.__dict__.update(state)
        return clone
    return copy.deepcopy(value)


def _record_copier(default: Any) -> Callable[[], Any]:
    """``copy_record(default)`` as a function, specialised for its (fixed) class."""
    cls = type(default)
    if not _plainly_copied(cls):
        return lambda: copy.deepcopy(default)
    new = object.__new__

    def copier() -> Any:
        # Checked at each call, in case the class default was given a mutable value later.
        state = default.__dict__
        for value in state.values():
            if type(value) not in _ATOMIC and not isinstance(value, enum.Enum):
                return copy.deepcopy(default)
        clone = new(cls)
        clone.__dict__.update(state)
        return clone

    return copier


def fresh(default: Any, is_record: Callable[[Any], bool]) -> Any:
    """A per-instance copy of a default, so no two records share a mutable value."""
    if isinstance(default, DefaultFactory):
        return default.factory()
    if isinstance(default, (list, dict, set)):
        return copy.copy(default) if not default else copy.deepcopy(default)
    if is_record(default):
        return copy_record(default)
    return default


def fresh_maker(default: Any, is_record: Callable[[Any], bool]) -> Callable[[], Any] | None:
    """What :func:`fresh` does for ``default``, as a function; ``None`` when it is shared as is."""
    if isinstance(default, DefaultFactory):
        return default.factory
    if type(default) in (list, dict, set):
        empty = type(default)
        # Checked at each call, as ``fresh`` does, in case the class default was filled later.
        return lambda: empty() if not default else copy.deepcopy(default)
    if is_record(default):
        return _record_copier(default)
    if isinstance(default, (list, dict, set)):
        return lambda: fresh(default, is_record)
    return None


def _is_data_descriptor(cls: type, name: str) -> bool:
    for klass in cls.__mro__:
        if name in vars(klass):
            kind = type(vars(klass)[name])
            return hasattr(kind, "__set__") or hasattr(kind, "__delete__")
    return False


def writable_names(fields: tuple[str, ...]) -> bool:
    """Whether every field name can be a parameter and attribute name in generated code."""
    return all(name.isidentifier() and not keyword.iskeyword(name) for name in fields)


def make_init(
    cls: type,
    fields: tuple[str, ...],
    defaults: dict[str, Any],
    is_record: Callable[[Any], bool],
    no_post_init: Callable[[Any], None],
) -> Callable[..., None]:
    """The ``__init__`` of record class ``cls`` (see :func:`make_fast_init`), with the
    signature ``inspect`` shows: the fields in order, then ``**kwargs``."""
    generic = _generic_init(cls, is_record)
    init = make_fast_init(cls, fields, defaults, generic, is_record, no_post_init)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__signature__ = _signature(fields, defaults)  # type: ignore[attr-defined]
    return init


def _signature(fields: tuple[str, ...], defaults: dict[str, Any]) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter("self", kind)]
    for name in fields:
        default = defaults.get(name, inspect.Parameter.empty)
        if isinstance(default, DefaultFactory):
            default = None
        params.append(inspect.Parameter(name, kind, default=default))
    params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def _generic_init(cls: type, is_record: Callable[[Any], bool]) -> Callable[..., None]:
    """The constructor for every call: positional fields in order, keyword fields, fresh
    defaults, ``__post_init__``; it reads the fields of ``type(self)``, so a subclass's
    own ``__init__`` may pass it its extra fields through ``super().__init__``."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        options = type(self)._options
        fields = options.fields
        if len(args) > len(fields):
            raise TypeError(
                f"{type(self).__name__}() takes {len(fields)} positional fields "
                f"but {len(args)} were given"
            )
        values = dict(zip(fields, args, strict=False))
        for key, value in kwargs.items():
            if key in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for {key!r}")
            if key in options.defaults or key in fields:
                values[key] = value
            elif not key.startswith("__"):
                raise TypeError(f"{type(self).__name__}() got an unexpected field {key!r}")
        for name in fields:
            if name in values:
                object.__setattr__(self, name, values[name])
                continue
            default = options.defaults.get(name, MISSING)
            if default is MISSING:
                raise TypeError(f"{type(self).__name__}() missing required field {name!r}")
            object.__setattr__(self, name, fresh(default, is_record))
        self.__post_init__()

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def make_fast_init(
    cls: type,
    fields: tuple[str, ...],
    defaults: dict[str, Any],
    generic: Callable[..., None],
    is_record: Callable[[Any], bool],
    no_post_init: Callable[[Any], None],
) -> Callable[..., None]:
    """The ``__init__`` of ``cls``, generated like ``dataclasses`` generates one.

    Fields are keyword-only parameters, so the common call (keywords naming fields, every
    required one given, on ``cls`` itself) binds its arguments in C and sets each field in
    one statement. Any other call (positional arguments, unknown or missing fields, a
    subclass's own ``__init__`` calling ``super().__init__``) is handed, as it was made,
    to ``generic``, which gives the same result and the same errors as before. Like
    ``dataclasses``, it calls ``__post_init__`` only when the class defines one (when its
    ``__post_init__`` is not ``no_post_init``, the base hook that does nothing).
    """
    if not writable_names(fields) or any(_is_data_descriptor(cls, name) for name in fields):
        return generic  # unusual names; a property or slot must be set through its descriptor
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_type": type,
        "_MISSING": MISSING,
        "_slow": _slow_init(fields, generic),
    }
    lines = []
    for index, name in enumerate(fields):
        if name not in defaults:
            value = name  # required: the fast path is only taken when it was given
        elif (maker := fresh_maker(defaults[name], is_record)) is not None:
            namespace[f"_make_{index}"] = maker
            value = f"_make_{index}() if {name} is _MISSING else {name}"
        else:
            namespace[f"_default_{index}"] = defaults[name]
            value = f"_default_{index} if {name} is _MISSING else {name}"
        lines.append(f"    _state[{name!r}] = {value}\n")
    required = "".join(f" or {name} is _MISSING" for name in fields if name not in defaults)
    params = "".join(f"{name}=_MISSING, " for name in fields)
    given = "".join(f"{name}, " for name in fields)
    source = (
        f"def __init__(_self, *_args, {params}**_kwargs):\n"
        f"    if _args or _kwargs or _type(_self) is not _cls{required}:\n"
        f"        return _slow(_self, _args, _kwargs, ({given}))\n"
        "    _state = _self.__dict__\n"
        f"{''.join(lines)}"
        + ("" if cls.__post_init__ is no_post_init else "    _self.__post_init__()\n")  # type: ignore[attr-defined]
    )
    init: Callable[..., None] = _compile(source, f"{cls.__qualname__}.__init__", namespace)
    return init


def _slow_init(fields: tuple[str, ...], generic: Callable[..., None]) -> Callable[..., None]:
    """Rebuild the call a generated ``__init__`` received and pass it to ``generic``.

    Fields can only be given by keyword there (positional arguments stay in ``args``), so
    the parameters holding a value are exactly the fields the caller named.
    """

    def slow(
        self: Any, args: tuple[Any, ...], kwargs: dict[str, Any], values: tuple[Any, ...]
    ) -> None:
        named = {name: value for name, value in zip(fields, values) if value is not MISSING}
        generic(self, *args, **named, **kwargs)

    return slow


def _compile(source: str, name: str, namespace: dict[str, Any]) -> Any:
    """Define the function in ``source`` (built from field names only) in ``namespace``."""
    exec(compile(source, f"<dagger.core.record {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name.rpartition(".")[2]]


#: ``str(uuid)`` by ``uuid.int``: each id appears several times in an encoded workflow
#: (its key, its ``id``, its children's ``parent_id``, the ``next_dags`` pointing at it),
#: and ``UUID.__str__`` is Python code. Cleared when full, so it stays small.
_UUID_TEXT: dict[int, str] = {}
_UUID_TEXT_MAX = 1 << 12


def uuid_text(value: UUID) -> str:
    """``str(value)`` for an exact ``UUID``, memoised."""
    number = value.int
    text = _UUID_TEXT.get(number)
    if text is None:
        if len(_UUID_TEXT) >= _UUID_TEXT_MAX:
            _UUID_TEXT.clear()
        digits = f"{number:032x}"
        text = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
        _UUID_TEXT[number] = text
    return text


def make_encoder(
    cls: type,
    fields: tuple[str, ...],
    encode: Callable[[Any], Any],
    tag_key: str,
    as_is: frozenset[type],
) -> Callable[[Any], dict[str, Any] | None]:
    """The body of ``cls.to_representation``, generated like ``dataclasses`` generates
    methods: one dict display with each field's encoded value, then the type tag. Values
    of the types in ``as_is`` (what ``encode`` returns unchanged) are taken without a call.

    The tag (``<module>.<QualName>``) is fixed in the function, which returns ``None``
    when the class has been renamed or moved since (modules set ``__module__`` to the
    public one after defining their classes); the caller then builds a new encoder.
    """
    module, qualname = cls.__module__, cls.__qualname__
    if not writable_names(fields):
        return lambda self: _encode_by_name(self, fields, encode, tag_key)
    items = "".join(
        f"{name!r}: (_v if (_t := type(_v := self.{name})) in _as_is "
        f"else (_texts.get(_v.int) or _uuid_text(_v)) if _t is _UUID else _encode(_v)), "
        for name in fields
    )
    source = (
        "def to_representation(self):\n"
        "    if _cls.__module__ is not _module or _cls.__qualname__ is not _qualname:\n"
        "        return None\n"
        f"    return {{{items}_tag_key: {{'ns': _ns}}}}\n"
    )
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_module": module,
        "_qualname": qualname,
        "_encode": encode,
        "_as_is": as_is,
        "_UUID": UUID,
        "_uuid_text": uuid_text,
        "_texts": _UUID_TEXT,
        "_tag_key": tag_key,
        "_ns": f"{module}.{qualname}",
    }
    encoder: Callable[[Any], dict[str, Any] | None] = _compile(
        source, f"{qualname}.to_representation", namespace
    )
    return encoder


def _encode_by_name(
    record: Any, fields: tuple[str, ...], encode: Callable[[Any], Any], tag_key: str
) -> dict[str, Any]:
    """``make_encoder``'s result, for field names that cannot be written in source."""
    data = {name: encode(getattr(record, name)) for name in fields}
    cls = type(record)
    data[tag_key] = {"ns": f"{cls.__module__}.{cls.__qualname__}"}
    return data
