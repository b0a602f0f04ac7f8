"""`dagger` keeps wf-dagger 0.2.6's public names and signatures, checked against our own record.

tests/api/wf_dagger_0_2_6_surface.json is written by ``python tools/api_snapshot.py record``
from the 0.2.6 wheel. These tests run the same check as ``python tools/api_snapshot.py check``,
show the check catches what it should, test the static reader on a small made-up package, and
compare the snapshot with the team's dynamic dump (../shared/tools) when that file is there.
"""

from __future__ import annotations

import copy
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from tools import api_snapshot
from tools._manifest_agreement import disagreements
from tools._source_index import SourceIndex, UnsupportedSource
from tools._static_surface import SurfaceReader
from tools._surface_check import check_surface, compatible
from tools.api_snapshot import SNAPSHOT, load_snapshot

ROOT = Path(__file__).resolve().parents[2]
SHARED_MANIFEST = ROOT.parent / "shared" / "tools" / "wf_dagger_0_2_6_api.json"
# The count docs/migration.md states: api_manifest.py's 690 items, plus the 2 NamedTuple field
# orders and 15 enum members that only our snapshot records.
EXPECTED_TOTAL = 707
POK, KW = "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY"


def test_dagger_matches_every_recorded_0_2_6_name_and_signature() -> None:
    report = check_surface(load_snapshot())
    assert not report.gaps, "API gaps against wf-dagger 0.2.6:\n" + "\n".join(report.gaps)
    assert (report.matched, report.total) == (EXPECTED_TOTAL, EXPECTED_TOTAL)


def test_migration_guide_states_the_count_the_check_prints() -> None:
    guide = (ROOT / "docs" / "migration.md").read_text()
    assert f"`{EXPECTED_TOTAL}/{EXPECTED_TOTAL} names and signatures match`" in guide
    assert "python tools/api_snapshot.py check" in guide


def test_check_reports_each_missing_name_and_changed_signature() -> None:
    modules = copy.deepcopy(load_snapshot())
    task = modules["dagger.tasks.task"]
    task["NoSuchTask"] = {"kind": "class", "bases": [], "fields": None, "members": {}}
    task["Trigger"]["fields"] = ["id", "trigger_time", "workflow_id"]
    task["TaskStatusEnum"]["enum_members"].append(["NO_SUCH_STATUS", "NO_SUCH_STATUS"])
    task["ITask"]["members"]["no_such_method"] = {"kind": "property"}
    submit = modules["dagger.service.services"]["Dagger"]["members"]["submit"]
    submit["params"].insert(1, ["workflow", POK, False])
    modules["dagger.no_such_module"] = {"X": {"kind": "value"}}

    report = check_surface(modules)

    # Two recorded items changed (Trigger's fields, Dagger.submit) and four were added.
    assert (report.matched, report.total) == (EXPECTED_TOTAL - 2, EXPECTED_TOTAL + 4)
    expected = [
        "dagger.tasks.task.NoSuchTask: missing",
        "dagger.tasks.task.Trigger: fields ['trigger_time', 'id', 'workflow_id'] do not start",
        "dagger.tasks.task.TaskStatusEnum.NO_SUCH_STATUS: enum member missing",
        "dagger.tasks.task.ITask.no_such_method: missing",
        "dagger.service.services.Dagger.submit: signature",
        "module dagger.no_such_module: cannot import (ModuleNotFoundError",
    ]
    for start in expected:
        assert any(gap.startswith(start) for gap in report.gaps), (start, report.gaps)
    assert len(report.gaps) == len(expected)


def test_check_command_lists_the_gap_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(SNAPSHOT.read_text())
    data["modules"]["dagger.utils.utils"]["no_such_helper"] = {"kind": "function", "params": []}
    snapshot = tmp_path / "surface.json"
    snapshot.write_text(json.dumps(data))

    assert api_snapshot.main(["check", "--snapshot", str(snapshot)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "dagger.utils.utils.no_such_helper: missing"
    assert lines[-1].startswith(
        f"API compatibility with wf-dagger 0.2.6: {EXPECTED_TOTAL}/{EXPECTED_TOTAL + 1} "
    )


def test_every_checked_member_of_a_missing_class_is_counted_as_unmatched() -> None:
    modules = {"dagger.tasks.task": {"Ghost": {"kind": "class", "fields": ["a", "b"], "members": {
        "run": {"kind": "method", "params": [["self", POK, False]]},
        "_private": {"kind": "method", "params": []},
        "_update_instance": {"kind": "method", "params": []},
    }}}}  # fmt: skip
    report = check_surface(modules)
    assert (report.matched, report.total) == (0, 4)  # the class, its fields, run, _update_instance


@pytest.mark.parametrize(
    ("got", "ok"),
    [
        ([["self", POK, False], ["a", POK, False], ["b", KW, True]], True),
        ([["self", POK, False], ["a", POK, False], ["b", POK, True], ["c", KW, True]], True),
        ([["self", POK, False], ["a", POK, False], ["b", KW, True], ["c", KW, False]], False),
        ([["self", POK, False], ["b", POK, True], ["a", POK, False]], False),
        ([["self", POK, False], ["a", KW, False], ["b", KW, True]], False),
        ([["self", POK, False], ["a", POK, False], ["kw", "VAR_KEYWORD", False]], True),
        ([["self", POK, False], ["a", POK, False]], False),
        ([["args", "VAR_POSITIONAL", False], ["kwargs", "VAR_KEYWORD", False]], True),
    ],
)
def test_a_signature_is_compatible_when_every_old_call_still_binds(
    got: list[list[Any]], ok: bool
) -> None:
    want = [["self", POK, False], ["a", POK, False], ["b", KW, True]]
    assert compatible(want, got) is ok


FAKE_PACKAGE = {
    "pkg": "",
    "pkg.base": """
from enum import Enum
from typing import NamedTuple, TypeVar
import faust
KT = TypeVar("KT")
LIMITS = {"a": 1}
class Status(Enum):
    ON = "on"
    OFF = "off"
class Base(faust.Record):
    id: str
    kind: str = "leaf"
    def run(self, params, *, strict=False, **extra): ...
class Config(NamedTuple):
    HOST: str
    PORT: int
""",
    "pkg.mod": """
import typing
from functools import cached_property
from .base import KT, LIMITS, Base
if typing.TYPE_CHECKING:
    from elsewhere import Compression
else:
    class Compression:
        lz4 = "lz4"
class Mixin:
    def __hidden(self, __x): ...
    @property
    def size(self): ...
class Child(Base, Mixin):
    extra: int = 0
    kind: str = "child"
    @cached_property
    def tracer(self): ...
    @staticmethod
    def make(seed, /, n=1): ...
async def helper(a, b=2): ...
""",
}


def test_static_reader_records_inherited_members_fields_and_constants() -> None:
    reader = SurfaceReader(SourceIndex(FAKE_PACKAGE, "pkg"))
    base, mod = reader.module_entries("pkg.base"), reader.module_entries("pkg.mod")

    assert sorted(base) == ["Base", "Config", "KT", "LIMITS", "Status"]
    assert base["Status"]["enum_members"] == [["ON", "on"], ["OFF", "off"]]
    assert base["Config"]["fields"] == ["HOST", "PORT"]
    assert sorted(mod) == ["Child", "Compression", "KT", "LIMITS", "Mixin", "helper"]
    child = mod["Child"]
    assert child["bases"] == ["Base", "Mixin"]
    assert child["fields"] == ["id", "kind", "extra"]  # a redeclared field keeps its place
    assert sorted(child["members"]) == [
        "_Mixin__hidden",
        "__init__",
        "asdict",
        "make",
        "run",
        "size",
    ]
    assert child["members"]["__init__"]["params"] == [
        ["self", POK, False], ["id", POK, False], ["kind", POK, True], ["extra", POK, True],
        ["__strict__", KW, True], ["__faust", KW, True], ["kwargs", "VAR_KEYWORD", False],
    ]  # fmt: skip
    assert child["members"]["_Mixin__hidden"]["params"] == [
        ["self", POK, False],
        ["_Mixin__x", POK, False],
    ]
    assert child["members"]["make"]["params"] == [
        ["seed", "POSITIONAL_ONLY", False],
        ["n", POK, True],
    ]
    assert child["members"]["run"]["params"] == [
        ["self", POK, False], ["params", POK, False], ["strict", KW, True], ["extra", "VAR_KEYWORD", False],
    ]  # fmt: skip
    assert child["members"]["size"] == {"kind": "property"}
    assert mod["helper"] == {"kind": "function", "params": [["a", POK, False], ["b", POK, True]]}


@pytest.mark.parametrize(
    "source",
    [
        "import os\nif os.environ:\n    X = 1\n",
        "class A:\n    @some_decorator\n    def f(self): ...\n",
        "from elsewhere import MAX_SIZE\n",
        "LIMIT = compute()\n",
    ],
)
def test_static_reader_refuses_what_it_cannot_read_instead_of_guessing(source: str) -> None:
    with pytest.raises(UnsupportedSource):
        SurfaceReader(SourceIndex({"pkg": "", "pkg.m": source}, "pkg")).module_entries("pkg.m")


def test_snapshot_is_names_and_signatures_only() -> None:
    data = json.loads(SNAPSHOT.read_text())
    assert data["source"]["version"] == "0.2.6"
    identifier = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
    strings: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                strings.append(key)
                if key != "enum_members":  # enum values are data users compare against
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            strings.append(node)

    walk(data["modules"])
    assert [s for s in strings if not identifier.match(s) and "." not in s] == []


if SHARED_MANIFEST.exists() or os.environ.get("CI") == "true":

    def test_snapshot_agrees_with_the_teams_dynamic_manifest() -> None:
        assert SHARED_MANIFEST.exists(), (
            f"CI=true but {SHARED_MANIFEST} is missing: CI must have ../shared beside the clone"
        )
        manifest = json.loads(SHARED_MANIFEST.read_text())
        found, compared = disagreements(load_snapshot(), manifest)
        assert not found, "snapshot and api_manifest dump disagree:\n" + "\n".join(found)
        assert compared == sum(len(entries) for entries in manifest.values())

else:
    warnings.warn(
        f"{SHARED_MANIFEST} not found: the snapshot's agreement with the team's dynamic "
        "manifest is NOT checked in this run (it is in CI)",
        stacklevel=1,
    )
