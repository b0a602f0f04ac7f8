"""``Dagger.owned_partitions``: the tasks-topic partitions of faust's current assignment,
read again only when faust replaces the assignment (at a rebalance), never stale after one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from faust.assignor.client_assignment import ClientAssignment

from dagger.service.services import Dagger


@pytest.fixture
def engine(offline_engine: Callable[..., Dagger]) -> Dagger:
    """An engine on the in-memory store with four partitions, never started."""
    return offline_engine(kafka_partitions=4)


def _assign(engine: Dagger, tasks: list[int], other: list[int]) -> None:
    # What faust's PartitionAssignor.on_assignment does: a new ClientAssignment object.
    engine.faust_app.assignor._assignment = ClientAssignment(
        actives={engine.tasks_topic.get_topic_name(): tasks, "some-other-topic": other},
        standbys={},
    )


def test_owned_partitions_follow_each_new_assignment(engine: Dagger) -> None:
    _assign(engine, [0, 2], [1])
    assert engine.owned_partitions() == {0, 2}

    _assign(engine, [3], [0])  # a rebalance
    assert engine.owned_partitions() == {3}
    assert engine.runtime.owns(3) and not engine.runtime.owns(0)


def test_an_unchanged_assignment_is_read_once(
    engine: Dagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assign(engine, [1], [])
    assignor = engine.faust_app.assignor
    reads: list[int] = []
    real = assignor.assigned_actives

    def counted() -> Any:
        reads.append(1)
        return real()

    monkeypatch.setattr(assignor, "assigned_actives", counted)
    assert [engine.owned_partitions() for _ in range(5)] == [{1}] * 5
    assert len(reads) == 1


def test_a_caller_changing_the_answer_changes_nothing(engine: Dagger) -> None:
    _assign(engine, [0], [])
    first = engine.owned_partitions()
    assert first is not None
    first.add(7)
    assert engine.owned_partitions() == {0}
