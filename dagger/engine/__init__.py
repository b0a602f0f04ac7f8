"""The engine's use cases over the workflow model, with no faust: starting workflows
(``operations.store_and_create``, ``submit``), delivering listener messages and firing timers.

The faust runtime, the in-memory runtime of :mod:`dagger.testing` and the templates call them.
"""
