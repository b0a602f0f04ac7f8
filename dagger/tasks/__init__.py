"""Workflow tasks; the public classes are in :mod:`dagger.tasks.task`."""
