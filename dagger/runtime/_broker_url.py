"""The ``broker=`` argument of ``Dagger``: checked when the engine is constructed.

faust reads ``broker`` as one URL or several separated by ``,`` or ``;``; a part without a
scheme takes the first scheme given, or ``kafka://``. It picks its transport by that scheme,
and a scheme it has no transport for (``http://``) fails much later, deep in faust, with
``TypeError: 'module' object is not callable``. dagger runs on faust's aiokafka transport,
which is registered as ``kafka`` and ``aiokafka``: those are the schemes accepted here.
"""

from __future__ import annotations

import re
from typing import Any

from faust.transport.drivers.aiokafka import server_list
from faust.utils.urls import urllist
from yarl import URL

#: faust transport names dagger runs on (both are faust's aiokafka driver).
ACCEPTED_SCHEMES = ("kafka", "aiokafka")
#: The port faust's aiokafka transport uses when a URL has none.
DEFAULT_KAFKA_PORT = 9092

_FORMS = (
    "use kafka://host:port (or aiokafka://host:port, or a bare host:port), several "
    "separated by ',' or ';'"
)
_SEPARATORS = re.compile(r"[,;]")


def check_broker(broker: Any) -> str:
    """Return ``broker`` as faust will read it, or raise ``ValueError`` naming the problem.

    Spaces around the separators are dropped (faust would take them into the host name).
    """
    if not isinstance(broker, str):
        raise ValueError(f"broker must be a string like 'kafka://host:9092', got {broker!r}")
    parts = [part.strip() for part in _SEPARATORS.split(broker)]
    if not any(parts):
        raise ValueError(f"broker is empty: {_FORMS}")
    if not all(parts):
        raise ValueError(f"broker {broker!r} has an empty address between separators")
    cleaned = ",".join(parts) if parts != _SEPARATORS.split(broker) else broker
    try:
        urls = urllist(cleaned, default_scheme="kafka")
    except ValueError as exc:
        raise ValueError(f"broker {broker!r} is not a valid address ({exc}): {_FORMS}") from None
    for part, url in zip(parts, urls, strict=True):
        if url.scheme not in ACCEPTED_SCHEMES:
            raise ValueError(
                f"broker {broker!r}: unsupported scheme {url.scheme + '://'!r}; {_FORMS}"
            )
        if not url.host:
            raise ValueError(f"broker {broker!r}: {part!r} has no host; {_FORMS}")
    return cleaned


def bootstrap_servers(broker: str) -> list[str]:
    """``host:port`` of each broker in a checked ``broker`` string, as aiokafka takes them."""
    urls: list[URL] = urllist(broker, default_scheme="kafka")
    return list(server_list(urls, DEFAULT_KAFKA_PORT))
