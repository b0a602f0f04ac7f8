"""On a real Kafka broker the development broker's workarounds do not apply: an engine
built without ``dev_faust_settings()`` leaves faust's batching and group timeouts at faust's
own defaults (docs/operations/kafka.md, "Throughput settings")."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import faust
import pytest

from dagger.core.context import set_runtime
from dagger.devbroker import dev_faust_settings
from dagger.service.services import Dagger

#: The settings ``dev_faust_settings`` changes, which matter for throughput on Kafka.
THROUGHPUT_SETTINGS = (
    "producer_max_batch_size",
    "producer_linger",
    "producer_acks",
    "broker_session_timeout",
    "broker_heartbeat_interval",
    "broker_rebalance_timeout",
    "stream_buffer_maxsize",
    "broker_commit_every",
)


@pytest.fixture
def engine(offline_engine: Callable[..., Dagger]) -> Dagger:
    return offline_engine(broker="kafka://kafka-1.example:9092;kafka-2.example:9092")


def test_an_engine_on_kafka_keeps_faust_s_batching_defaults(engine: Dagger) -> None:
    plain = faust.App(f"plain-{uuid.uuid4().hex[:8]}", broker="kafka://kafka-1.example:9092")
    for name in THROUGHPUT_SETTINGS:
        assert getattr(engine.faust_app.conf, name) == getattr(plain.conf, name), name
    assert engine.faust_app.conf.producer_max_batch_size > 1


def test_the_development_broker_settings_are_the_only_source_of_one_record_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Dagger, "app", Dagger.app)
    try:
        dev = Dagger(
            broker="kafka://127.0.0.1:1",
            datadir=str(tmp_path),
            store="memory://",
            application_name=f"dev-{uuid.uuid4().hex[:8]}",
            **dev_faust_settings(),
        )
        assert dev.faust_app.conf.producer_max_batch_size == 1
    finally:
        set_runtime(None)
