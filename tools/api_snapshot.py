"""Record wf-dagger 0.2.6's public API surface, and check `dagger` against the record.

  python tools/api_snapshot.py record [--wheel PATH]   # needs PyPI unless --wheel is given
  python tools/api_snapshot.py check                   # the installed/work-tree `dagger`
  python tools/api_snapshot.py agree MANIFEST.json     # vs a dump made by api_manifest.py

``record`` downloads the wf-dagger 0.2.6 wheel (``pip download --no-deps``), reads the modules
in MODULES with `ast` (importing 0.2.6 would need its old dependencies) and writes the names
and signatures to SNAPSHOT; no source text (docstrings, bodies, defaults' values) is kept.
``check`` prints one line per gap and, last, a summary; it exits 0 only when everything
recorded matches. tests/unit/test_api_surface.py runs the same check in `make test`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (
    None,
    "",
):  # run as a script: make `tools` and the work tree's `dagger` importable
    sys.path.insert(0, str(ROOT))

from tools._manifest_agreement import disagreements  # noqa: E402
from tools._source_index import SourceIndex  # noqa: E402
from tools._static_surface import SurfaceReader  # noqa: E402
from tools._surface_check import Report, check_surface  # noqa: E402

DISTRIBUTION, VERSION = "wf-dagger", "0.2.6"
SNAPSHOT = ROOT / "tests" / "api" / "wf_dagger_0_2_6_surface.json"
# The public modules of 0.2.6 (the same list as the team's api_manifest.py).
MODULES = [
    "dagger.exceptions.exceptions",
    "dagger.executor.executor",
    "dagger.modeler.builder_helper",
    "dagger.modeler.definition",
    "dagger.service.engineconfig",
    "dagger.service.services",
    "dagger.store.stores",
    "dagger.tasks.task",
    "dagger.templates.template",
    "dagger.tracing.utils",
    "dagger.utils.utils",
]


def download_wheel(into: Path) -> Path:
    """Fetch the wf-dagger 0.2.6 wheel from the package index with pip; return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"{DISTRIBUTION}=={VERSION}"]
        + ["--no-deps", "--only-binary=:all:", "--quiet", "-d", str(into)],
        check=True,
    )
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel in {into}, found {[w.name for w in wheels]}")
    return wheels[0]


def package_sources(wheel: Path, package: str = "dagger") -> dict[str, str]:
    """Dotted module name -> source text for every module of ``package`` in the wheel."""
    sources = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith(f"{package}/") and name.endswith(".py"):
                dotted = name[: -len(".py")].replace("/", ".").removesuffix(".__init__")
                sources[dotted] = archive.read(name).decode("utf-8")
    return sources


def surface_from_sources(sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The recorded entries of every module in MODULES."""
    reader = SurfaceReader(SourceIndex(sources, "dagger"))
    return {module: reader.module_entries(module) for module in MODULES}


def to_json(data: Any) -> str:
    """Stable JSON with each innermost list (a parameter, a field list) on one line."""

    def one_line(match: re.Match[str]) -> str:
        try:
            return json.dumps(json.loads(match.group(0)))
        except ValueError:
            return match.group(0)

    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    return re.sub(r"\[[^\[\]{}]*\]", one_line, text) + "\n"


def record(wheel: Path | None, out: Path) -> None:
    """Write the snapshot of the given (or freshly downloaded) wheel to ``out``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = wheel or download_wheel(Path(tmp))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        modules = surface_from_sources(package_sources(path))
    snapshot = {
        "about": "Public names and signatures of wf-dagger 0.2.6, read statically from its wheel "
        "by tools/api_snapshot.py record. Data only: no source text.",
        "source": {
            "distribution": DISTRIBUTION,
            "version": VERSION,
            "wheel": path.name,
            "sha256": digest,
        },
        "modules": modules,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_json(snapshot), encoding="utf-8")
    print(
        f"recorded {sum(len(e) for e in modules.values())} names of {len(modules)} modules to {out}"
    )


def load_snapshot(path: Path = SNAPSHOT) -> dict[str, dict[str, Any]]:
    """The recorded modules of a snapshot file."""
    modules: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["modules"]
    return modules


def check(path: Path = SNAPSHOT) -> Report:
    """Check the importable `dagger` against the snapshot at ``path``."""
    return check_surface(load_snapshot(path))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="read the 0.2.6 wheel and write the snapshot")
    rec.add_argument("--wheel", type=Path, help="a local wf_dagger-0.2.6 wheel (default: download)")
    rec.add_argument("--out", type=Path, default=SNAPSHOT)
    chk = commands.add_parser("check", help="compare the importable dagger with the snapshot")
    chk.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    agr = commands.add_parser("agree", help="compare the snapshot with an api_manifest.py dump")
    agr.add_argument("manifest", type=Path)
    agr.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    args = parser.parse_args(argv)

    if args.command == "record":
        record(args.wheel, args.out)
        return 0
    if args.command == "check":
        report = check(args.snapshot)
        print("\n".join(report.gaps + [report.summary()]))
        return 0 if report.matched == report.total else 1
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    found, compared = disagreements(load_snapshot(args.snapshot), manifest)
    print("\n".join(found + [f"{compared} entries compared, {len(found)} disagreements"]))
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main())
