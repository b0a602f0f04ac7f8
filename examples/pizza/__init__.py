"""The seed README's pizza workflow, runnable end to end on the development broker.

``make demo`` runs :mod:`examples.pizza.demo`; the worker alone is ``python -m examples.pizza.worker``.
"""
