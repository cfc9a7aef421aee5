"""Apply the schema migrations to a database named by URL (`openbook migrate`, and at start on SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from openbook.store.urls import DatabaseUrl

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: DatabaseUrl) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.sqlalchemy_url.replace("%", "%%"))
    config.attributes["schema"] = url.schema
    return config


def migrate(url: DatabaseUrl) -> None:
    if not url.is_postgres:
        url.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")
