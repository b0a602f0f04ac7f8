"""Running workflows without Kafka: a test environment, an in-memory runtime, a fake clock.

- :class:`WorkflowTestEnvironment`: run a service's own templates in a unit test: start
  workflows, deliver listener messages, move time (firing timers, retries and timeouts in
  due order), read statuses back and see what command tasks sent.
- :class:`InMemoryRuntime`: the runtime port on plain dicts; it decodes every workflow it
  loads, as a real store does.
- :class:`FakeClock`: a clock that only moves when told to.
- :class:`RecordingTopic`: a topic that records what is sent to it.
"""

from dagger.testing._environment import EngineLike, TemplateLike, WorkflowTestEnvironment
from dagger.testing._memory import FakeClock, InMemoryRuntime
from dagger.testing._recording import RecordingTopic, SentMessage

__all__ = [
    "EngineLike",
    "FakeClock",
    "InMemoryRuntime",
    "RecordingTopic",
    "SentMessage",
    "TemplateLike",
    "WorkflowTestEnvironment",
]
