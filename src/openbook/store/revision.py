"""Is a database's schema at the revision this code expects?"""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
from alembic.script import ScriptDirectory

from openbook.store.migrate import alembic_config
from openbook.store.urls import DatabaseUrl


def expected_revision(url: DatabaseUrl) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None
    return head


def current_revision(url: DatabaseUrl) -> str | None:
    if url.is_postgres:
        return asyncio.run(_postgres_revision(url))
    if not url.sqlite_path.exists():
        return None
    with sqlite3.connect(url.sqlite_path) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return None if row is None else str(row[0])


async def _postgres_revision(url: DatabaseUrl) -> str | None:
    settings = {"search_path": url.schema} if url.schema else {}
    connection = await asyncpg.connect(url.postgres_dsn, server_settings=settings)
    try:
        return await connection.fetchval("SELECT version_num FROM alembic_version")  # type: ignore[no-any-return]
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await connection.close()
