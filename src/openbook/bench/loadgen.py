"""A small HTTP/1.1 keep-alive load generator on asyncio streams.

General-purpose clients spend more CPU per request than the server under test on a 2-core machine,
which would make the client the bottleneck; this one sends prepared bytes and reads only the status
line, the headers and Content-Length bytes of body.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def request_bytes(method: str, host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def run_load(
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    total: int,
    concurrency: int,
    rate: float | None = None,
) -> LoadResult:
    """Send ``total`` requests (``make_request(n)`` builds the n-th) over ``concurrency`` connections.

    With ``rate`` (requests per second) the n-th request is not sent before start + n / rate: an
    open-loop pace, for latency at a given load rather than at saturation.
    """
    counter = iter(range(total))
    result = LoadResult(total, 0.0)
    begin = time.perf_counter()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for n in counter:
                if rate is not None:
                    delay = begin + n / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                started = time.perf_counter()
                writer.write(make_request(n))
                status = await _read_response(reader)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[status] += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - begin
    return result
