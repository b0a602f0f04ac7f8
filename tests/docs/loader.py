"""Load the documentation's runnable examples (docs/examples/*.py) as modules.

The examples import their harness as ``_support`` (they run as scripts from that folder),
so the folder goes on ``sys.path``; each example is loaded under a ``docs_example_`` name so
it cannot shadow another module.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"

if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


def example_names() -> list[str]:
    """Every runnable example (the harness ``_support`` excluded)."""
    return sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_"))


def load_example(name: str) -> ModuleType:
    """Import ``docs/examples/<name>.py`` afresh."""
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_example_{name}", path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def run_example(name: str) -> Any:
    """Load ``docs/examples/<name>.py`` and return what its ``main()`` returns."""
    return await load_example(name).main()
