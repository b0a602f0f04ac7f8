"""Who may use the web endpoints: the engine's ``web_token``, checked as a bearer token.

Without a ``web_token`` the worker is read-only: the action endpoints (retry, stop) answer
404 as if they did not exist, and the read endpoints are open. With one, the actions need
``Authorization: Bearer <web_token>`` (401 without the header or with another scheme, 403
with a wrong token; tokens are compared in constant time), and so do the reads when
``web_token_for_reads`` is set. ``/service/ready`` stays open: orchestrators probe it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

#: Sent with a 401, as RFC 6750 asks.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dagger"'}


@dataclass(frozen=True)
class Denied:
    """Why a request is refused: the HTTP status, a message and headers to answer with."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def check_web_token(token: str | None, for_reads: bool) -> tuple[str | None, bool]:
    """Validate the engine's ``web_token`` options; ``(token, for_reads)`` as stored.

    Raises ``ValueError`` naming the problem: an empty or non-string token (every request
    would match it, or none), or ``web_token_for_reads`` without a token.
    """
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise ValueError("web_token must be a non-empty string (or None: no web actions)")
    if for_reads and token is None:
        raise ValueError("web_token_for_reads=True needs a web_token to check")
    return token, bool(for_reads)


def check_bearer(expected: str, authorization: str | None) -> Denied | None:
    """Check an ``Authorization`` header against the expected token (``None``: allowed)."""
    if not authorization:
        return Denied(
            401, "this endpoint needs an 'Authorization: Bearer <token>' header", CHALLENGE
        )
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return Denied(401, "the Authorization header must be 'Bearer <token>'", CHALLENGE)
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return Denied(403, "the bearer token is not this worker's web_token")
    return None


def action_access(engine: Any, authorization: str | None) -> Denied | None:
    """May this request run an action (retry, stop)? 404 when the engine has no token."""
    token = getattr(engine, "web_token", None)
    if not token:
        return Denied(404, "not found: web actions are off (the engine has no web_token)")
    return check_bearer(token, authorization)


def read_access(engine: Any, authorization: str | None) -> Denied | None:
    """May this request read workflows? Always, unless ``web_token_for_reads`` is set."""
    token = getattr(engine, "web_token", None)
    if not token or not getattr(engine, "web_token_for_reads", False):
        return None
    return check_bearer(token, authorization)
