"""Listing shares the worker's event loop with the workflows (issue 16): a page answers the
stored JSON as it is, the summary scan and the reads give the loop turns, and one page is
built at a time however many clients list at once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from dagger.runtime import FaustRuntime
from dagger.runtime._listing import check_list_rate
from dagger.service.services import Dagger
from dagger.web._handlers import instances_json
from dagger.web._models import InstancesQuery
from tests.support.offline_faust import OWNED, current, memory_faust_runtime
from tests.unit.runtime.test_runtime_cache_and_listing import _waiting


@pytest.fixture
def runtime() -> Iterator[FaustRuntime]:
    with current(memory_faust_runtime()) as built:
        yield built


async def _assigned(runtime: FaustRuntime) -> None:
    runtime.forget_partitions(set(OWNED))  # an assignment: the summaries become complete
    assert await runtime.page_workflows(status=None, template=None, offset=0, limit=1) is not None


async def test_a_page_is_each_workflows_stored_json_without_the_format_key(
    runtime: FaustRuntime,
) -> None:
    await _assigned(runtime)
    saved = [_waiting(f"o{i}") for i in range(3)]
    for workflow in saved:
        await runtime.save_workflow(workflow)
    body = await instances_json(runtime, InstancesQuery(limit=10))
    assert b"__dagger_format__" not in body
    listed = {w["id"]: w for w in json.loads(body)}
    assert listed == {str(w.id): json.loads(json.dumps(w.to_representation())) for w in saved}


async def test_a_record_not_written_by_dumps_is_decoded_and_still_listed(
    runtime: FaustRuntime,
) -> None:
    odd = _waiting("odd").to_representation()
    odd = {"__dagger_format__": 1, **odd}  # the format key first: not Record.dumps's bytes
    runtime.kv.put(odd["id"], json.dumps(odd, indent=1).encode(), 0)
    await _assigned(runtime)  # summarized from the kv table
    listed = json.loads(await instances_json(runtime, InstancesQuery(limit=10)))
    assert [w["id"] for w in listed] == [odd["id"]]
    assert "__dagger_format__" not in listed[0]


async def test_a_long_scan_gives_the_loop_turns_and_neither_repeats_nor_skips(
    runtime: FaustRuntime,
) -> None:
    await _assigned(runtime)
    runtime.listing.summaries.SCAN_SLICE = 3
    kept = [_waiting(f"k{i}") for i in range(40)]
    for workflow in kept:
        await runtime.save_workflow(workflow)
    doomed = kept[-5:]
    turns = 0

    async def meanwhile() -> None:
        # What the workflows do while a client lists: save new ones, delete some.
        nonlocal turns
        while doomed:
            turns += 1
            await runtime.save_workflow(_waiting(f"new{uuid.uuid4()}"))
            await runtime.delete_workflow(doomed.pop())
            await asyncio.sleep(0)

    other = asyncio.create_task(meanwhile())
    page = await runtime.page_workflows(status="EXECUTING", template=None, offset=0, limit=1000)
    await other
    assert page is not None
    ids = [workflow_id for _, workflow_id, _ in page]
    assert len(ids) == len(set(ids))  # nothing repeated
    survivors = {str(w.id) for w in kept[:-5]}
    assert survivors <= set(ids)  # nothing that lived through the scan was skipped
    assert turns >= 5  # the other task ran while the page was built


async def test_one_page_is_built_at_a_time(
    runtime: FaustRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _assigned(runtime)
    runtime.listing.summaries.SCAN_SLICE = 2
    for i in range(20):
        await runtime.save_workflow(_waiting(f"p{i}"))
    summaries = runtime.listing.summaries
    scan = summaries.page_slices
    events: list[tuple[str, int]] = []

    def traced(*args: Any, **kwargs: Any) -> Iterator[None]:
        number = len(events)
        events.append(("start", number))
        yield from scan(*args, **kwargs)
        events.append(("end", number))

    monkeypatch.setattr(summaries, "page_slices", traced)
    pages = await asyncio.gather(
        *(
            runtime.page_workflows(status=None, template="none", offset=0, limit=10)
            for _ in range(4)
        )
    )
    assert pages == [[], [], [], []]
    assert [kind for kind, _ in events] == ["start", "end"] * 4  # never two scans at once


# -- the rate bound (Dagger(web_list_rate=...)) ---------------------------------------------


class Waits:
    """``asyncio.sleep`` recording the waits of the pacing (a turn of the loop is still given,
    without the wall-clock wait), so the test does not depend on timing."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._sleep = asyncio.sleep

    async def __call__(self, delay: float) -> None:
        if delay > 0:
            self.waits.append(delay)
        await self._sleep(0)


async def test_pages_beyond_the_burst_wait_their_turn_at_the_rate(
    runtime: FaustRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _assigned(runtime)
    runtime.listing.pages_per_second = 50.0  # bursts of 5 pages pass at once
    waits = Waits()
    monkeypatch.setattr(asyncio, "sleep", waits)
    for _ in range(15):
        assert await runtime.page_workflows(status=None, template=None, offset=0, limit=1) == []
    assert len(waits.waits) == 10  # the 10 pages after the burst, one wait each
    assert all(0.015 < wait <= 0.02 for wait in waits.waits)  # about 1/50 s


async def test_without_a_rate_no_page_waits(
    runtime: FaustRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _assigned(runtime)
    runtime.listing.pages_per_second = None
    waits = Waits()
    monkeypatch.setattr(asyncio, "sleep", waits)
    for _ in range(50):
        await runtime.listing.summary_page(status=None, template=None, offset=0, limit=1)
    assert waits.waits == []


@pytest.mark.parametrize("rate", [0, -1, "fast", True])
def test_a_rate_that_is_not_a_positive_number_is_refused(rate: Any) -> None:
    with pytest.raises(ValueError, match="web_list_rate must be a positive number"):
        check_list_rate(rate)


def test_the_engine_gives_its_runtime_the_rate() -> None:
    assert (
        Dagger(
            broker="kafka://127.0.0.1:9", store="memory://", web_list_rate=25
        ).runtime.listing.pages_per_second
        == 25
    )
    assert (
        Dagger(broker="kafka://127.0.0.1:9", store="memory://").runtime.listing.pages_per_second
        == 200
    )
    assert (
        Dagger(
            broker="kafka://127.0.0.1:9", store="memory://", web_list_rate=None
        ).runtime.listing.pages_per_second
        is None
    )
