"""dagger: a distributed, durable workflow engine on faust-streaming.

Drop-in compatible with wf-dagger 0.2.6: every public name lives at its 0.2.6 module path
(``dagger.tasks.task``, ``dagger.service.services``, ...); nothing is re-exported here.
"""

from dagger._version import installed_version

__version__: str = installed_version()
"""The version of the installed ``wf-dagger`` distribution (from its metadata)."""
__all__: list[str] = []
