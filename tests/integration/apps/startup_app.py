"""A tiny dagger worker for the start-up tests: no templates, one listener topic.

Settings come from the environment (see ``tests/support/worker.py``): ``DAGGER_BROKER``,
``DAGGER_DATA_DIR``, ``DAGGER_WEB_PORT``, plus ``STARTUP_APP_ID``, ``STARTUP_PREFIX`` (topic
name prefix), ``STARTUP_PARTITIONS`` (``kafka_partitions``, default 1) and
``STARTUP_TIMEOUT`` (``Dagger.STARTUP_TIMEOUT``, when given). It leaves logging to
``Dagger.main()``: what it prints is what a user's worker prints.
"""

from __future__ import annotations

import os

from dagger.devbroker import dev_faust_settings
from dagger.service.services import Dagger
from tests.integration.apps.engine_tasks import WaitA

PREFIX = os.environ["STARTUP_PREFIX"]


engine = Dagger(
    broker=os.environ["DAGGER_BROKER"],
    datadir=os.environ["DAGGER_DATA_DIR"],
    application_name=os.environ["STARTUP_APP_ID"],
    kafka_partitions=int(os.environ.get("STARTUP_PARTITIONS", "1")),
    tasks_topic=f"{PREFIX}-tasks",
    web_port=int(os.environ["DAGGER_WEB_PORT"]),
    web_host="127.0.0.1",
    web_bind="127.0.0.1",
    **dev_faust_settings(),
)
engine.register_listener(f"{PREFIX}-listen", WaitA)
if "STARTUP_TIMEOUT" in os.environ:
    Dagger.STARTUP_TIMEOUT = float(os.environ["STARTUP_TIMEOUT"])

if __name__ == "__main__":
    engine.main()
