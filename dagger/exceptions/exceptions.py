"""Exceptions raised by dagger (the 0.2.6 names, all under :class:`DaggerError`)."""


class DaggerError(Exception):
    """Base class of every error dagger raises on purpose."""


class InvalidTaskType(DaggerError):
    """A builder was given a task type it cannot build (wrong base class)."""


class TaskInvalidState(DaggerError):
    """An operation does not fit the task's state (e.g. submitting a completed workflow)."""


class TemplateDoesNotExist(DaggerError):
    """No workflow template is registered under the requested name."""


class InvalidTriggerTimeForTask(DaggerError):
    """A trigger or interval task lacks the runtime parameter holding its time."""


class RecordDecodeError(DaggerError, ValueError):
    """Data could not be decoded into a record: not JSON, not an object, an unknown or
    unfitting type tag, a field value of the wrong type, or a record that cannot be built.

    Every way ``Record.loads`` and ``Record.from_data`` can fail on bad input raises this
    (a ``ValueError``, as decoding errors were before).
    """


class InvalidWorkflowError(RecordDecodeError):
    """A decoded workflow is inconsistent: ids that are not UUIDs, an unknown status code,
    or a reference to a task the workflow does not hold."""


class WorkflowNotFound(TaskInvalidState, LookupError):
    """No workflow with this id is held by this worker (unknown, deleted, or living on
    another worker's partition)."""


class NothingToRetry(TaskInvalidState):
    """``retry_workflow`` was asked for a workflow with no FAILURE task it could run again."""


class WorkflowAlreadyEnded(TaskInvalidState):
    """An action that needs a running workflow (``stop_workflow``) met one that has ended."""
