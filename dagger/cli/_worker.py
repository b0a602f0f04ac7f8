"""``dagger worker MODULE[:ATTR]``: import the user's module and run its engine as a worker."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from types import ModuleType
from typing import Any, NoReturn

from dagger.cli._errors import EXIT_USAGE, CliError


def _import(module_name: str) -> ModuleType:
    # A console script's sys.path starts with the script's directory, not the working
    # directory (as ``python -m`` would): put it first so the user's modules are found.
    here = os.getcwd()
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(f"{missing}.")):
            raise CliError(
                f"no module named {module_name!r} (run dagger worker from the directory that "
                "holds it, or add that directory to PYTHONPATH)"
            ) from None
        traceback.print_exc()
        raise CliError(f"importing {module_name} failed: {exc}") from None
    except Exception as exc:  # the user's module failed: its traceback helps, then one line
        traceback.print_exc()
        raise CliError(f"importing {module_name} failed: {type(exc).__name__}: {exc}") from None


def find_engine(target: str, engine_type: type) -> Any:
    """The ``engine_type`` instance ``MODULE[:ATTR]`` names: the attribute ``ATTR`` (dotted
    names allowed), or else the one instance among the module's attributes."""
    module_name, _, attr = target.partition(":")
    if not module_name or (":" in target and not attr):
        raise CliError(f"{target!r} is not MODULE or MODULE:ATTR", EXIT_USAGE)
    module = _import(module_name)
    if attr:
        found: Any = module
        for part in attr.split("."):
            try:
                found = getattr(found, part)
            except AttributeError:
                raise CliError(f"module {module_name} has no attribute {attr!r}") from None
        if not isinstance(found, engine_type):
            raise CliError(
                f"{target} is not a {engine_type.__name__} instance "
                f"(its type is {type(found).__name__})"
            )
        return found
    engines: dict[int, list[str]] = {}
    for name, value in vars(module).items():
        if isinstance(value, engine_type):
            engines.setdefault(id(value), []).append(name)
    if not engines:
        raise CliError(
            f"module {module_name} has no {engine_type.__name__} instance "
            f"(name the engine: dagger worker {module_name}:ATTR)"
        )
    if len(engines) > 1:
        listed = ", ".join(sorted(names[0] for names in engines.values()))
        raise CliError(
            f"module {module_name} has several {engine_type.__name__} instances ({listed}); "
            f"name one: dagger worker {module_name}:ATTR"
        )
    (names,) = engines.values()
    return getattr(module, names[0])


def run(target: str, *, loglevel: str, web_port: int | None) -> NoReturn:
    """Import ``target``'s engine, apply the overrides and run it until stopped."""
    # Imported here: the engine pulls in faust, which the other commands do without.
    from dagger.runtime._worker import run_worker
    from dagger.service._engine import Dagger

    engine = find_engine(target, Dagger)
    if web_port is not None:
        # faust's web server reads the port from the app's settings when it starts.
        engine.faust_app.conf.web_port = web_port
    run_worker(engine, ["--loglevel", loglevel], override_logging=False)
