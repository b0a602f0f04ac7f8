"""The errors the ``dagger`` command reports, each with the exit status it ends with."""

from __future__ import annotations

#: Exit statuses of ``dagger`` (docs/operations/cli.md lists them).
EXIT_OK = 0
EXIT_ERROR = 1  # anything else: a worker answered with an error, a worker failed to start
EXIT_USAGE = 2  # a wrong option or argument (click's own status for usage errors)
EXIT_UNREACHABLE = 3  # no answer from a worker URL
EXIT_NOT_FOUND = 4  # no worker holds that workflow id
EXIT_AUTH = 5  # the token is missing or wrong (401 / 403)
EXIT_NO_ACTIONS = 6  # the worker accepts no actions (it has no web_token)
EXIT_CONFLICT = 7  # the action does not apply (409: nothing to retry, already ended)


class CliError(Exception):
    """A failure to report as one line on stderr, ending the command with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class Unreachable(CliError):
    """A worker URL did not answer (connection refused, timeout, not HTTP)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_UNREACHABLE)
