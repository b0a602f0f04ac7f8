"""Module-level name resolution over a package's parsed source, without importing it.

The surface reader (tools/_static_surface.py) needs to know what a name in a class's bases, a
decorator or an import refers to. This module indexes every module's top-level bindings as
Python would leave them after running the module, and resolves names and dotted expressions
either to a class/binding inside the package or to an `External` dotted name outside it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


class UnsupportedSource(Exception):
    """The source uses a construct the static reader cannot interpret safely.

    Raised instead of guessing, so a recorded snapshot never silently omits or invents names.
    """


@dataclass(frozen=True)
class External:
    """Something defined outside the package, by dotted path (``"faust.Record"``)."""

    path: str


@dataclass(frozen=True)
class Binding:
    """One top-level name of a module: what statement bound it and the node it bound."""

    module: str
    name: str
    kind: str  # "class" | "function" | "assign" | "from" | "module"
    node: ast.AST | None = None
    target: str = ""  # "from": "pkg.mod:name"; "module": the module's dotted path


@dataclass
class ModuleIndex:
    """Top-level bindings of one module, in the order they end up after import."""

    name: str
    tree: ast.Module
    bindings: dict[str, Binding] = field(default_factory=dict)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


class SourceIndex:
    """Every module of one package, indexed by dotted name, with name resolution."""

    def __init__(self, sources: dict[str, str], package: str) -> None:
        """Index ``sources`` (dotted module name -> source text) of ``package``."""
        self.package = package
        self.modules: dict[str, ModuleIndex] = {}
        packages = {name.rsplit(".", 1)[0] for name in sources if "." in name}
        for name, text in sources.items():
            index = ModuleIndex(name, ast.parse(text, filename=name))
            self._bind_block(index, index.tree.body, name in packages)
            self.modules[name] = index

    def in_package(self, dotted: str) -> bool:
        """Whether a dotted module path belongs to the indexed package."""
        return dotted == self.package or dotted.startswith(self.package + ".")

    def _bind_block(self, index: ModuleIndex, body: list[ast.stmt], is_package: bool) -> None:
        for stmt in body:
            self._bind(index, stmt, is_package)

    def _bind(self, index: ModuleIndex, stmt: ast.stmt, is_package: bool) -> None:
        mod, binds = index.name, index.bindings
        if isinstance(stmt, ast.ClassDef):
            binds[stmt.name] = Binding(mod, stmt.name, "class", stmt)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            binds[stmt.name] = Binding(mod, stmt.name, "function", stmt)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if isinstance(stmt, ast.AnnAssign) and stmt.value is None:
                return  # a bare annotation binds nothing at run time
            for target in targets:
                if isinstance(target, ast.Name):
                    binds[target.id] = Binding(mod, target.id, "assign", stmt.value)
        elif isinstance(stmt, ast.ImportFrom):
            source = _absolute(mod, is_package, stmt.level, stmt.module)
            for alias in stmt.names:
                if alias.name == "*":
                    raise UnsupportedSource(f"{mod}: star import from {source}")
                name = alias.asname or alias.name
                binds[name] = Binding(mod, name, "from", stmt, f"{source}:{alias.name}")
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                name = alias.asname or alias.name.split(".")[0]
                path = alias.name if alias.asname else name
                binds[name] = Binding(mod, name, "module", stmt, path)
        elif isinstance(stmt, ast.Try):
            # The handlers run only when the try body fails (0.2.6: an optional `rocksdb`
            # import); the surface is the one of a normal import.
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                self._bind_block(index, block, is_package)
        elif isinstance(stmt, ast.If):
            if not _is_type_checking(stmt.test):
                raise UnsupportedSource(
                    f"{mod}:{stmt.lineno}: module-level `if` on a run-time condition"
                )
            self._bind_block(index, stmt.orelse, is_package)  # TYPE_CHECKING is False at run time
        elif isinstance(stmt, ast.Expr | ast.Pass | ast.Assert | ast.Delete):
            if isinstance(stmt, ast.Delete):
                raise UnsupportedSource(f"{mod}:{stmt.lineno}: module-level `del`")
        else:
            raise UnsupportedSource(f"{mod}:{stmt.lineno}: module-level {type(stmt).__name__}")

    def lookup(self, module: str, name: str) -> Binding | External:
        """What ``name`` means at the top level of ``module`` (following package imports)."""
        index = self.modules.get(module)
        if index is None:
            return External(f"{module}.{name}")
        binding = index.bindings.get(name)
        if binding is None:
            if f"{module}.{name}" in self.modules:
                return Binding(module, name, "module", None, f"{module}.{name}")
            return External(f"builtins.{name}")
        if binding.kind == "from":
            source, original = binding.target.split(":")
            if self.in_package(source):
                return self.lookup(source, original)
            return External(f"{source}.{original}")
        if binding.kind == "module" and not self.in_package(binding.target):
            return External(binding.target)
        return binding

    def resolve(self, module: str, expr: ast.expr) -> Binding | External:
        """Resolve a name, dotted attribute or subscripted generic (``ITask[KT, VT]``)."""
        if isinstance(expr, ast.Subscript):
            return self.resolve(module, expr.value)
        if isinstance(expr, ast.Name):
            return self.lookup(module, expr.id)
        if isinstance(expr, ast.Attribute):
            owner = self.resolve(module, expr.value)
            if isinstance(owner, External):
                return External(f"{owner.path}.{expr.attr}")
            if owner.kind == "module":
                if self.in_package(owner.target) and owner.target in self.modules:
                    return self.lookup(owner.target, expr.attr)
                return External(f"{owner.target}.{expr.attr}")
        raise UnsupportedSource(f"{module}: cannot resolve expression {ast.unparse(expr)}")
