"""Return expired leases' places to the feeds promptly.

Booking never depends on this job: every capacity decision reclaims expired leases on the
opportunities it touches first. The job makes the open feeds show the returned places soon after
expiry, and purges the customer details of expired quotes.
"""

from __future__ import annotations

import asyncio

from openbook.domain.clock import Clock, to_epoch_ms
from openbook.jobs.periodic import run_periodically
from openbook.store.port import Store


async def run_lease_expiry(store: Store, clock: Clock, interval: float, stop: asyncio.Event) -> None:
    async def sweep() -> int:
        return await store.reclaim_expired_leases(to_epoch_ms(clock.now()))

    await run_periodically("lease_expiry", sweep, interval, stop)
