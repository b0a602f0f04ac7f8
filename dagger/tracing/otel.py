"""Whether the engine traces with OpenTelemetry, without importing it when it is absent.

The service calls :func:`otel_observer` once per engine: with the ``otel`` extra installed
(``pip install 'wf-dagger[otel]'``) it returns the tracing observer of
``dagger.tracing._otel``, else ``None`` and nothing of OpenTelemetry is imported.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from dagger.core.observe import Observer


def otel_available() -> bool:
    """Whether the OpenTelemetry API is installed."""
    try:
        return importlib.util.find_spec("opentelemetry.trace") is not None
    except ModuleNotFoundError:  # the ``opentelemetry`` namespace itself is missing
        return False


def otel_observer(tracer_provider: Any = None) -> Observer | None:
    """The OpenTelemetry tracing observer (spans to ``tracer_provider``, else the global
    provider), or ``None`` when OpenTelemetry is not installed."""
    if not otel_available():
        return None
    from dagger.tracing._otel import OtelTracing

    return OtelTracing(tracer_provider)
