"""A real HTTP server (uvicorn on a loopback port, in a thread) running the real ASGI app."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from openbook.app import create_app
from openbook.domain.clock import Clock
from openbook.settings import Settings
from openbook.store.urls import DatabaseUrl


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    base_url: str
    database_url: DatabaseUrl
    client: httpx.Client

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.client.get(path, **kwargs)  # type: ignore[arg-type]


class ServerThread:
    def __init__(self, settings: Settings, port: int, clock: Clock | None = None) -> None:
        app = create_app(settings, clock=clock)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def start_server(
    database_url: DatabaseUrl, clock: Clock | None = None, public_base: str | None = None, **overrides: object
) -> Iterator[RunningServer]:
    """A server on a free port; ``public_base`` is the URL its @ids use (by default its own address)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=database_url,
        base_url=public_base or base,
        feed_sequencer_interval=0.05,
        lease_sweep_interval=0.05,
        **overrides,  # type: ignore[arg-type]
    )
    with ServerThread(settings, port, clock), httpx.Client(base_url=base, timeout=30) as client:
        yield RunningServer(base, database_url, client)


@pytest.fixture
def server(database_url: DatabaseUrl) -> Iterator[RunningServer]:
    """A server on an empty database of each kind (SQLite file, PostgreSQL schema)."""
    yield from start_server(database_url)


def data_dir_of(url: DatabaseUrl) -> Path:
    return url.sqlite_path.parent
