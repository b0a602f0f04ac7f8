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
