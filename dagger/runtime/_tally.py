"""Prometheus metric families kept as plain numbers, built only when scraped.

A ``prometheus_client`` metric child takes a lock on every update and a histogram walks its
buckets on every observation: a few microseconds each, and the engine updates its metrics
several times per task. The engine's metrics are updated and scraped on the worker's one
event loop, so these families keep their numbers in dicts keyed by label values and turn
them into ``prometheus_client`` metric families when the registry collects them
(:class:`Tallies` is a collector). The text served at ``/metrics`` is the same as with
``prometheus_client``'s own Counter, Gauge and Histogram, ``_created`` samples included.

Not thread-safe: update and collect them from one thread (the event loop).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

Labels = tuple[str, ...]


class _Family:
    """One metric: its name, help text and label names; a series per label values."""

    #: The Prometheus metric type.
    kind = ""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        #: When each series was first touched (Prometheus' ``_created``).
        self.created: dict[Labels, float] = {}

    def metric(self) -> Metric:
        """The family as ``prometheus_client`` exposes it."""
        raise NotImplementedError


class CounterFamily(_Family):
    """A counter per label values; an unlabelled one exists (at 0) from the start."""

    kind = "counter"

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, documentation, labelnames)
        self.values: dict[Labels, float] = {}
        if not self.labelnames:
            self.inc((), 0.0)

    def inc(self, labels: Labels, amount: float = 1.0) -> None:
        """Add ``amount`` to the series of ``labels``."""
        values = self.values
        if labels in values:
            values[labels] += amount
        else:
            values[labels] = amount
            self.created[labels] = time.time()

    def metric(self) -> Metric:
        """A ``CounterMetricFamily`` with each series' ``_total`` and ``_created``."""
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, value in self.values.items():
            family.add_metric(labels, value, created=self.created[labels])
        return family


class GaugeFamily(CounterFamily):
    """A gauge per label values: a counter's numbers that also go down (``inc`` by a
    negative amount), exposed without ``_total`` or ``_created``."""

    kind = "gauge"

    def metric(self) -> Metric:
        """A ``GaugeMetricFamily`` of every series."""
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, value in self.values.items():
            family.add_metric(labels, value)
        return family


class HistogramFamily(_Family):
    """A histogram per label values over fixed upper bounds (``+Inf`` added); an unlabelled
    one exists (empty) from the start."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
        *,
        buckets: Iterable[float],
    ) -> None:
        super().__init__(name, documentation, labelnames)
        self.bounds = tuple(float(bound) for bound in buckets)
        self._les = [floatToGoString(bound) for bound in self.bounds] + ["+Inf"]
        #: Per series: the count in each bucket (not cumulative; the last is +Inf), then
        #: the sum of the observations.
        self.series: dict[Labels, list[float]] = {}
        if not self.labelnames:
            self._new(())

    def _new(self, labels: Labels) -> list[float]:
        entry = self.series[labels] = [0.0] * (len(self.bounds) + 2)
        self.created[labels] = time.time()
        return entry

    def observe(self, labels: Labels, value: float) -> None:
        """Count ``value`` in its bucket of the series of ``labels`` and add it to the sum."""
        entry = self.series.get(labels)
        if entry is None:
            entry = self._new(labels)
        # The first bound >= value: Prometheus buckets hold what is less than or equal.
        entry[bisect_left(self.bounds, value)] += 1
        entry[-1] += value

    def metric(self) -> Metric:
        """The family with each series' cumulative buckets, count, sum and ``_created``."""
        family = Metric(self.name, self.documentation, "histogram")
        for labels, entry in self.series.items():
            named = dict(zip(self.labelnames, labels, strict=True))
            total = 0.0
            for le, count in zip(self._les, entry, strict=False):
                total += count
                family.add_sample(f"{self.name}_bucket", {**named, "le": le}, total)
            family.add_sample(f"{self.name}_count", named, total)
            family.add_sample(f"{self.name}_sum", named, entry[-1])
            family.add_sample(f"{self.name}_created", named, self.created[labels])
        return family


class Tallies(Collector):
    """A collector of families, collected in the order given."""

    def __init__(self, families: Sequence[_Family]) -> None:
        self._families = tuple(families)

    def collect(self) -> Iterable[Metric]:
        """Each family as ``prometheus_client`` exposes it."""
        return [family.metric() for family in self._families]

    def describe(self) -> Iterable[Metric]:
        """The families' names (no samples), so the registry can check for clashes."""
        return [Metric(family.name, family.documentation, family.kind) for family in self._families]
