"""Concrete workflow and process templates and their builders (the 0.2.6 public module).

The classes live in small private modules beside this one and are re-exported here; import
them from ``dagger.modeler.definition`` as in 0.2.6.
"""

from __future__ import annotations

from dagger.core.status import KT, VT
from dagger.modeler._process_builders import (
    DynamicProcessTemplateDagBuilder,
    ParallelCompositeProcessTemplateDagBuilder,
    ProcessTemplateDagBuilder,
)
from dagger.modeler._process_templates import (
    DynamicProcessTemplateDAG,
    ParallelCompositeProcessTemplateDAG,
    ProcessTemplateDAG,
)
from dagger.modeler._template_dag import DefaultTemplateBuilder, TemplateDAG

__all__ = [
    "KT",
    "VT",
    "DefaultTemplateBuilder",
    "DynamicProcessTemplateDAG",
    "DynamicProcessTemplateDagBuilder",
    "ParallelCompositeProcessTemplateDAG",
    "ParallelCompositeProcessTemplateDagBuilder",
    "ProcessTemplateDAG",
    "ProcessTemplateDagBuilder",
    "TemplateDAG",
]

# The public path is the one users see in reprs and tracebacks, as in 0.2.6.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
