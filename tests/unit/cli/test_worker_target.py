"""``dagger worker MODULE[:ATTR]``: finding the engine in the user's module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dagger.cli._errors import EXIT_USAGE, CliError
from dagger.cli._worker import find_engine


class Engine:
    """Stands in for ``Dagger`` (the lookup only checks the type)."""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory (not on sys.path) whose modules are removed afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def module(where: Path, name: str, body: str) -> None:
    (where / f"{name}.py").write_text(
        f"from tests.unit.cli.test_worker_target import Engine\n{body}\n"
    )


def failure(target: str) -> CliError:
    with pytest.raises(CliError) as caught:
        find_engine(target, Engine)
    return caught.value


def test_the_one_engine_of_a_module_in_the_working_directory(workdir: Path) -> None:
    module(workdir, "app_one", "engine = Engine()\nalias = engine\nother = 3")
    found: Any = find_engine("app_one", Engine)
    assert found is sys.modules["app_one"].engine  # found though the cwd was not on sys.path


def test_an_attribute_names_the_engine(workdir: Path) -> None:
    module(
        workdir, "app_two", "class Box:\n    inner = Engine()\nfirst = Engine()\nsecond = Engine()"
    )
    assert find_engine("app_two:second", Engine) is sys.modules["app_two"].second
    assert find_engine("app_two:Box.inner", Engine) is sys.modules["app_two"].Box.inner
    error = failure("app_two")
    assert error.message == (
        "module app_two has several Engine instances (first, second); "
        "name one: dagger worker app_two:ATTR"
    )


def test_a_module_without_an_engine(workdir: Path) -> None:
    module(workdir, "app_none", "x = 1")
    assert failure("app_none").message == (
        "module app_none has no Engine instance (name the engine: dagger worker app_none:ATTR)"
    )
    assert failure("app_none:x").message == "app_none:x is not a Engine instance (its type is int)"
    assert failure("app_none:y").message == "module app_none has no attribute 'y'"


def test_bad_targets_and_missing_modules(workdir: Path) -> None:
    assert failure("app_none:").exit_code == EXIT_USAGE
    assert failure("no_such_module").message.startswith("no module named 'no_such_module'")


def test_a_module_that_fails_to_import_shows_its_traceback_then_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module(workdir, "app_broken", "import no_such_dependency")
    assert failure("app_broken").message == (
        "importing app_broken failed: No module named 'no_such_dependency'"
    )
    assert "Traceback" in capsys.readouterr().err
    module(workdir, "app_raises", "raise RuntimeError('bad config')")
    assert failure("app_raises").message == (
        "importing app_raises failed: RuntimeError: bad config"
    )
