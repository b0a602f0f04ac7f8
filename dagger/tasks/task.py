"""Every task and record type, the status enums and ``KafkaAgent`` (the 0.2.6 public module).

The classes live in small private modules beside this one (``_base``, ``_executor``,
``_timers``, ``_listener``, ``_decision``, ``_composite``, ``_nonleaf``, ``_workflow``,
``_system``) and the statuses in ``dagger.core.status``; import them from
here, as in 0.2.6. Their type tags (``dagger.tasks.task.<Class>``) name this module.
"""

from typing import Any, Optional  # noqa: F401 - resolvable names for stored type hints
from uuid import UUID  # noqa: F401

from dagger.core.records import (
    CorrelatableKeyTasks,
    CorrelatableLookUpKey,
    CorrelatableMapValue,
    CorreletableKeyTasks,
    CorreletableLookUpKey,
    Trigger,
)
from dagger.core.status import (
    COMPLETE_BY_KEY,
    KT,
    TERMINAL_STATUSES,
    VT,
    T,
    TaskLookupKey,
    TaskOperator,
    TaskStatus,
    TaskStatusEnum,
    TaskType,
)
from dagger.engine._kafka_agent import KafkaAgent
from dagger.tasks._base import INonLeafNodeTask, ITask, ITemplateDAGInstance
from dagger.tasks._composite import ParallelCompositeTask
from dagger.tasks._decision import DecisionTask
from dagger.tasks._executor import ExecutorTask, KafkaCommandTask
from dagger.tasks._listener import KafkaListenerTask, SensorTask
from dagger.tasks._nonleaf import (
    DefaultProcessTemplateDAGInstance,
    IMonitoredTask,
    IProcessTemplateDAGInstance,
    MonitoredProcessTemplateDAGInstance,
)
from dagger.tasks._system import SystemTask, SystemTimerTask
from dagger.tasks._timers import (
    DefaultMonitoringTask,
    IntervalTask,
    MonitoringTask,
    SkipOnMaxDurationTask,
    TriggerTask,
)
from dagger.tasks._workflow import DefaultTemplateDAGInstance

__all__ = [
    "COMPLETE_BY_KEY",
    "KT",
    "TERMINAL_STATUSES",
    "VT",
    "T",
    "CorrelatableKeyTasks",
    "CorrelatableLookUpKey",
    "CorrelatableMapValue",
    "CorreletableKeyTasks",
    "CorreletableLookUpKey",
    "DecisionTask",
    "DefaultMonitoringTask",
    "DefaultProcessTemplateDAGInstance",
    "DefaultTemplateDAGInstance",
    "ExecutorTask",
    "IMonitoredTask",
    "INonLeafNodeTask",
    "IProcessTemplateDAGInstance",
    "ITask",
    "ITemplateDAGInstance",
    "IntervalTask",
    "KafkaAgent",
    "KafkaCommandTask",
    "KafkaListenerTask",
    "MonitoredProcessTemplateDAGInstance",
    "MonitoringTask",
    "ParallelCompositeTask",
    "SensorTask",
    "SkipOnMaxDurationTask",
    "SystemTask",
    "SystemTimerTask",
    "TaskLookupKey",
    "TaskOperator",
    "TaskStatus",
    "TaskStatusEnum",
    "TaskType",
    "Trigger",
    "TriggerTask",
]
