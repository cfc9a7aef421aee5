"""Alembic environment: runs migrations for SQLite (sync) or PostgreSQL (through asyncpg)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, create_engine, pool
from sqlalchemy.ext.asyncio import create_async_engine

from openbook.store.schema import metadata

config = context.config


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_async(url: str, schema: str | None) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    if schema:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await engine.dispose()
        settings = {"server_settings": {"search_path": schema}}
        engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=settings)
    async with engine.connect() as connection:
        await connection.run_sync(_migrate)
    await engine.dispose()


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    if "+asyncpg" in url:
        asyncio.run(_migrate_async(url, config.attributes.get("schema")))
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `openbook migrate`")
run()
