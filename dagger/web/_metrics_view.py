"""``GET /metrics``: the engine's Prometheus metrics in the text exposition format.

The engine given to :func:`register_metrics` (by ``register_blueprints``) serves its own
metrics (an object with ``exposition() -> (body, content type)``, ``Dagger.metrics``); an
engine without metrics answers 404. The endpoint follows the web API's read rule
(``dagger.web._auth.read_access``): open, unless the engine has ``web_token`` and
``web_token_for_reads``, when a scraper sends ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from typing import Any, Protocol

from faust import web

from dagger.web._auth import read_access

metrics_blueprint = web.Blueprint("metrics")

#: The attribute of the faust app that holds the engine whose metrics it serves.
ENGINE_ATTR = "_dagger_metrics_engine"


class MetricsSource(Protocol):
    """What the view reads of the engine's metrics."""

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, and its content type."""


def metrics_of(engine: Any) -> MetricsSource | None:
    """The engine's metrics, if it has any."""
    source: MetricsSource | None = getattr(engine, "metrics", None)
    return source


@metrics_blueprint.route("/metrics", name="metrics")
class MetricsView(web.View):
    """``GET /metrics`` -> ``text/plain; version=0.0.4`` (Prometheus' text format)."""

    async def get(self, request: web.Request) -> web.Response:
        """The current value of every metric of this worker's engine."""
        engine = getattr(self.app, ENGINE_ATTR, None)
        source = None if engine is None else metrics_of(engine)
        if source is None:
            return self.error(404, "this worker has no metrics")
        denied = read_access(engine, request.headers.get("Authorization"))
        if denied is not None:
            return self.error(denied.status, denied.message, denied.headers or None)
        body, content_type = source.exposition()
        # As a header: aiohttp refuses a charset inside ``content_type``.
        return self.bytes(body, headers={"Content-Type": content_type})


def register_metrics(faust_app: Any, engine: Any) -> None:
    """Route ``/metrics`` on a faust app; it serves ``engine``'s metrics."""
    setattr(faust_app, ENGINE_ATTR, engine)
    metrics_blueprint.register(faust_app)
