"""Workflow and process templates and their builders (``definition``), and ``DAGBuilderHelper``."""
