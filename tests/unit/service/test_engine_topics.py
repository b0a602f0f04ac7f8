"""Each engine has its own topic registry; 0.2.6's class-level ``Dagger.topics`` reads the
current engine's (issue 12: no class-level dict shared by every engine)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dagger.service.services import Dagger


@pytest.fixture
def make_engine(offline_engine: Callable[..., Dagger]) -> Callable[[], Dagger]:
    """Build engines on the in-memory store; ``Dagger.app`` is restored afterwards."""
    return offline_engine


def test_topics_belong_to_each_engine_and_the_class_reads_the_current_one(
    make_engine: Callable[[], Dagger],
) -> None:
    first = make_engine()
    orders = Dagger.create_topic("orders")
    assert first.topics == {"orders": orders}
    assert Dagger.app.topics["orders"] is orders  # 0.2.6's usual access

    second = make_engine()
    assert second.topics == {}  # nothing leaks from the first engine
    assert Dagger.topics is second.topics  # the class reads the current engine's
    again = Dagger.create_topic("orders")
    assert again is not orders
    assert first.topics["orders"] is orders and second.get_topic("orders") is again


def test_the_class_level_registry_is_empty_without_an_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Dagger, "app", None)
    assert Dagger.topics == {}
