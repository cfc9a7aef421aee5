"""Keep RPDE feeds fresh: number committed changes a few times a second.

Any process may run it; the store makes concurrent runs safe (decision 0003).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from openbook.store.port import Store

log = structlog.get_logger(__name__)


async def run_feed_sequencer(store: Store, interval: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await store.sequence_feed_changes()
        except Exception:  # a transient database error must not stop the feeds for good
            log.exception("feed_sequencer_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
