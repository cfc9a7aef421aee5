"""Fixtures shared by the HTTP tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openbook.store.urls import DatabaseUrl
from tests.factories import bundle
from tests.http.test_open_data import load
from tests.support.booking import BookingClient
from tests.support.server_fixture import start_server


@pytest.fixture
def booking(database_url: DatabaseUrl) -> Iterator[BookingClient]:
    """A test-mode server with one seller (no inventory: tests create what they need)."""
    load(database_url, bundle(sessions=0, slots=0))
    for server in start_server(database_url, test_mode=True):
        yield BookingClient(server.client, server.base_url)
