"""A real ``Dagger`` engine for the compatibility shims, constructed without a broker.

``store="memory://"`` keeps its tables in dicts; the faust app is never started. A worker
owns the partitions the broker assigns it, so the fixture plays the broker's part and assigns
partition 0 of the tasks topic (the only one, ``kafka_partitions=1``) to this worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from faust.types import TP

from dagger.core.context import set_runtime
from dagger.service.services import Dagger


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dagger]:
    """An engine with the in-memory store owning its one partition; ``Dagger.app`` is restored."""
    monkeypatch.setattr(Dagger, "app", Dagger.app)
    built = Dagger(
        broker="kafka://127.0.0.1:1",
        datadir=str(tmp_path),
        store="memory://",
        application_name=f"compat-{uuid.uuid4().hex[:8]}",
    )
    owned = {TP(built.tasks_topic.get_topic_name(), 0)}
    monkeypatch.setattr(built.faust_app.assignor, "assigned_actives", lambda: owned)
    try:
        yield built
    finally:
        set_runtime(None)
