"""The ``dagger`` command line: run a worker or the development broker, and see what the
workers are doing through their web API (``dagger instances list|show|stop|retry``).

``main`` is the console script's entry point; docs/operations/cli.md describes every command.
"""

from dagger.cli._main import cli, main

__all__ = ["cli", "main"]
