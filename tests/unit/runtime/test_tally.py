"""The engine's metric families (``_tally``) expose exactly what ``prometheus_client``'s own
Counter, Gauge and Histogram expose for the same updates (``_created`` times aside)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from dagger.runtime._tally import CounterFamily, GaugeFamily, HistogramFamily, Tallies

BUCKETS = (0.001, 0.01, 0.1, 1, 10)
LABELS = st.sampled_from([("a", "x"), ("b", "x"), ("a", "y")])
#: Values on, between and beyond the bounds, zero and negatives included.
VALUES = st.one_of(st.sampled_from([0.0, *BUCKETS, 11.0, -1.0]), st.floats(-5, 50))


def _text(registry: CollectorRegistry) -> str:
    return re.sub(r"(_created(\{[^}]*\})?) \S+", r"\1 T", generate_latest(registry).decode())


@given(st.lists(st.tuples(LABELS, VALUES), max_size=30))
def test_a_histogram_exposes_what_prometheus_client_does(
    observations: list[tuple[tuple[str, str], float]],
) -> None:
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    reference = Histogram("h_seconds", "help", ["k", "v"], buckets=BUCKETS, registry=theirs)
    family = HistogramFamily("h_seconds", "help", ["k", "v"], buckets=BUCKETS)
    ours.register(Tallies([family]))
    for labels, value in observations:
        reference.labels(*labels).observe(value)
        family.observe(labels, value)
    assert _text(ours) == _text(theirs)


@given(st.lists(st.tuples(LABELS, st.sampled_from([1.0, 2.5, -1.0])), max_size=30))
def test_counters_and_gauges_expose_what_prometheus_client_does(
    updates: list[tuple[tuple[str, str], float]],
) -> None:
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    counter = Counter("c", "counted", ["k", "v"], registry=theirs)
    gauge = Gauge("g", "gauged", ["k", "v"], registry=theirs)
    counts = CounterFamily("c", "counted", ["k", "v"])
    level = GaugeFamily("g", "gauged", ["k", "v"])
    ours.register(Tallies([counts, level]))
    for labels, amount in updates:
        if amount > 0:  # a counter only goes up
            counter.labels(*labels).inc(amount)
            counts.inc(labels, amount)
        gauge.labels(*labels).inc(amount)
        level.inc(labels, amount)
    assert _text(ours) == _text(theirs)


def test_unlabelled_families_are_exposed_before_any_update() -> None:
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    Histogram("h", "help", buckets=BUCKETS, registry=theirs)
    Counter("c", "help", registry=theirs)
    ours.register(
        Tallies([HistogramFamily("h", "help", buckets=BUCKETS), CounterFamily("c", "help")])
    )
    assert 'h_bucket{le="+Inf"} 0.0' in _text(ours)
    assert _text(ours) == _text(theirs)


def test_a_name_taken_by_another_collector_is_refused() -> None:
    registry = CollectorRegistry()
    registry.register(Tallies([CounterFamily("dagger_x", "help")]))
    with pytest.raises(ValueError, match="dagger_x"):
        Counter("dagger_x", "again", registry=registry)
