"""The per-(status, template) counts the workflow summaries keep as they change agree with
counting the summaries one by one, whatever the sequence of saves and deletes."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from dagger.store._summary import Summary, WorkflowSummaries

IDS = st.sampled_from([f"w{i}" for i in range(6)])
STATUSES = st.sampled_from([None, "EXECUTING", "COMPLETED", "FAILURE"])
TEMPLATES = st.sampled_from([None, "a", "b"])
PUT = st.tuples(st.just("put"), st.integers(0, 2), IDS, STATUSES, TEMPLATES)
REMOVE = st.tuples(st.just("remove"), st.integers(0, 2), IDS, st.none(), st.none())


def _summary(workflow_id: str, status: str | None, template: str | None) -> Summary:
    return Summary(workflow_id, template, status, None, None, None, 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(PUT, REMOVE), max_size=40), st.sets(st.integers(0, 2)))
def test_kept_counts_agree_with_counting_every_summary(
    steps: list[tuple[str, int, str, str | None, str | None]], asked: set[int]
) -> None:
    summaries = WorkflowSummaries()
    model: dict[int, dict[str, tuple[str | None, str | None]]] = {}
    for kind, partition, workflow_id, status, template in steps:
        if kind == "put":
            summaries.put(partition, _summary(workflow_id, status, template))
            model.setdefault(partition, {})[workflow_id] = (status, template)
        else:
            summaries.remove(partition, workflow_id)
            model.get(partition, {}).pop(workflow_id, None)
    counted = Counter(key for p in asked for key in model.get(p, {}).values())
    assert summaries.counts(asked) == dict(counted)
