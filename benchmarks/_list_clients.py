"""Clients that list a worker's workflows in a loop, in their own process (as clients on
other machines would be), until told to stop: ``python -m benchmarks._list_clients URL N``.

Each of the N clients keeps one ``GET URL`` in flight and reads the whole body (without
parsing it: the harness must not spend the CPU it measures). On SIGTERM or when standard
input closes, prints how many requests were answered and how many failed, then exits.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp


async def _client(session: aiohttp.ClientSession, url: str, counts: list[int]) -> None:
    while True:
        try:
            async with session.get(url) as response:
                await response.read()
                counts[0 if response.status == 200 else 1] += 1
        except aiohttp.ClientError:
            counts[1] += 1
            await asyncio.sleep(0.1)  # the worker went away: do not spin


async def main(url: str, clients: int) -> None:
    """Run ``clients`` list loops on ``url`` until SIGTERM or end of standard input."""
    counts = [0, 0]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), stop.set)
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.create_task(_client(session, url, counts)) for _ in range(clients)]
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(f"{counts[0]} {counts[1]}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
