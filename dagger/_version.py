"""Where ``dagger.__version__`` comes from: the installed distribution's metadata.

pyproject.toml is the one place the version is written; reading it back from the metadata
keeps ``dagger.__version__`` from drifting away from what pip installed.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "wf-dagger"
"""The distribution name dagger is published under (the same as wf-dagger 0.2.6)."""

UNKNOWN_VERSION = "0+unknown"
"""Reported when the package is imported from a source tree that was never installed.

A valid PEP 440 local version that sorts below every release, so a comparison against it
never mistakes an uninstalled checkout for a real release.
"""


def installed_version(distribution: str = DISTRIBUTION) -> str:
    """The installed version of ``distribution``, or :data:`UNKNOWN_VERSION` if not installed."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return UNKNOWN_VERSION
