"""``WorkflowTestEnvironment``: run a service's own templates in a unit test, in milliseconds.

The environment takes the service's engine (``Dagger`` or anything with its ``topics`` and
``listeners`` registries) and, while it is active (``with``/``async with``):

- installs an :class:`~dagger.testing.InMemoryRuntime` on a :class:`~dagger.testing.FakeClock`
  for the code run through it;
- swaps each topic registered on the engine for a :class:`RecordingTopic`, so command tasks'
  ``Dagger.app.topics[name].send(...)`` is recorded instead of produced to Kafka (the
  engine's own topics come back on exit).

Time only moves when the test says so: :meth:`WorkflowTestEnvironment.advance` walks the
clock from one due trigger to the next (trigger and interval tasks, retries, timeouts),
firing each in due order, so a one-hour wait costs nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, MutableMapping, Sequence
from types import TracebackType
from typing import Any, Protocol
from uuid import UUID

from dagger.core.context import get_runtime, set_runtime, using
from dagger.core.ports import WorkflowRuntime
from dagger.core.status import TaskStatusEnum
from dagger.core.transitions import code_of
from dagger.engine import operations, recovery
from dagger.tasks._workflow import ITemplateDAGInstance
from dagger.testing._memory import FakeClock, InMemoryRuntime
from dagger.testing._recording import RecordingTopic, SentMessage

__all__ = ["EngineLike", "TemplateLike", "WorkflowTestEnvironment"]

#: At most this many trigger firings in one ``advance``: more means a task keeps
#: rescheduling itself without time moving, which would otherwise loop forever.
MAX_FIRINGS = 100_000


class TemplateLike(Protocol):
    """A workflow template: what :meth:`WorkflowTestEnvironment.start` calls."""

    async def create_instance(
        self,
        id: UUID,
        partition_key_lookup: str,
        *,
        repartition: bool = True,
        submit_task: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Create (and with ``submit_task`` start) a workflow instance."""


class EngineLike(Protocol):
    """What the environment uses of the service's engine (``Dagger`` has it).

    ``topics``: the topic registry by name, which command tasks send through;
    ``listeners``: the listener task types registered per topic name. A ``template_dags``
    mapping (``Dagger``'s registered templates) lets :meth:`WorkflowTestEnvironment.start`
    take a template's name.
    """

    @property
    def topics(self) -> MutableMapping[str, Any]:
        """Topics by name."""

    @property
    def listeners(self) -> Mapping[str, Sequence[type]]:
        """Listener task types by topic name."""


class WorkflowTestEnvironment:
    """A broker-free, clock-controlled place to run a service's workflows in tests.

    Args:
        engine: the service's engine (``Dagger``), or a stand-in with ``topics`` and
            ``listeners``.
        start: the fake clock's start, epoch seconds (default: now).
        delete_workflow_on_complete: as the engine option of that name.

    Use it as a context manager (``with`` or ``async with``)::

        async with WorkflowTestEnvironment(engine) as env:
            workflow_id = await env.start("OrderWorkflow", order_id="o-1")
            await env.deliver("orders_ready", {"order_id": "o-1"})
            await env.advance(3600)
            assert env.status_of(workflow_id) == "COMPLETED"
    """

    def __init__(
        self,
        engine: EngineLike,
        *,
        start: float | None = None,
        delete_workflow_on_complete: bool = False,
    ) -> None:
        self.engine = engine
        self.clock = FakeClock(time.time() if start is None else start)
        self.runtime = InMemoryRuntime(
            clock=self.clock, delete_workflow_on_complete=delete_workflow_on_complete
        )
        self._swapped: dict[str, Any] | None = None
        self._recording: dict[str, RecordingTopic] = {}
        self._previous: WorkflowRuntime | None = None

    # -- activation -----------------------------------------------------------------------
    def __enter__(self) -> WorkflowTestEnvironment:
        self.activate()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.deactivate()

    async def __aenter__(self) -> WorkflowTestEnvironment:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)

    @property
    def active(self) -> bool:
        """Whether the environment is entered (its runtime installed, topics recording)."""
        return self._swapped is not None

    def activate(self) -> None:
        """Install the runtime and swap the engine's topics for recording ones."""
        if self.active:
            raise RuntimeError("this WorkflowTestEnvironment is already active")
        try:
            self._previous = get_runtime()
        except RuntimeError:
            self._previous = None
        set_runtime(self.runtime)
        self._swapped = {}
        self._swap_new_topics()

    def _swap_new_topics(self) -> None:
        # Topics registered while the environment is active (a template built inside the
        # ``with`` block) are swapped too, before anything runs.
        if self._swapped is None:
            return
        topics = self.engine.topics
        for name in list(topics):
            if name not in self._swapped:
                self._swapped[name] = topics[name]
                topics[name] = self._recorder(name)

    def deactivate(self) -> None:
        """Put the engine's topics and the previous runtime back."""
        if self._swapped is None:
            return
        topics = self.engine.topics
        for name, original in self._swapped.items():
            topics[name] = original
        self._swapped = None
        set_runtime(self._previous)
        self._previous = None

    def _recorder(self, name: str) -> RecordingTopic:
        if name not in self._recording:
            self._recording[name] = RecordingTopic(name)
        return self._recording[name]

    def _check_active(self) -> None:
        if not self.active:
            raise RuntimeError(
                "the WorkflowTestEnvironment is not active: use it as "
                "'with WorkflowTestEnvironment(engine) as env:' (or 'async with')"
            )
        self._swap_new_topics()

    # -- driving workflows ----------------------------------------------------------------
    def now(self) -> float:
        """The fake clock's time, epoch seconds."""
        return self.clock.now()

    async def start(
        self,
        template: str | TemplateLike,
        *,
        workflow_id: UUID | None = None,
        partition_key_lookup: str | None = None,
        **parameters: Any,
    ) -> UUID:
        """Create and start a workflow of ``template`` here; return its id.

        ``template`` is a template object or the name it is registered under on the engine.
        ``parameters`` become its runtime parameters. ``partition_key_lookup`` defaults to
        the name of the first parameter (it only matters with ``repartition=True``, which
        the environment does not use: the workflow starts on this runtime).
        """
        self._check_active()
        found = self._template(template)
        wid = workflow_id if workflow_id is not None else uuid.uuid4()
        lookup = partition_key_lookup or next(iter(parameters), "id")
        with using(self.runtime):
            await found.create_instance(
                wid, lookup, repartition=False, submit_task=True, **parameters
            )
        return wid

    def _template(self, template: str | TemplateLike) -> TemplateLike:
        if not isinstance(template, str):
            return template
        registered: Mapping[str, Any] = getattr(self.engine, "template_dags", None) or {}
        if template not in registered:
            raise LookupError(
                f"no workflow template {template!r} is registered on the engine "
                f"(registered: {sorted(registered)}); pass the template object instead"
            )
        found: TemplateLike = registered[template]
        return found

    async def deliver(self, topic: str, payload: Any) -> int:
        """Deliver a listener message on ``topic`` as the engine's consumer would.

        It goes to the listener types the engine registered for the topic; returns how many
        tasks took it (ran ``on_message``). A topic no listener is registered for raises
        ``LookupError`` (a misspelt topic would otherwise deliver to nothing).
        """
        self._check_active()
        types = list(self.engine.listeners.get(topic, ()))
        if not types:
            raise LookupError(
                f"no listener is registered for topic {topic!r} "
                f"(listener topics: {sorted(self.engine.listeners)})"
            )
        with using(self.runtime):
            return await self.runtime.deliver(topic, payload, types)

    async def advance(self, seconds: float) -> int:
        """Move the clock ``seconds`` forward, firing every trigger due on the way.

        Triggers (trigger and interval tasks, retries, timeouts, deadlines) fire in due
        order, the clock set to each one's time as it fires; triggers set by a firing are
        fired too when due within the window. A trigger that stays at the same time after
        firing (its task is not reached yet) is looked at again by the next ``advance``.
        Returns how many triggers fired.
        """
        self._check_active()
        if seconds < 0:
            raise ValueError(f"the clock only moves forward; got {seconds!r} seconds")
        target = self.clock.now() + float(seconds)
        fired = 0
        seen: set[tuple[str, str, float]] = set()
        with using(self.runtime):
            while True:
                trigger = self._next_due(target, seen)
                if trigger is None:
                    break
                due = float(trigger.trigger_time)
                seen.add((str(trigger.workflow_id), str(trigger.id), due))
                if due > self.clock.now():
                    self.clock.set(due)
                await operations.fire_trigger(self.runtime, trigger)
                fired += 1
                if fired >= MAX_FIRINGS:
                    raise RuntimeError(
                        f"{fired} trigger firings in one advance: a task keeps rescheduling "
                        f"itself at times already passed"
                    )
        if target > self.clock.now():
            self.clock.set(target)
        return fired

    def _next_due(self, target: float, seen: set[tuple[str, str, float]]) -> Any:
        for trigger in self.runtime.due_triggers(target):
            key = (str(trigger.workflow_id), str(trigger.id), float(trigger.trigger_time))
            if key not in seen:
                return trigger
        return None

    def next_due(self) -> float | None:
        """The time of the earliest stored trigger (``None``: nothing waits for time)."""
        times = [float(t.trigger_time) for t in self.runtime.triggers.values() if t.trigger_time]
        return min(times) if times else None

    async def retry(self, workflow_id: UUID | str) -> ITemplateDAGInstance[Any, Any]:
        """``Dagger.retry_workflow`` here: run the workflow's failed tasks again."""
        self._check_active()
        return await recovery.retry_workflow(self.runtime, workflow_id)

    async def stop(self, workflow_id: UUID | str) -> ITemplateDAGInstance[Any, Any]:
        """``Dagger.stop_workflow`` here: stop the workflow."""
        self._check_active()
        return await recovery.stop_workflow(self.runtime, workflow_id)

    # -- reading back ---------------------------------------------------------------------
    def instance(self, workflow_id: UUID | str) -> ITemplateDAGInstance[Any, Any]:
        """The stored workflow, decoded as a store would (``LookupError`` when absent)."""
        workflow = self.runtime.stored(workflow_id)
        if workflow is None:
            deleted = any(str(d) == str(workflow_id) for d in self.runtime.deleted)
            why = "it was deleted on completion" if deleted else "no such workflow was started"
            raise LookupError(f"no workflow {workflow_id} is stored: {why}")
        return workflow

    def task(self, workflow_id: UUID | str, name: str) -> Any:
        """The task of the workflow called ``name``: its full ``task_name`` or the part
        after its last dot (``LookupError`` when none or several match)."""
        workflow = self.instance(workflow_id)
        names = [str(t.task_name) for t in workflow.tasks.values()]
        found = [
            t
            for t in workflow.tasks.values()
            if t.task_name == name or str(t.task_name).endswith(f".{name}")
        ]
        if len(found) != 1:
            what = "no task" if not found else f"{len(found)} tasks"
            raise LookupError(f"{what} called {name!r} in workflow {workflow_id}: {names}")
        return found[0]

    def status_of(self, workflow_id: UUID | str, task_name: str | None = None) -> TaskStatusEnum:
        """The status of the workflow, or of its task called ``task_name`` (see :meth:`task`).

        A ``TaskStatusEnum``, equal to its name: ``env.status_of(wid) == "COMPLETED"``.
        """
        node = (
            self.instance(workflow_id) if task_name is None else self.task(workflow_id, task_name)
        )
        return code_of(node)

    def sent(self, topic: str) -> list[SentMessage]:
        """What was sent on ``topic`` while the environment was active, in order:
        ``(key, value, headers)`` each (headers include the command task's idempotency
        headers, as the engine's topics add them)."""
        recorder = self._recording.get(topic)
        return list(recorder.sent) if recorder is not None else []
