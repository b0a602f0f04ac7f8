"""A real ``Dagger`` engine for the compatibility shims, constructed without a broker.

``store="memory://"`` keeps its tables in dicts; the faust app is never started. A worker
owns the partitions the broker assigns it, so the fixture plays the broker's part and assigns
partition 0 of the tasks topic (the only one, ``kafka_partitions=1``) to this worker.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dagger.service.services import Dagger
from tests.support.offline_faust import own_partition_zero


@pytest.fixture
def engine(offline_engine: Callable[..., Dagger], monkeypatch: pytest.MonkeyPatch) -> Dagger:
    """An engine with the in-memory store owning its one partition; ``Dagger.app`` is restored."""
    built = offline_engine()
    own_partition_zero(built, monkeypatch)
    return built
