"""PostgreSQL adapter: asyncpg pool; several processes or hosts may share one database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from openbook.store.database import Params, Row, StatementAbandoned, to_numbered

# Key of the transaction-scoped advisory lock that serialises feed sequencer runs across hosts.
SEQUENCER_LOCK = 0x0B_F33D
SEQUENCE_BATCH = 5000


def _bind(sql: str, params: Params | None) -> tuple[str, list[Any]]:
    text, names = to_numbered(sql)
    values = [] if params is None else [params[name] for name in names]
    return text, values


class PostgresSession:
    dialect = "postgresql"
    lock_rows = " FOR UPDATE"

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        text, values = _bind(sql, params)
        rows: list[Row] = await self._connection.fetch(text, *values)
        return rows

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        text, values = _bind(sql, params)
        try:
            row: Row | None = await self._connection.fetchrow(text, *values)
        except asyncpg.DivisionByZeroError as error:
            raise StatementAbandoned(str(error)) from error
        return row

    async def fetch_tuples(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        text, values = _bind(sql, params)
        return [tuple(row) for row in await self._connection.fetch(text, *values)]

    async def execute(self, sql: str, params: Params | None = None) -> None:
        text, values = _bind(sql, params)
        await self._connection.execute(text, *values)

    async def execute_many(self, sql: str, params: Sequence[Params]) -> None:
        text, names = to_numbered(sql)
        await self._connection.executemany(text, [[p[name] for name in names] for p in params])


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Nothing to undo when a connection returns to the pool: openbook never LISTENs, SETs, keeps a cursor
    open or takes a session-level advisory lock (the sequencer's lock ends with its transaction), and asyncpg
    still rolls back a transaction left open. The default reset (UNLISTEN, CLOSE ALL, RESET ALL, advisory
    unlock) was one more round trip per statement: about a third of a C2's trips to the database."""


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, dsn: str, *, schema: str | None = None, min_size: int = 2, max_size: int = 16) -> None:
        self.dsn = dsn
        self.schema = schema
        self.min_size = min_size
        self.max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._statement_pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        settings = {"search_path": self.schema} if self.schema else {}
        self._pool = await self._open_pool(settings)
        # The booking requests' own statements (``statement()``) reuse one plan per connection even when they
        # carry arrays, whose custom plans PostgreSQL would otherwise make again at every call; the other
        # statements keep plans made for their values (docs/decisions/0018-postgres-plan-reuse.md).
        self._statement_pool = await self._open_pool({**settings, "plan_cache_mode": "force_generic_plan"})

    async def _open_pool(self, settings: dict[str, str]) -> asyncpg.Pool:
        return await asyncpg.create_pool(
            self.dsn, min_size=self.min_size, max_size=self.max_size, server_settings=settings, reset=_keep_session
        )

    async def close(self) -> None:
        for pool in (self._pool, self._statement_pool):
            if pool is not None:
                await pool.close()
        self._pool = self._statement_pool = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PostgresSession]:
        assert self._pool is not None, "database not open"
        async with (
            self._pool.acquire() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PostgresSession(connection)

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[PostgresSession]:
        assert self._statement_pool is not None, "database not open"
        async with self._statement_pool.acquire() as connection:
            yield PostgresSession(connection)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[PostgresSession]:
        assert self._pool is not None, "database not open"
        async with self._pool.acquire() as connection, connection.transaction():
            yield PostgresSession(connection)

    async def sequence_feed_changes(self, pending: Mapping[str, str]) -> int:
        """Number committed pending rows; runs are serialised by an advisory lock.

        Rows still locked by an in-flight writer are skipped and numbered by a later run, so every
        number handed out here is above every number a reader may already have seen.
        """
        assert self._pool is not None, "database not open"
        total = 0
        while True:
            numbered = 0
            async with self._pool.acquire() as connection, connection.transaction():
                if not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", SEQUENCER_LOCK):
                    return total
                for table, condition in pending.items():
                    status = await connection.execute(
                        f"UPDATE {table} SET modified = nextval('feed_change_seq') FROM ("
                        f" SELECT id FROM {table} WHERE {condition} ORDER BY id LIMIT {SEQUENCE_BATCH}"
                        f" FOR UPDATE SKIP LOCKED) AS pending WHERE {table}.id = pending.id"
                    )
                    numbered += int(status.split()[-1])
            total += numbered
            if numbered < SEQUENCE_BATCH:
                return total
