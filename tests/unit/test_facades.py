"""The 0.2.6 module paths are re-exporting facades: no private module imports one.

A private module importing a facade would tie the implementation to the compatibility
surface (and, for ``dagger.tasks.task``, which re-exports an engine class, make a cycle).
"""

from __future__ import annotations

import grimp

FACADES = {
    "dagger.tasks.task",
    "dagger.service.services",
    "dagger.service.engineconfig",
    "dagger.store.stores",
    "dagger.templates.template",
    "dagger.modeler.definition",
}


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in module.split("."))


def test_no_private_module_imports_a_0_2_6_facade() -> None:
    graph = grimp.build_graph("dagger")
    offenders = sorted(
        f"{importer} -> {facade}"
        for facade in FACADES
        for importer in graph.find_modules_that_directly_import(facade)
        if _is_private(importer)
    )
    assert not offenders, "private modules import a facade:\n" + "\n".join(offenders)


def test_the_check_sees_a_private_importer() -> None:
    graph = grimp.build_graph("dagger")
    graph.add_import(importer="dagger.engine._probe", imported="dagger.tasks.task")
    assert "dagger.engine._probe" in graph.find_modules_that_directly_import("dagger.tasks.task")
    assert _is_private("dagger.engine._probe") and not _is_private("dagger.engine.operations")
