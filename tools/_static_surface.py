"""Read a package's public API surface from its source with `ast`, without importing it.

Produces, per module, the same entries tools/api_snapshot.py's check compares against: classes
(with their package-internal bases in MRO order, methods and properties including inherited
ones, record field order, enum members), functions (parameter name, kind, has-default) and
constants. Only names and signatures are kept, never source text.

What a static read cannot see is rebuilt from the libraries' documented behaviour or left out:
- faust ``Record`` subclasses: faust generates ``__init__`` from the fields (in order, bases
  first, then ``__strict__``, ``__faust`` and ``**kwargs``) and ``asdict``; both are synthesised.
  faust's other generated members (``_model_*``, ``_input_translate_fields``), NamedTuple's
  ``_asdict``/``_make``/``_replace`` and Enum's ``_generate_next_value_`` are private library
  internals and are not recorded (see LIBRARY_GENERATED).
- ``cached_property`` members are neither functions nor properties to `inspect`, so a dynamic
  dump does not list them either; they are not recorded.
"""

from __future__ import annotations

import ast
from typing import Any

from tools._source_index import Binding, External, SourceIndex, UnsupportedSource

Params = list[list[Any]]  # [[name, kind, has_default], ...]

# Private members that faust, typing.NamedTuple and enum add to classes at class-creation time.
LIBRARY_GENERATED = frozenset(
    {
        "_input_translate_fields",
        "_model_eq",
        "_model_ge",
        "_model_gt",
        "_model_hash",
        "_model_init",
        "_model_le",
        "_model_lt",
        "_model_ne",
        "_asdict",
        "_make",
        "_replace",
        "_generate_next_value_",
    }
)
SKIP_METHODS = frozenset({"__init_subclass__", "__class_getitem__", "__subclasshook__"})
RECORD_BASES = frozenset({"faust.Record", "faust.models.Record", "faust.models.record.Record"})
ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"})
NAMEDTUPLE_BASES = frozenset({"typing.NamedTuple"})
INVISIBLE_DECORATORS = frozenset(
    {"mode.utils.objects.cached_property", "functools.cached_property"}
)
TRANSPARENT_DECORATORS = frozenset({"abc.abstractmethod"})
# Upper-case names imported from outside the package that are classes, not constants.
EXTERNAL_CLASSES = frozenset({"uuid.UUID", "faust.types.TP"})
VALUE_TYPES = (str, int, float, list, dict, tuple)  # what a dynamic dump treats as a constant
RECORD_TAIL: Params = [
    ["__strict__", "KEYWORD_ONLY", True],
    ["__faust", "KEYWORD_ONLY", True],
    ["kwargs", "VAR_KEYWORD", False],
]

ClassKey = tuple[str, str]


def _mangle(cls_name: str, name: str) -> str:
    if name.startswith("__") and not name.endswith("__") and cls_name.strip("_"):
        return f"_{cls_name.lstrip('_')}{name}"
    return name


def signature_of(fn: ast.FunctionDef | ast.AsyncFunctionDef, cls_name: str | None) -> Params:
    """Parameters of a function definition as [name, kind, has_default] in order."""
    args = fn.args

    def name(arg: ast.arg) -> str:
        return _mangle(cls_name, arg.arg) if cls_name else arg.arg

    positional = [(a, "POSITIONAL_ONLY") for a in args.posonlyargs]
    positional += [(a, "POSITIONAL_OR_KEYWORD") for a in args.args]
    first_default = len(positional) - len(args.defaults)
    out: Params = [[name(a), kind, i >= first_default] for i, (a, kind) in enumerate(positional)]
    if args.vararg:
        out.append([name(args.vararg), "VAR_POSITIONAL", False])
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append([name(arg), "KEYWORD_ONLY", default is not None])
    if args.kwarg:
        out.append([name(args.kwarg), "VAR_KEYWORD", False])
    return out


class SurfaceReader:
    """Builds the surface of chosen modules of a SourceIndex."""

    def __init__(self, index: SourceIndex) -> None:
        """Read from ``index``; MROs are computed on demand and cached."""
        self.index = index
        self._mro: dict[ClassKey, list[ClassKey | str]] = {}

    # -- classes -----------------------------------------------------------------------------
    def _class_node(self, key: ClassKey) -> ast.ClassDef:
        node = self.index.modules[key[0]].bindings[key[1]].node
        assert isinstance(node, ast.ClassDef)
        return node

    def _bases(self, key: ClassKey) -> list[ClassKey | str]:
        out: list[ClassKey | str] = []
        for expr in self._class_node(key).bases:
            target = self.index.resolve(key[0], expr)
            if isinstance(target, External):
                if target.path not in ("builtins.object", "typing.Generic"):
                    out.append(target.path)
            elif target.kind == "class":
                out.append((target.module, target.name))
            else:
                raise UnsupportedSource(f"{key}: base {ast.unparse(expr)} is not a class")
        return out

    def mro(self, key: ClassKey) -> list[ClassKey | str]:
        """C3 linearisation; classes outside the package count as bases with no ancestors."""
        if key not in self._mro:
            seqs = [self.mro(b) if isinstance(b, tuple) else [b] for b in self._bases(key)]
            seqs.append(list(self._bases(key)))
            result: list[ClassKey | str] = [key]
            while any(seqs):
                seqs = [s for s in seqs if s]
                head = next(
                    (s[0] for s in seqs if not any(s[0] in t[1:] for t in seqs)),
                    None,
                )
                if head is None:
                    raise UnsupportedSource(f"{key}: inconsistent method resolution order")
                result.append(head)
                seqs = [s[1:] if s[0] == head else s for s in seqs]
            self._mro[key] = result
        return self._mro[key]

    def _package_mro(self, key: ClassKey) -> list[ClassKey]:
        return [k for k in self.mro(key) if isinstance(k, tuple)]

    def _flavour(self, key: ClassKey) -> str:
        externals = {k for k in self.mro(key) if isinstance(k, str)}
        if externals & RECORD_BASES:
            return "record"
        if externals & ENUM_BASES:
            return "enum"
        if externals & NAMEDTUPLE_BASES:
            return "namedtuple"
        return "plain"

    def _own_members(self, key: ClassKey) -> dict[str, dict[str, Any]]:
        node, out = self._class_node(key), {}
        for stmt in node.body:
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            name = _mangle(node.name, stmt.name)
            if (name.startswith("__") and name != "__init__") or name in SKIP_METHODS:
                continue
            kind = "method"
            for deco in stmt.decorator_list:
                path = self._decorator_path(key[0], deco)
                if path in TRANSPARENT_DECORATORS or path in (
                    "builtins.staticmethod",
                    "builtins.classmethod",
                ):
                    continue
                if path == "builtins.property" or path.endswith((".setter", ".getter", ".deleter")):
                    kind = "property"
                elif path in INVISIBLE_DECORATORS:
                    kind = "invisible"
                else:
                    raise UnsupportedSource(f"{key[0]}.{node.name}.{name}: decorator {path}")
            if kind == "method":
                out[name] = {"kind": "method", "params": signature_of(stmt, node.name)}
            elif kind == "property":
                out[name] = {"kind": "property"}
        return out

    def _decorator_path(self, module: str, deco: ast.expr) -> str:
        if isinstance(deco, ast.Attribute) and deco.attr in ("setter", "getter", "deleter"):
            return f"property.{deco.attr}"
        target = self.index.resolve(module, deco.func if isinstance(deco, ast.Call) else deco)
        return target.path if isinstance(target, External) else f"{target.module}.{target.name}"

    def _annotations(self, key: ClassKey) -> list[tuple[str, bool]]:
        out = []
        for stmt in self._class_node(key).body:
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and "ClassVar" not in ast.unparse(stmt.annotation)
            ):
                out.append((stmt.target.id, stmt.value is not None))
        return out

    def _binds_value(self, key: ClassKey, name: str) -> bool:
        for stmt in self._class_node(key).body:
            if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets: list[ast.expr] = [stmt.target]
            elif isinstance(stmt, ast.Assign):
                targets = stmt.targets
            else:
                continue
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
        return False

    def record_fields(self, key: ClassKey) -> list[tuple[str, bool]]:
        """Record fields in order (bases first, a redeclared field keeps its place), with defaults."""
        mro = self._package_mro(key)
        order: dict[str, None] = {}
        for klass in reversed(mro):
            for name, _ in self._annotations(klass):
                order.setdefault(name, None)
        return [(n, any(self._binds_value(k, n) for k in mro)) for n in order]

    def _enum_members(self, key: ClassKey) -> list[list[Any]]:
        out = []
        for stmt in self._class_node(key).body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Name) and not target.id.startswith("_"):
                    try:
                        value = ast.literal_eval(stmt.value)
                    except ValueError as exc:
                        raise UnsupportedSource(
                            f"{key}.{target.id}: non-literal enum value"
                        ) from exc
                    out.append([target.id, value])
        return out

    def class_entry(self, key: ClassKey) -> dict[str, Any]:
        """The class's recorded surface: bases, members, fields, enum members."""
        mro, flavour = self._package_mro(key), self._flavour(key)
        members: dict[str, dict[str, Any]] = {}
        for klass in reversed(mro):
            members.update(self._own_members(klass))
        fields = None
        if flavour == "record":
            if any(m == "__init__" for k in mro for m in self._own_members(k)):
                raise UnsupportedSource(f"{key}: a faust record with a hand-written __init__")
            declared = self.record_fields(key)
            fields = [name for name, _ in declared]
            init = [["self", "POSITIONAL_OR_KEYWORD", False]]
            init += [[n, "POSITIONAL_OR_KEYWORD", d] for n, d in declared] + RECORD_TAIL
            members["__init__"] = {"kind": "method", "params": init}
            members["asdict"] = {
                "kind": "method",
                "params": [["self", "POSITIONAL_OR_KEYWORD", False]],
            }
        elif flavour == "namedtuple":
            fields = [name for name, _ in self._annotations(key)]
        entry: dict[str, Any] = {
            "kind": "class",
            "bases": [k[1] for k in mro[1:]],
            "members": members,
            "fields": fields,
        }
        if flavour == "enum":
            entry["enum_members"] = self._enum_members(key)
        return entry

    # -- module level ------------------------------------------------------------------------
    def _value_type(self, module: str, node: ast.AST | None) -> type | None:
        if isinstance(node, ast.Constant):
            return type(node.value) if node.value is not None else type(None)
        if isinstance(node, ast.List | ast.ListComp):
            return list
        if isinstance(node, ast.Dict | ast.DictComp):
            return dict
        if isinstance(node, ast.Tuple):
            return tuple
        if isinstance(node, ast.Set | ast.SetComp):
            return set
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            builtin = {"dict": dict, "list": list, "tuple": tuple, "set": set, "str": str}
            if node.func.id in builtin and node.func.id not in self.index.modules[module].bindings:
                return builtin[node.func.id]
        if isinstance(node, ast.Name):
            target = self.index.lookup(module, node.id)
            if isinstance(target, Binding) and target.kind == "assign":
                return self._value_type(target.module, target.node)
        if isinstance(node, ast.JoinedStr):
            return str
        if isinstance(node, ast.UnaryOp):
            return self._value_type(module, node.operand)
        if isinstance(node, ast.BinOp):
            left = self._value_type(module, node.left)
            right = self._value_type(module, node.right)
            if left in (int, float) and right in (int, float):
                return float if float in (left, right) else int
            if left is right:
                return left
        raise UnsupportedSource(
            f"{module}: cannot tell the type of {ast.unparse(node) if node else node!r}"
        )

    def _is_value(self, binding: Binding) -> bool:
        node = binding.node
        if binding.kind != "assign":
            return False
        if isinstance(node, ast.Call):
            target = self.index.resolve(binding.module, node.func)
            if isinstance(target, External) and target.path == "typing.TypeVar":
                return True
        if binding.name == "TaskLookupKey":
            return True  # a typing alias that a dynamic dump records by name
        if not binding.name.isupper():
            return False
        return issubclass(self._value_type(binding.module, node) or type(None), VALUE_TYPES)

    def module_entries(self, module: str) -> dict[str, dict[str, Any]]:
        """Every public class, function and constant visible at the top of ``module``."""
        entries: dict[str, dict[str, Any]] = {}
        for name in self.index.modules[module].bindings:
            if name.startswith("_"):
                continue
            target = self.index.lookup(module, name)
            if isinstance(target, External):
                if name.isupper() and target.path not in EXTERNAL_CLASSES:
                    raise UnsupportedSource(
                        f"{module}.{name}: unknown upper-case import {target.path}"
                    )
                continue
            here = target.module == module
            if target.kind == "class" and here:
                entries[name] = self.class_entry((module, name))
            elif target.kind == "function" and here:
                node = target.node
                assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                if node.decorator_list:
                    raise UnsupportedSource(f"{module}.{name}: decorated module-level function")
                entries[name] = {"kind": "function", "params": signature_of(node, None)}
            elif self._is_value(target):
                entries[name] = {"kind": "value"}
        return entries
