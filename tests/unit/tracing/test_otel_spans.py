"""OpenTelemetry spans of one pizza-shaped workflow, in process: the in-memory runtime, the
SDK's ``InMemorySpanExporter``, and the engine's real faust topic class building the command
messages (``CommandHeadersTopic``, what ``send`` uses), whose headers are recorded.

The workflow: process ``order`` (a command sending the order, then a listener waiting for
READY) and process ``delivery`` (a command sending the delivery); steps: the start, then the
READY message.
"""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from dagger.core.observe import Observer
from dagger.engine import operations
from dagger.runtime._headers import CommandHeadersTopic
from dagger.tasks.task import KafkaCommandTask
from dagger.testing import InMemoryRuntime
from dagger.tracing._otel import OtelTracing
from dagger.tracing.otel import otel_observer
from tests.support.offline_faust import offline_faust_app
from tests.unit.tasks.flows import Boom, Flow, OrderListener, make

SENT: list[tuple[str, dict[str, bytes]]] = []


def _topic(name: str) -> CommandHeadersTopic:
    app = offline_faust_app("otel")
    topic = app.topic(name)
    assert isinstance(topic, CommandHeadersTopic)
    return topic


class SendCommand(KafkaCommandTask[str, str]):
    """Builds its message as ``topic.send`` does and records the headers it would carry."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        message = _topic(str(self.topic)).as_future_message(key=b"k", value=b"v").message
        headers = message.headers
        assert headers is not None, "the topic sets the headers"
        SENT.append((str(self.task_name), dict(headers)))


@pytest.fixture
def exporter(runtime: InMemoryRuntime) -> InMemorySpanExporter:
    SENT.clear()
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    runtime.observer = OtelTracing(provider)
    return spans


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, f"{name}: {[s.name for s in spans]}"
    return found[0]


def _traceparent(span: ReadableSpan) -> bytes:
    ctx = span.get_span_context()
    assert ctx is not None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}".encode()


def _parent_of(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


async def test_the_spans_of_one_pizza_workflow(
    runtime: InMemoryRuntime, exporter: InMemorySpanExporter
) -> None:
    flow = Flow(order_id="o-1")
    order = make(SendCommand, "order_command", topic="orders")
    ready = make(OrderListener, "ready_listener", topic="ready")
    deliver = make(SendCommand, "delivery_command", topic="deliveries")
    flow.process("order", order, ready)
    flow.process("delivery", deliver)
    await operations.store_and_create(runtime, flow.submitted())

    first = exporter.get_finished_spans()
    start = _by_name(first, "dagger.store_and_create")
    assert start.parent is None
    assert start.attributes is not None
    assert start.attributes["dagger.workflow.id"] == str(flow.wf.id)
    command = _by_name(first, "dagger.task order_command")
    assert _parent_of(command) == start.context.span_id
    assert dict(command.attributes or {}) == {
        "dagger.task.id": str(order.id),
        "dagger.task.name": "order_command",
        "dagger.task.type": "SendCommand",
        "dagger.task.attempt": 1,
        "dagger.template": "wf",
        "dagger.workflow.id": str(flow.wf.id),
        "dagger.task.status": "COMPLETED",
    }
    # The order message carries the command span's context, next to its idempotency key.
    ((sent_by, headers),) = SENT
    assert sent_by == "order_command"
    assert headers["traceparent"] == _traceparent(command)
    assert headers["dagger-idempotency-key"] == f"{flow.wf.id}/{order.id}/1".encode()
    # The workflow and the order process ran their own execute: open while they run, ended
    # with the step (still EXECUTING). The listener ran no code yet: no span.
    workflow_span = _by_name(first, "dagger.task wf")
    assert (workflow_span.attributes or {})["dagger.task.status"] == "EXECUTING"
    assert {_parent_of(s) for s in first if s is not start} == {start.context.span_id}
    assert not [s for s in first if "ready_listener" in s.name]

    exporter.clear()
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 1
    second = exporter.get_finished_spans()
    step = _by_name(second, "dagger.deliver_listener_message")
    assert step.attributes is not None and step.attributes["dagger.topic"] == "ready"
    assert step.context.trace_id != start.context.trace_id  # a step of its own
    listener = _by_name(second, "dagger.task ready_listener")
    delivery = _by_name(second, "dagger.task delivery_command")
    for span in (listener, delivery):
        assert _parent_of(span) == step.context.span_id
        assert (span.attributes or {})["dagger.task.status"] == "COMPLETED"
    assert (listener.attributes or {})["dagger.task.type"] == "OrderListener"
    assert SENT[1] == ("delivery_command", SENT[1][1])
    assert SENT[1][1]["traceparent"] == _traceparent(delivery)
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"


async def test_an_exception_is_recorded_on_the_task_span(
    runtime: InMemoryRuntime, exporter: InMemorySpanExporter
) -> None:
    flow = Flow()
    flow.process("p", make(Boom, "boom"))
    await operations.store_and_create(runtime, flow.submitted())
    boom = _by_name(exporter.get_finished_spans(), "dagger.task boom")
    assert (boom.attributes or {})["dagger.task.status"] == "FAILURE"
    assert boom.status.status_code is StatusCode.ERROR
    (event,) = [e for e in boom.events if e.name == "exception"]
    assert (event.attributes or {})["exception.type"] == "ValueError"


async def test_nested_use_cases_make_one_step(
    runtime: InMemoryRuntime, exporter: InMemorySpanExporter
) -> None:
    flow = Flow(order_id="o-9")
    flow.process("p", make(SendCommand, "cmd", topic="orders"))
    # submit runs start_created, which runs store_and_create: one step, the outer one.
    await operations.submit(runtime, flow.wf, repartition=False)
    steps = [s for s in exporter.get_finished_spans() if s.parent is None]
    assert [s.name for s in steps] == ["dagger.submit"]


async def test_without_a_provider_nothing_is_traced(runtime: InMemoryRuntime) -> None:
    # The global provider is OpenTelemetry's default proxy: no spans, no headers.
    SENT.clear()
    observer = otel_observer()
    assert isinstance(observer, OtelTracing) and isinstance(observer, Observer)
    runtime.observer = observer
    flow = Flow()
    flow.process("p", make(SendCommand, "cmd", topic="orders"))
    await operations.store_and_create(runtime, flow.submitted())
    ((_, headers),) = SENT
    assert "traceparent" not in headers and "dagger-idempotency-key" in headers


def test_without_a_provider_the_global_one_is_looked_for_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Looking the global provider up reads os.environ: not on every task of every workflow.
    from opentelemetry import trace

    from dagger.tracing import _otel

    clock = [100.0]
    lookups: list[Any] = []
    provider: list[Any] = [trace.ProxyTracerProvider()]

    def global_provider() -> Any:
        lookups.append(1)
        return provider[0]

    monkeypatch.setattr(_otel, "_monotonic", lambda: clock[0])
    monkeypatch.setattr(trace, "get_tracer_provider", global_provider)
    observer = OtelTracing()
    lookups.clear()  # the tracer's own lookup when the observer was made
    assert all(observer._off() for _ in range(50))
    assert len(lookups) == 1

    clock[0] += 1.5  # a second later it looks again, and finds one installed since
    provider[0] = TracerProvider()
    assert not observer._off()
    assert not observer._off() and len(lookups) == 2  # installed once, on for good
    clock[0] += 10
    assert not observer._off() and len(lookups) == 2


def test_a_given_provider_is_never_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry import trace

    def fail() -> Any:
        raise AssertionError("the global provider was looked up")

    monkeypatch.setattr(trace, "get_tracer_provider", fail)
    assert not OtelTracing(TracerProvider())._off()
