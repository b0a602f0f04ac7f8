"""Store choices and the public API of the engine modules."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagger.core import context
from dagger.service.engineconfig import AerospikeConfig


@pytest.fixture(autouse=True)
def _no_leftover_engine() -> Iterator[None]:
    """Engines built here must not stay installed for the tests that follow."""
    yield
    from dagger.service.services import Dagger

    context.set_runtime(None)
    Dagger.app = None
    Dagger.topics.clear()


ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path("/work/shared/tools/wf_dagger_0_2_6_api.json")
CHECKER = Path("/work/shared/tools/api_manifest.py")


def test_engine_modules_match_the_0_2_6_api() -> None:
    if not (MANIFEST.exists() and CHECKER.exists()):
        pytest.skip("the API manifest checker is not available here")
    result = subprocess.run(
        [sys.executable, str(CHECKER), "check", str(MANIFEST)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    mine = ("dagger.service.", "dagger.store.", "dagger.tracing.")
    gaps = [line for line in result.stdout.splitlines() if line.startswith(mine)]
    assert gaps == [], gaps


def test_memory_store_engine_constructs_without_a_broker(tmp_path: Path) -> None:
    from dagger.service.services import Dagger
    from dagger.store.stores import InMemoryStore

    engine = Dagger(broker="kafka://127.0.0.1:1", datadir=str(tmp_path), store="memory://")
    assert isinstance(engine._store, InMemoryStore)
    assert Dagger.app is engine


@pytest.mark.aerospike
def test_aerospike_store_round_trip(tmp_path: Path) -> None:
    from dagger.service.services import Dagger

    config = AerospikeConfig(
        HOSTS=[(os.environ["AEROSPIKE_HOST"], int(os.environ.get("AEROSPIKE_PORT", "3000")))],
        POLICIES={},
        NAMESPACE="test",
        USERNAME=None,
        PASSWORD=None,
        TTL=-1,
        KWARGS={},
    )
    engine = Dagger(
        broker="kafka://127.0.0.1:1",
        datadir=str(tmp_path),
        store="aerospike://",
        aerospike_config=config,
        application_name=f"t{os.getpid()}",
    )
    table = engine._store.kv_table
    table.put("k", b"v", 0)
    assert table.get("k") == b"v"
    table.delete("k", 0)
    assert table.get("k") is None


def test_aerospike_store_without_the_client_says_how_to_install_it(tmp_path: Path) -> None:
    from dagger.store import _aerospike

    if _aerospike.aerospike is not None:
        pytest.skip("the aerospike client is installed")
    from dagger.service.services import Dagger

    with pytest.raises(ImportError, match=r"wf-dagger\[aerospike\]"):
        Dagger(broker="kafka://127.0.0.1:1", datadir=str(tmp_path), store="aerospike://")
