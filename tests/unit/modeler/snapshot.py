"""A structural snapshot of a template graph, to prove creating instances leaves it alone."""

from __future__ import annotations

from typing import Any


def snapshot(obj: Any) -> Any:
    """Nested plain data describing ``obj``: template objects by identity and attributes."""
    if isinstance(obj, (list, tuple, set)):
        return [snapshot(item) for item in obj]
    if isinstance(obj, dict):
        return {key: snapshot(value) for key, value in obj.items()}
    if isinstance(obj, type):
        return f"class {obj.__module__}.{obj.__qualname__}"
    if type(obj).__module__.startswith("dagger.") and hasattr(obj, "__dict__"):
        attributes = {k: snapshot(v) for k, v in sorted(vars(obj).items()) if k != "app"}
        return (type(obj).__name__, id(obj), attributes)
    return repr(obj)
