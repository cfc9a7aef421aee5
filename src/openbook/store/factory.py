"""Choose and build the Store for a database URL."""

from __future__ import annotations

from openbook.store.postgres import PostgresDatabase
from openbook.store.sql_store import SqlStore
from openbook.store.sqlite import SqliteDatabase
from openbook.store.urls import DatabaseUrl


def build_store(url: DatabaseUrl) -> SqlStore:
    if url.is_postgres:
        return SqlStore(PostgresDatabase(url.postgres_dsn, schema=url.schema))
    return SqlStore(SqliteDatabase(url.sqlite_path))
