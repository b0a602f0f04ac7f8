"""The ``dagger`` command: the group of subcommands and the entry point that maps failures
to one ``error: ...`` line on stderr and an exit status (:mod:`dagger.cli._errors`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from dagger._version import installed_version
from dagger.cli._errors import CliError
from dagger.cli._instances_cmd import instances

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
LOGLEVELS = ("debug", "info", "warning", "error", "critical")


@click.group(context_settings=CONTEXT)
@click.version_option(installed_version(), prog_name="dagger")
def cli() -> None:
    """Run and inspect dagger workers.

    Exit status: 0 done, 1 error, 2 wrong usage, 3 a worker did not answer, 4 no such
    workflow, 5 missing or wrong token, 6 the worker accepts no actions, 7 the action does
    not apply.
    """


@cli.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port (default: a free one)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--log-file", default=None, help="Append the broker's output to this file.")
def devbroker(port: int | None, host: str, log_file: str | None) -> None:
    """Run the development broker (memory only) until Ctrl-C.

    Prints the bootstrap address (kafka://127.0.0.1:PORT) on stdout once it accepts
    connections. The same as python -m dagger.devbroker.
    """
    from dagger.devbroker.__main__ import main as devbroker_main

    argv = ["--host", host]
    if port is not None:
        argv += ["--port", str(port)]
    if log_file is not None:
        argv += ["--log-file", log_file]
    sys.exit(devbroker_main(argv))


@cli.command()
@click.argument("target", metavar="MODULE[:ATTR]")
@click.option(
    "-l",
    "--loglevel",
    type=click.Choice(LOGLEVELS, case_sensitive=False),
    default="info",
    show_default=True,
    help="Log level of dagger's loggers (libraries log from WARNING).",
)
@click.option(
    "--web-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve the web API on this port instead of the engine's web_port.",
)
def worker(target: str, loglevel: str, web_port: int | None) -> None:
    """Run the engine of a module as a worker until SIGTERM or Ctrl-C.

    MODULE is imported (from the current directory or PYTHONPATH); its Dagger instance is the
    engine, or the attribute ATTR names (dotted names allowed). The same as calling the
    engine's main().
    """
    from dagger.cli._worker import run

    run(target, loglevel=loglevel.lower(), web_port=web_port)


cli.add_command(instances)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``dagger`` console script."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None, prog_name="dagger", standalone_mode=False
        )
    except CliError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(0)
