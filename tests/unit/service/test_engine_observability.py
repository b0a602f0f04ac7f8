"""The engine's observer: its own Prometheus registry behind ``GET /metrics``, OpenTelemetry
tracing when the package is importable, and nothing of OpenTelemetry imported when not."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dagger.core.observe import Observers
from dagger.runtime._metrics import PrometheusMetrics
from dagger.service.services import Dagger
from dagger.tracing._otel import OtelTracing
from dagger.web._metrics_view import MetricsView
from tests.unit.tasks.flows import Boom, Flow, Step, make

ROOT = Path(__file__).resolve().parents[3]


def _request(headers: dict[str, str]) -> Any:
    # A stand-in for faust's web.Request: the view reads only its headers.
    return SimpleNamespace(headers=headers)


async def _scrape(engine: Dagger, headers: dict[str, str] | None = None) -> tuple[int, str]:
    app = engine.faust_app
    response = await MetricsView(app, app.web).get(_request(headers or {}))
    return response.status, response.body.decode()


async def test_the_engine_counts_what_ran_and_serves_it_at_metrics(engine: Dagger) -> None:
    observer = engine.runtime.observer
    assert isinstance(observer, Observers)
    assert [type(o) for o in observer.observers] == [PrometheusMetrics, OtelTracing]
    flow = Flow()
    # A failing task does not halt the workflow: the one after it runs, and it completes.
    flow.process("p", make(Boom, "boom"), make(Step, "a"))
    await engine._store_and_create_task(flow.submitted())

    status, text = await _scrape(engine)
    assert status == 200
    assert 'dagger_workflows_started_total{template="wf"} 1.0' in text
    assert 'dagger_workflows_completed_total{template="wf"} 1.0' in text
    assert 'dagger_workflows_in_flight{template="wf"} 0.0' in text
    assert 'dagger_tasks_ended_total{status="FAILURE",task_type="Boom"} 1.0' in text
    assert 'dagger_tasks_ended_total{status="COMPLETED",task_type="Step"} 1.0' in text
    assert 'dagger_task_execution_errors_total{hook="execute",task_type="Boom"} 1.0' in text
    assert 'dagger_task_execution_seconds_count{hook="execute",task_type="Step"} 1.0' in text
    saves = [
        line for line in text.splitlines() if line.startswith("dagger_store_save_seconds_count")
    ]
    assert saves and float(saves[0].split()[-1]) >= 1
    assert str(flow.wf.id) not in text


async def test_two_engines_in_one_process_keep_their_own_metrics(
    engine: Dagger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Dagger, "app", Dagger.app)
    other = Dagger(
        broker="kafka://127.0.0.1:1",
        datadir=str(tmp_path / "other"),
        store="memory://",
        application_name=f"other-{uuid.uuid4().hex[:8]}",
    )
    assert other.metrics.registry is not engine.metrics.registry
    engine.metrics.workflow_started(SimpleNamespace(template_name="only-here"))
    assert 'template="only-here"' in (await _scrape(engine))[1]
    assert 'template="only-here"' not in (await _scrape(other))[1]


async def test_metrics_follow_the_read_rule_of_the_web_token(
    engine: Dagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "web_token", "s3cret", raising=False)
    monkeypatch.setattr(engine, "web_token_for_reads", True, raising=False)
    assert (await _scrape(engine))[0] == 401
    assert (await _scrape(engine, {"Authorization": "Bearer nope"}))[0] == 403
    assert (await _scrape(engine, {"Authorization": "Bearer s3cret"}))[0] == 200


def test_without_opentelemetry_the_engine_imports_none_of_it(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys

        class NoOtel:
            def find_spec(self, name, path=None, target=None):
                if name == "opentelemetry" or name.startswith("opentelemetry."):
                    raise ModuleNotFoundError(name)
                return None

        sys.meta_path.insert(0, NoOtel())
        from dagger.runtime._metrics import PrometheusMetrics
        from dagger.service.services import Dagger

        engine = Dagger(broker="kafka://127.0.0.1:1", datadir={str(tmp_path)!r},
                        store="memory://", application_name="no-otel")
        assert type(engine.runtime.observer) is PrometheusMetrics, engine.runtime.observer
        loaded = [m for m in sys.modules if m.startswith("opentelemetry")]
        assert not loaded, loaded
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
