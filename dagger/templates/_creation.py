"""Creating template instances: fresh node ids, and the nodes created under one parent."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterable
from typing import Any
from uuid import UUID, SafeUUID

from dagger.tasks._workflow import ITemplateDAGInstance
from dagger.utils.utils import DAGIDGenerator

#: 100-ns intervals between the Gregorian epoch of version-1 UUIDs and the Unix epoch.
_GREGORIAN_OFFSET = 0x01B21DD213814000
_last_timestamp = 0
# A UUID is immutable: its slots are set as UUID.__init__ sets them.
_new_uuid = object.__new__
_set_slot = object.__setattr__


def uuid1_now() -> UUID:
    """A version-1 UUID of this host, as ``uuid.uuid1(uuid.getnode())`` makes it: the time in
    100-ns intervals (strictly increasing within the process), a random clock sequence, the
    host's node. Built from its 128-bit value without ``UUID.__init__``'s argument checks,
    which cost more than the id (every task of a new workflow gets one)."""
    global _last_timestamp
    timestamp = time.time_ns() // 100 + _GREGORIAN_OFFSET
    if timestamp <= _last_timestamp:
        timestamp = _last_timestamp + 1
    _last_timestamp = timestamp
    value = (
        (timestamp & 0xFFFFFFFF) << 96  # time_low
        | ((timestamp >> 32) & 0xFFFF) << 80  # time_mid
        | (((timestamp >> 48) & 0x0FFF) | 0x1000) << 64  # time_hi and version 1
        | (random.getrandbits(14) | 0x8000) << 48  # clock sequence, RFC 4122 variant
        | uuid.getnode()
    )
    made = _new_uuid(UUID)
    _set_slot(made, "int", value)
    _set_slot(made, "is_safe", SafeUUID.unknown)
    return made


def new_id(seed: random.Random | None) -> UUID:
    """A node id: drawn from ``seed`` when given (so id trees are reproducible), else a
    version-1 UUID of this host (:func:`uuid1_now`)."""
    if seed is not None:
        return DAGIDGenerator.generate_dag_id_from_seed(seed)
    return uuid1_now()


async def create_each(
    templates: Iterable[Any],
    parent_id: UUID,
    parent_name: str,
    partition_key_lookup: str,
    *,
    repartition: bool,
    seed: random.Random | None,
    workflow_instance: ITemplateDAGInstance | None,
    **kwargs: Any,
) -> list[UUID]:
    """Create an instance of each template, in order, under one parent; return their ids.

    Each gets a fresh id from :func:`new_id`, drawn just before it is created, so a seed
    gives the same id tree every time. Used for the tasks and processes that follow a
    node, a composite's children and a workflow's root process alike.
    """
    ids: list[UUID] = []
    for template in templates:
        created = await template.create_instance(
            new_id(seed),
            parent_id,
            parent_name,
            partition_key_lookup,
            repartition=repartition,
            seed=seed,
            workflow_instance=workflow_instance,
            **kwargs,
        )
        ids.append(created.id)
    return ids
