"""Run the benchmarks, print a table, write the figures."""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import asyncpg

from openbook.bench.feeds import bench_feed_size
from openbook.bench.report import Report
from openbook.store.urls import DatabaseUrl


async def _drop(url: DatabaseUrl) -> None:
    if url.is_postgres:
        connection = await asyncpg.connect(url.postgres_dsn)
        try:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{url.schema}" CASCADE')
        finally:
            await connection.close()
    else:
        shutil.rmtree(url.sqlite_path.parent, ignore_errors=True)


async def run_feed_benchmarks(
    report: Report, backends: dict[str, str], sizes: list[int], echo: Callable[[str], None]
) -> None:
    with tempfile.TemporaryDirectory(prefix="openbook-bench-") as workdir:
        for backend, base_url in backends.items():
            by_size = {}
            for size in sizes:
                echo(f"feeds/{backend}: filling {size:,} items …")
                result = await bench_feed_size(base_url, Path(workdir), size, _drop)
                by_size[str(size)] = {"fill_seconds": result.fill_seconds, **result.page}
                echo(
                    f"feeds/{backend}: {size:>9,} items  page of 500: median {result.page['median_ms']:.2f} ms"
                    f"  p99 {result.page['p99_ms']:.2f} ms"
                )
            smallest, largest = str(min(sizes)), str(max(sizes))
            ratio = by_size[largest]["median_ms"] / by_size[smallest]["median_ms"]
            echo(f"feeds/{backend}: page cost ratio {largest}/{smallest} items = {ratio:.2f}")
            report.add(
                f"feed_page_{backend}",
                {"page_size": 500, "by_feed_size": by_size, "ratio_largest_to_smallest": round(ratio, 3)},
            )


def run_booking(
    report: Report, backends: dict[str, str], requests: int, workers: int, echo: Callable[[str], None]
) -> None:
    from openbook.bench.booking import run_booking_benchmarks, scratch

    for backend, base_url in backends.items():
        with tempfile.TemporaryDirectory(prefix="openbook-bench-") as workdir:
            url = scratch(base_url, Path(workdir))
            echo(f"booking/{backend}: {requests} requests per scenario, {workers} server worker(s), 64 connections")
            try:
                report.add(
                    f"booking_{backend}",
                    {
                        "workers": workers,
                        "connections": 64,
                        **run_booking_benchmarks(url, _free_port(), requests, workers, echo),
                    },
                )
            finally:
                asyncio.run(_drop(url))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(
    output: Path,
    postgres_url: str | None,
    sizes: list[int],
    echo: Callable[[str], None],
    only: set[str] | None = None,
    requests: int = 4000,
    workers: int = 2,
) -> Report:
    report = Report()
    backends = {"sqlite": "sqlite"}
    if postgres_url:
        backends["postgresql"] = postgres_url
    if only is None or "feeds" in only:
        asyncio.run(run_feed_benchmarks(report, backends, sizes, echo))
    if only is None or "booking" in only:
        run_booking(report, backends, requests, workers, echo)
    report.write(output)
    echo(f"figures written to {output}")
    return report
