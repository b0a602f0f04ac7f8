"""Compare the statically recorded snapshot with a dynamic dump made by api_manifest.py.

The dynamic dump (``api_manifest.py dump``, run where wf-dagger 0.2.6 imports) and our static
snapshot must agree on every entry both cover: the same modules, names and kinds, the same
parameters (name, kind, has-default, order) for every function and member, the same bases and
the same record fields. The only accepted differences are the documented limits of a static
read (see tools/_static_surface.py):

- members the dump lists but the snapshot does not, when they are private members that faust,
  NamedTuple or Enum generate (LIBRARY_GENERATED);
- NamedTuple field order, which the snapshot records and the dump does not (it reads fields
  only from faust's ``_options``).
"""

from __future__ import annotations

from typing import Any

from tools._static_surface import LIBRARY_GENERATED


def _class_disagreements(where: str, mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    out = []
    if mine.get("bases") != theirs.get("bases"):
        out.append(f"{where}: bases {mine.get('bases')} != {theirs.get('bases')}")
    their_fields = theirs.get("fields")
    their_members = theirs.get("members") or {}
    if their_fields is not None or mine.get("fields") is not None:
        namedtuple_only_here = their_fields is None and "_asdict" in their_members
        if mine.get("fields") != their_fields and not namedtuple_only_here:
            out.append(f"{where}: fields {mine.get('fields')} != {their_fields}")
    my_members = mine.get("members") or {}
    for name in sorted(set(my_members) | set(their_members)):
        if name not in their_members:
            out.append(f"{where}.{name}: in the snapshot only")
        elif name not in my_members:
            if name not in LIBRARY_GENERATED:
                out.append(f"{where}.{name}: in the manifest only")
        elif my_members[name] != their_members[name]:
            out.append(f"{where}.{name}: {my_members[name]} != {their_members[name]}")
    return out


def disagreements(
    snapshot: dict[str, dict[str, Any]], manifest: dict[str, dict[str, Any]]
) -> tuple[list[str], int]:
    """Every difference between the snapshot's modules and the manifest, and how many entries were compared."""
    out: list[str] = []
    compared = 0
    for modname in sorted(set(snapshot) | set(manifest)):
        if modname not in manifest or modname not in snapshot:
            side = "snapshot" if modname in snapshot else "manifest"
            out.append(f"module {modname}: in the {side} only")
            continue
        mine, theirs = snapshot[modname], manifest[modname]
        for name in sorted(set(mine) | set(theirs)):
            where = f"{modname}.{name}"
            if name not in theirs or name not in mine:
                out.append(f"{where}: in the {'snapshot' if name in mine else 'manifest'} only")
                continue
            compared += 1
            a, b = mine[name], theirs[name]
            if a["kind"] != b["kind"]:
                out.append(f"{where}: kind {a['kind']} != {b['kind']}")
            elif a["kind"] == "function" and a["params"] != b["params"]:
                out.append(f"{where}: params {a['params']} != {b['params']}")
            elif a["kind"] == "class":
                out.extend(_class_disagreements(where, a, b))
    return out, compared
