"""Shared fixtures: real databases (a SQLite file, a PostgreSQL schema), a real HTTP server, the validator."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from openbook.store.factory import build_store
from openbook.store.migrate import migrate
from openbook.store.sql_store import SqlStore
from openbook.store.urls import DatabaseUrl

pytest_plugins = ["tests.support.validator_fixture", "tests.support.server_fixture"]

POSTGRES_URL = os.environ.get("OPENBOOK_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _postgres_reachable() -> str | None:
    import asyncio

    async def probe() -> None:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as error:  # any failure to connect means "not available here"
        return f"{type(error).__name__}: {error}"
    return None


_POSTGRES_PROBLEM: str | bool | None = False  # False: not probed yet


def require_postgres() -> None:
    """Under CI an unreachable PostgreSQL fails the run; on a laptop it skips with a visible notice."""
    global _POSTGRES_PROBLEM
    if _POSTGRES_PROBLEM is False:
        _POSTGRES_PROBLEM = _postgres_reachable()
    if _POSTGRES_PROBLEM:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable ({_POSTGRES_PROBLEM})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must provide it", pytrace=False)
        pytest.skip(message + "; set OPENBOOK_TEST_DATABASE_URL to run these tests")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if isinstance(_POSTGRES_PROBLEM, str):
        terminalreporter.write_line(
            f"NOTICE: PostgreSQL tests were skipped: {_POSTGRES_PROBLEM}", yellow=True, bold=True
        )


def _drop_schema(schema: str) -> None:
    import asyncio

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await connection.close()

    asyncio.run(drop())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> DatabaseUrl:
    url = DatabaseUrl.parse("", tmp_path / "data")
    migrate(url)
    return url


@pytest.fixture
def postgres_url() -> Iterator[DatabaseUrl]:
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = DatabaseUrl.parse(f"{POSTGRES_URL}{separator}schema={schema}")
    migrate(url)
    yield url
    _drop_schema(schema)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> DatabaseUrl:
    """A freshly migrated, empty database of each kind."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: DatabaseUrl = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def store(database_url: DatabaseUrl) -> AsyncIterator[SqlStore]:
    the_store = build_store(database_url)
    await the_store.start()
    yield the_store
    await the_store.close()
