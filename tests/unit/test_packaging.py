"""The installed distribution says what it is: its version, its license, where it comes from."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import dagger
from dagger import _version

ROOT = Path(__file__).resolve().parents[2]
METADATA = importlib.metadata.metadata("wf-dagger")


def test_version_is_the_installed_distributions() -> None:
    assert dagger.__version__ == importlib.metadata.version("wf-dagger")
    assert dagger.__version__ != _version.UNKNOWN_VERSION


def test_version_falls_back_when_the_distribution_is_not_installed() -> None:
    assert _version.installed_version("no-such-distribution-x9") == "0+unknown"


def test_metadata_declares_the_mit_license_and_ships_its_text() -> None:
    assert METADATA["License-Expression"] == "MIT"
    assert METADATA.get_all("License-File") == ["LICENSE"]
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    assert "Copyright (c) 2026 the dagger contributors" in license_text
    # pip's record of the installed distribution includes the license file itself.
    files = importlib.metadata.files("wf-dagger") or []
    assert any(path.name == "LICENSE" for path in files)


def test_metadata_names_the_projects_addresses() -> None:
    urls = dict(entry.split(", ", 1) for entry in METADATA.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
