"""``TracingSensor``: OpenTracing spans for what a worker consumes and produces.

Pass it as ``Dagger(tracing_sensor=TracingSensor())``. It uses the global
``opentracing.tracer`` (install the ``tracing`` extra: ``pip install 'wf-dagger[tracing]'``).
The module imports without OpenTracing; using the sensor without it raises ``ImportError``.

Spans: ``consume-from-{topic}`` per message in (continuing the context found in the message
headers), ``job-{topic}`` per stream event, ``produce-to-{topic}`` per message sent (its
context injected into the outgoing headers).
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from faust.sensors import Sensor

try:  # pragma: no cover - depends on the optional extra
    import opentracing
    from opentracing.ext import tags as ot_tags
except ImportError:  # pragma: no cover
    opentracing = None
    ot_tags = None

logger = logging.getLogger("dagger.tracing")

INSTALL_HINT = "TracingSensor needs OpenTracing: pip install 'wf-dagger[tracing]'"


def _require() -> Any:
    if opentracing is None:
        raise ImportError(INSTALL_HINT)
    return opentracing


def _current_span() -> Any:
    try:
        from faust.utils.tracing import current_span

        return current_span()
    except Exception:  # pragma: no cover - faust internals moved
        return None


class TracingSensor(Sensor):
    """A faust sensor that records OpenTracing spans around messages and sends."""

    aiohttp_sessions: list[Any] | None = None

    @cached_property
    def app_tracer(self) -> Any:
        """The global OpenTracing tracer (for application spans)."""
        return _require().tracer

    @cached_property
    def kafka_tracer(self) -> Any:
        """The global OpenTracing tracer (for Kafka spans)."""
        return _require().tracer

    def trace_inject_headers(self, span: Any, headers: Any) -> None:
        """Inject the span's context into message headers (a dict or a list of pairs)."""
        try:
            carrier: dict[str, str] = {}
            self.kafka_tracer.inject(span.context, _require().Format.TEXT_MAP, carrier)
            if isinstance(headers, dict):
                headers.update({k: v.encode() for k, v in carrier.items()})
            elif isinstance(headers, list):
                headers.extend((k, v.encode()) for k, v in carrier.items())
        except Exception:
            logger.debug("could not inject the trace context", exc_info=True)

    def _extract(self, headers: Any) -> Any:
        try:
            items = headers.items() if isinstance(headers, dict) else (headers or [])
            carrier = {
                k: v.decode() if isinstance(v, (bytes, bytearray)) else str(v) for k, v in items
            }
            return self.kafka_tracer.extract(_require().Format.TEXT_MAP, carrier)
        except Exception:
            return None

    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        """Start ``consume-from-{topic}``, continuing the context in the message headers."""
        parent = self._extract(getattr(message, "headers", None))
        refs = [_require().follows_from(parent)] if parent is not None else None
        span = self.kafka_tracer.start_span(
            operation_name=f"consume-from-{tp.topic}", references=refs
        )
        span.set_tag("kafka-topic", tp.topic)
        span.set_tag("kafka-partition", tp.partition)
        span.set_tag("kafka-key", str(getattr(message, "key", None)))
        message.span = span

    def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> Any:
        """Start ``job-{topic}`` as a child of the consume span."""
        parent = getattr(event.message, "span", None)
        span = self.app_tracer.start_span(operation_name=f"job-{tp.topic}", child_of=parent)
        span.set_tag("stream-concurrency-index", getattr(stream, "concurrency_index", None))
        span.set_tag("stream-prefix", getattr(stream, "prefix", None))
        event.message.job_span = span
        return None

    def on_stream_event_out(
        self, tp: Any, offset: int, stream: Any, event: Any, state: Any = None
    ) -> None:
        """Finish the job span."""
        span = getattr(event.message, "job_span", None)
        if span is not None:
            span.finish()

    def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
        """Finish the consume span."""
        span = getattr(message, "span", None)
        if span is not None:
            span.finish()

    def on_send_initiated(
        self, producer: Any, topic: str, message: Any, keysize: int, valsize: int
    ) -> Any:
        """Start ``produce-to-{topic}`` and inject its context into the outgoing headers."""
        span = self.kafka_tracer.start_span(
            operation_name=f"produce-to-{topic}", child_of=_current_span()
        )
        headers = getattr(message, "headers", None)
        if headers is not None:
            self.trace_inject_headers(span, headers)
            span.set_tag("kafka-headers", str(headers))
        return {"span": span}

    def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
        """Tag the produce span with where the message went, and finish it."""
        span = state.get("span") if isinstance(state, dict) else None
        if span is None:
            return
        span.set_tag("kafka-topic", getattr(metadata, "topic", None))
        span.set_tag("kafka-partition", getattr(metadata, "partition", None))
        span.set_tag("kafka-offset", getattr(metadata, "offset", None))
        span.finish()

    def on_send_error(self, producer: Any, exc: BaseException, state: Any) -> None:
        """Mark the produce span as failed and log the error."""
        span = state.get("span") if isinstance(state, dict) else None
        logger.error("sending a message failed: %r", exc)
        if span is not None:
            span.set_tag(ot_tags.ERROR if ot_tags is not None else "error", True)
            span.log_kv({"event": "error", "error.object": exc})
            span.finish()

    def on_threaded_producer_buffer_processed(self, app: Any, size: int) -> None:
        """Nothing to trace for the threaded producer's buffer."""

    async def stop(self) -> None:
        """Close any HTTP sessions the sensor opened, then stop the sensor service."""
        for session in self.aiohttp_sessions or []:
            try:
                await session.close()
            except Exception:  # pragma: no cover
                logger.debug("closing an aiohttp session failed", exc_info=True)
        await super().stop()
