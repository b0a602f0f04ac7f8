"""Compare an importable package with a recorded API snapshot.

The matching rule is the one of the team's api_manifest.py: a name matches when it exists; a
signature matches when every recorded parameter exists with the same name and kind (a recorded
keyword-only parameter may be positional-or-keyword now), positional ones in the same order,
and every extra parameter has a default (a ``*args, **kwargs`` pass-through accepts anything);
record fields match when the current fields start with the recorded ones, in order. Private
members are compared only when user code is known to reach for them (PRIVATE_KEPT). Enum
members (beyond api_manifest.py) must exist with the recorded value.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Params = list[list[Any]]

# Underscore members that user code reaches for in practice; every other private member is free.
PRIVATE_KEPT = frozenset({"__init__", "_update_instance", "_store_root_template_instance"})
PASS_THROUGH = {"VAR_POSITIONAL", "VAR_KEYWORD"}


@dataclass
class Report:
    """Outcome of a check: how many recorded items matched, and one line per gap."""

    matched: int = 0
    total: int = 0
    gaps: list[str] = field(default_factory=list)

    def count(self, ok: bool, gap: str) -> None:
        """Count one recorded item; remember ``gap`` when it does not match."""
        self.total += 1
        if ok:
            self.matched += 1
        else:
            self.gaps.append(gap)

    def summary(self) -> str:
        """The one-line result the check command prints last."""
        pct = 100.0 * self.matched / self.total if self.total else 0.0
        return (
            f"API compatibility with wf-dagger 0.2.6: {self.matched}/{self.total} "
            f"names and signatures match ({pct:.1f}%)"
        )


def params_of(fn: Any) -> Params | None:
    """[name, kind, has_default] for each parameter of ``fn``; None if it has no signature."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return [
        [p.name, p.kind.name, p.default is not inspect.Parameter.empty]
        for p in sig.parameters.values()
    ]


def compatible(want: Params | None, got: Params | None) -> bool:
    """Whether a callable with parameters ``got`` accepts every call ``want`` accepted."""
    if want is None:
        return True
    if got is None:
        return False
    kinds = {p[1] for p in got}
    if kinds >= PASS_THROUGH:
        return True
    by_name = {p[0]: p for p in got}
    for name, kind, _ in want:
        if kind in PASS_THROUGH:
            continue
        mine = by_name.get(name)
        if mine is None:
            if kind == "KEYWORD_ONLY" and "VAR_KEYWORD" in kinds:
                continue  # a **kwargs catch-all accepts keyword parameters
            return False
        if kind == "POSITIONAL_OR_KEYWORD" and mine[1] != "POSITIONAL_OR_KEYWORD":
            return False
        if kind == "KEYWORD_ONLY" and mine[1] not in ("KEYWORD_ONLY", "POSITIONAL_OR_KEYWORD"):
            return False
    want_pos = [p[0] for p in want if p[1] == "POSITIONAL_OR_KEYWORD"]
    got_pos = [p[0] for p in got if p[1] == "POSITIONAL_OR_KEYWORD"]
    if got_pos[: len(want_pos)] != want_pos:
        return False
    wanted = {p[0] for p in want}
    return all(
        p[0] in wanted or p[1] not in ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY") or p[2] for p in got
    )


def fields_of(cls: Any) -> list[str] | None:
    """Declared record fields in order, whatever the record library."""
    opts = getattr(cls, "_options", None)
    if opts is not None and getattr(opts, "fields", None):
        return list(opts.fields)
    for attr in ("__dataclass_fields__", "model_fields", "_fields"):
        if hasattr(cls, attr):
            return list(getattr(cls, attr))
    return None


def _checked_members(entry: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    members = entry.get("members") or {}
    return [
        (name, want)
        for name, want in sorted(members.items())
        if not name.startswith("_") or name in PRIVATE_KEPT
    ]


def _check_class(report: Report, where: str, cls: Any, want: dict[str, Any]) -> None:
    if want.get("fields"):
        got_fields = fields_of(cls) or []
        report.count(
            got_fields[: len(want["fields"])] == want["fields"],
            f"{where}: fields {got_fields} do not start with {want['fields']}",
        )
    for name, value in want.get("enum_members") or []:
        member = getattr(cls, name, None)
        report.count(
            member is not None and getattr(member, "value", object()) == value,
            f"{where}.{name}: enum member missing or its value is not {value!r}",
        )
    for name, mwant in _checked_members(want):
        attr = inspect.getattr_static(cls, name, None) if inspect.isclass(cls) else None
        if attr is None:
            report.count(False, f"{where}.{name}: missing")
            continue
        if mwant["kind"] != "method":
            report.count(True, "")
            continue
        raw = attr.__func__ if isinstance(attr, staticmethod | classmethod) else attr
        got = params_of(raw) if callable(raw) else None
        report.count(
            callable(raw) and compatible(mwant["params"], got),
            f"{where}.{name}: signature {got if callable(raw) else repr(raw)} != {mwant['params']}",
        )


def _size(entry: dict[str, Any]) -> int:
    return (
        1
        + bool(entry.get("fields"))
        + len(entry.get("enum_members") or [])
        + len(_checked_members(entry))
    )


def check_surface(
    modules: dict[str, dict[str, Any]],
    importer: Callable[[str], Any] = importlib.import_module,
) -> Report:
    """Check every recorded module entry against what ``importer`` returns for its module."""
    report = Report()
    for modname, entries in sorted(modules.items()):
        try:
            module = importer(modname)
        except Exception as exc:  # any import failure is a gap to report, not a crash
            report.total += sum(_size(e) for e in entries.values())
            report.gaps.append(f"module {modname}: cannot import ({type(exc).__name__}: {exc})")
            continue
        for name, want in sorted(entries.items()):
            where = f"{modname}.{name}"
            obj = getattr(module, name, None)
            if obj is None:
                report.total += _size(want)
                report.gaps.append(f"{where}: missing")
                continue
            if want["kind"] == "function":
                got = params_of(obj)
                report.count(
                    compatible(want["params"], got), f"{where}: signature {got} != {want['params']}"
                )
                continue
            report.count(True, "")
            if want["kind"] == "class":
                _check_class(report, where, obj, want)
    return report
