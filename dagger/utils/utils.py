"""Small utilities of the 0.2.6 public surface."""

from __future__ import annotations

import random
from uuid import UUID


class DAGIDGenerator:
    """Generates reproducible workflow and task ids from a seeded random generator."""

    @staticmethod
    def generate_dag_id_from_seed(seed: random.Random) -> UUID:
        """Return the next id drawn from ``seed``; the same seed state gives the same id."""
        return UUID(int=seed.getrandbits(128))
