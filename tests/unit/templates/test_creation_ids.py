"""Node ids of new workflows (``templates/_creation``): version-1 UUIDs like
``uuid.uuid1(uuid.getnode())`` makes, built faster."""

from __future__ import annotations

import time
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from dagger.templates._creation import new_id, uuid1_now


def test_an_id_is_a_version_1_uuid_of_this_host_stamped_now() -> None:
    before = time.time_ns() // 100 + 0x01B21DD213814000
    made = uuid1_now()
    after = time.time_ns() // 100 + 0x01B21DD213814000
    assert made.version == 1 and made.variant == uuid.RFC_4122
    assert made.node == uuid.getnode()
    assert before <= made.time <= after + 1
    assert made.is_safe is uuid.SafeUUID.unknown


@settings(max_examples=50)
@given(st.integers(min_value=2, max_value=300))
def test_ids_are_whole_uuids_and_their_times_strictly_increase(count: int) -> None:
    made = [uuid1_now() for _ in range(count)]
    # Equal, hashed and printed like the same UUID parsed back: nothing is half-built.
    assert [uuid.UUID(str(u)) for u in made] == made
    assert len({hash(u) for u in made}) == len({str(u) for u in made}) == count
    times = [u.time for u in made]
    assert times == sorted(times) and len(set(times)) == count


def test_unseeded_node_ids_are_version_1() -> None:
    assert new_id(None).version == 1
