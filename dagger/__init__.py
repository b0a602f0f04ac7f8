"""dagger: a distributed, durable workflow engine on faust-streaming.

Drop-in compatible with wf-dagger 0.2.6: every public name lives at its 0.2.6 module path
(``dagger.tasks.task``, ``dagger.service.services``, ...); nothing is re-exported here.
"""

__version__ = "0.3.0"
__all__: list[str] = []
