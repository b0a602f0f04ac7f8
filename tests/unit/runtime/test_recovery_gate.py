"""The gate that holds stream deliveries from the end of a recovery until faust resumes its
flow control (``runtime/_recovery_gate``), on a real faust app (no broker: the signal and
the flow control are faust's own objects)."""

from __future__ import annotations

import asyncio

import faust

from dagger.runtime import _recovery_gate
from tests.support.offline_faust import offline_faust_app


def _faust_app() -> faust.App:
    return faust.App("gate-test", broker="kafka://127.0.0.1:1", store="memory://")


async def test_the_end_of_a_recovery_holds_deliveries_until_faust_resumes_the_flow() -> None:
    app = _faust_app()
    _recovery_gate.install(app)
    app.flow_control.resume()
    assert app.flow_control.is_active()

    await app.on_rebalance_complete.send()

    assert not app.flow_control.is_active()
    # What faust's consumer does before putting a message in a stream's queue.
    delivery = asyncio.ensure_future(app.flow_control.acquire())
    await asyncio.sleep(0)
    assert not delivery.done()
    app.flow_control.resume()  # faust: after the seek, clearing the queues
    await asyncio.wait_for(delivery, timeout=1)


async def test_without_the_gate_faust_keeps_delivering_at_the_end_of_a_recovery() -> None:
    # What the gate is for: faust alone leaves the flow on when it announces the end.
    app = _faust_app()
    app.flow_control.resume()
    await app.on_rebalance_complete.send()
    assert app.flow_control.is_active()


async def test_the_engine_app_has_the_gate() -> None:
    app = offline_faust_app("gate-engine")
    app.flow_control.resume()
    await app.on_rebalance_complete.send()
    assert not app.flow_control.is_active()
