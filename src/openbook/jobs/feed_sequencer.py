"""Keep RPDE feeds fresh: number committed changes a few times a second.

Any process may run it; the store makes concurrent runs safe (decision 0003).
"""

from __future__ import annotations

import asyncio

from openbook.jobs.periodic import run_periodically
from openbook.store.port import Store


async def run_feed_sequencer(store: Store, interval: float, stop: asyncio.Event) -> None:
    await run_periodically("feed_sequencer", store.sequence_feed_changes, interval, stop)
