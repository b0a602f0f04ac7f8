"""Creating template instances: fresh node ids, and the nodes created under one parent."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from dagger.tasks._workflow import ITemplateDAGInstance
from dagger.utils.utils import DAGIDGenerator


def new_id(seed: random.Random | None) -> UUID:
    """A node id: drawn from ``seed`` when given (so id trees are reproducible), else uuid1.

    Passing the host's node makes ``uuid.uuid1`` compute the id in Python, keeping its
    timestamps strictly increasing within the process, instead of asking libuuid, whose
    ``uuid_generate_time_safe`` costs a few microseconds a call (every task of a new
    workflow gets an id). ``uuid.getnode`` remembers the node after its first call.
    """
    if seed is not None:
        return DAGIDGenerator.generate_dag_id_from_seed(seed)
    return uuid.uuid1(uuid.getnode())


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
