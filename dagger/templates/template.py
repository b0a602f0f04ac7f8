"""Template interfaces, task templates and task builders (the 0.2.6 public module).

The classes live in small private modules beside this one and are re-exported here; import
them from ``dagger.templates.template`` as in 0.2.6.
"""

from __future__ import annotations

from dagger.core.status import KT, VT
from dagger.templates._interfaces import (
    IDynamicProcessTemplateDAG,
    IProcessTemplateDAG,
    IProcessTemplateDAGBuilder,
    ITemplateDAG,
    ITemplateDAGBuilder,
    TaskTemplate,
    TaskTemplateBuilder,
)
from dagger.templates._task_builders import (
    DecisionTaskTemplateBuilder,
    DefaultTaskTemplateBuilder,
    IntervalTaskTemplateBuilder,
    KafkaCommandTaskTemplateBuilder,
    KafkaListenerTaskTemplateBuilder,
    ParallelCompositeTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
)
from dagger.templates._task_templates import (
    DefaultIntervalTaskTemplate,
    DefaultKafkaTaskTemplate,
    DefaultTaskTemplate,
    DefaultTriggerTaskTemplate,
    ParallelCompositeTaskTemplate,
)

__all__ = [
    "KT",
    "VT",
    "DecisionTaskTemplateBuilder",
    "DefaultIntervalTaskTemplate",
    "DefaultKafkaTaskTemplate",
    "DefaultTaskTemplate",
    "DefaultTaskTemplateBuilder",
    "DefaultTriggerTaskTemplate",
    "IDynamicProcessTemplateDAG",
    "IProcessTemplateDAG",
    "IProcessTemplateDAGBuilder",
    "ITemplateDAG",
    "ITemplateDAGBuilder",
    "IntervalTaskTemplateBuilder",
    "KafkaCommandTaskTemplateBuilder",
    "KafkaListenerTaskTemplateBuilder",
    "ParallelCompositeTaskTemplate",
    "ParallelCompositeTaskTemplateBuilder",
    "TaskTemplate",
    "TaskTemplateBuilder",
    "TriggerTaskTemplateBuilder",
]

# The public path is the one users see in reprs and tracebacks, as in 0.2.6.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
