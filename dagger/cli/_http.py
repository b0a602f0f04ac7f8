"""Talking to a worker's web API: GET and POST JSON over the standard library's urllib.

The transport (one HTTP exchange) is a plain function so the unit tests can hand in a fake
one; :class:`WorkerClient` adds the worker's base URL, the bearer token and the decoding.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dagger.cli._errors import EXIT_AUTH, EXIT_USAGE, CliError, Unreachable

#: One HTTP exchange: ``(method, url, headers, timeout) -> (status, body)``; raises
#: :class:`Unreachable` (with the reason) when nothing answers.
Transport = Callable[[str, str, Mapping[str, str], float], tuple[int, bytes]]


def urllib_transport(
    method: str, url: str, headers: Mapping[str, str], timeout: float
) -> tuple[int, bytes]:
    """One request with urllib; an HTTP error status is an answer, not an exception."""
    data = b"" if method == "POST" else None
    request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code), exc.read()
    except urllib.error.URLError as exc:
        raise Unreachable(_reason(exc.reason)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise Unreachable(_reason(exc)) from None


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def normalize_url(url: str) -> str:
    """``host:port`` or ``http://host:port/`` -> ``http://host:port`` (``CliError`` if not HTTP)."""
    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"{url!r} is not a worker URL (http://host:port)", EXIT_USAGE)
    return text.rstrip("/")


@dataclass(frozen=True)
class Answer:
    """A worker's answer: the HTTP status and the decoded JSON body (``None`` if not JSON)."""

    status: int
    body: Any
    text: str

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def error(self) -> str:
        """The worker's own words for an error: its ``{"error": ...}`` or the body text."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return str(self.body["error"])
        text = " ".join(self.text.split())
        return text[:200] if text else f"HTTP {self.status}"


class WorkerClient:
    """One worker's web API at ``url``; sends ``Authorization: Bearer <token>`` when given."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        transport: Transport | None = None,
    ) -> None:
        self.url = normalize_url(url)
        self.token = token or None
        self.timeout = timeout
        self._transport = transport or urllib_transport

    def __repr__(self) -> str:
        return f"<WorkerClient {self.url}>"

    def get(self, path: str, query: Mapping[str, Any] | None = None) -> Answer:
        """``GET path?query`` (``None`` values left out)."""
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        suffix = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._exchange("GET", f"{path}{suffix}")

    def post(self, path: str) -> Answer:
        """``POST path`` with an empty body."""
        return self._exchange("POST", path)

    def _exchange(self, method: str, path: str) -> Answer:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            status, raw = self._transport(method, f"{self.url}{path}", headers, self.timeout)
        except Unreachable as exc:
            raise Unreachable(f"cannot reach {self.url}: {exc.message}") from None
        text = raw.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        return Answer(status, body, text)

    def refuse(self, answer: Answer) -> CliError:
        """The error for an answer that is not the one wanted (401/403 name the token)."""
        if answer.status in (401, 403):
            hint = (
                "the token given is not the worker's web_token"
                if answer.status == 403
                else "pass the worker's token with --token or DAGGER_TOKEN"
            )
            return CliError(f"{self.url}: {answer.error()} ({hint})", EXIT_AUTH)
        return CliError(f"{self.url}: HTTP {answer.status}: {answer.error()}")
