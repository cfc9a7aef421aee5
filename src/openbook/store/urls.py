"""Database URLs: `postgresql://…` selects PostgreSQL; anything else is a SQLite file path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    raw: str

    @classmethod
    def parse(cls, value: str, data_dir: Path | None = None) -> DatabaseUrl:
        if not value:
            directory = data_dir or Path("openbook-data")
            return cls(f"sqlite:///{(directory / 'openbook.sqlite3').resolve()}")
        if value.startswith(("postgresql://", "postgres://")):
            return cls("postgresql://" + value.split("://", 1)[1])
        if value.startswith("sqlite:///"):
            return cls(value)
        raise ValueError(f"unsupported database URL {value!r}: use postgresql://… or sqlite:///path")

    @property
    def is_postgres(self) -> bool:
        return self.raw.startswith("postgresql://")

    @property
    def sqlite_path(self) -> Path:
        if self.is_postgres:
            raise ValueError("not a SQLite URL")
        return Path(self.raw.removeprefix("sqlite:///"))

    @property
    def schema(self) -> str | None:
        """An optional ``?schema=name`` selects a PostgreSQL schema (used to isolate test runs)."""
        if not self.is_postgres:
            return None
        return dict(parse_qsl(urlsplit(self.raw).query)).get("schema")

    @property
    def postgres_dsn(self) -> str:
        """The URL for the driver, without openbook's own query parameters."""
        parts = urlsplit(self.raw)
        query = [(key, value) for key, value in parse_qsl(parts.query) if key != "schema"]
        return urlunsplit(parts._replace(query=urlencode(query)))

    @property
    def sqlalchemy_url(self) -> str:
        if self.is_postgres:
            return self.postgres_dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
        return "sqlite+pysqlite:///" + str(self.sqlite_path)

    def redacted(self) -> str:
        if "@" in self.raw:
            scheme, rest = self.raw.split("://", 1)
            return f"{scheme}://***@{rest.split('@', 1)[1]}"
        return self.raw
