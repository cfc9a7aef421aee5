"""The small database interface both adapters provide, so store logic and SQL are written once.

SQL is written with ``:name`` parameters; each adapter translates it to its driver's style once
and caches the result.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from typing import Any, Protocol

Row = Mapping[str, Any]
Params = Mapping[str, Any]

_PARAM = re.compile(r"(?<![:\w]):([a-zA-Z_]\w*)")


@lru_cache(maxsize=512)
def to_numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """Rewrite ``:name`` parameters to PostgreSQL's ``$1``; return the text and the name order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAM.sub(number, sql), tuple(names)


class StatementAbandoned(Exception):
    """A statement undid itself on purpose (on PostgreSQL by dividing by zero in a guard): no effect."""


class Session(Protocol):
    dialect: str  # "sqlite" or "postgresql"
    lock_rows: str  # appended to a SELECT that must lock what it reads ("" where writers are serialised)

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None: ...

    async def fetch_tuples(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Rows as plain tuples of values, in the selected columns' order (for joined rows sliced by position)."""
        ...

    async def execute(self, sql: str, params: Params | None = None) -> None: ...

    async def execute_many(self, sql: str, params: Sequence[Params]) -> None: ...


class Database(Protocol):
    dialect: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def reading(self) -> AbstractAsyncContextManager[Session]:
        """A read-only session on a consistent snapshot."""
        ...

    def statement(self) -> AbstractAsyncContextManager[Session]:
        """A session for single statements outside an explicit transaction: each is its own transaction.

        One statement sees one snapshot, so a read needs no BEGIN/COMMIT (on PostgreSQL two network round
        trips fewer than ``reading()``). On SQLite the session is read-only: writes go through ``writing()``.
        """
        ...

    def writing(self) -> AbstractAsyncContextManager[Session]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        ...

    async def sequence_feed_changes(self, pending: Mapping[str, str]) -> int:
        """The dialect-specific feed sequencer (docs/decisions/0003-feed-sequencing.md).

        ``pending`` maps each feed table to the SQL condition of its rows awaiting a change number.
        """
        ...


def id_list(dialect: str, name: str) -> str:
    """A ``column IN …`` right-hand side for a list parameter, in a form each dialect can bind."""
    if dialect == "postgresql":
        return f"(SELECT unnest(CAST(:{name} AS bigint[])))"
    return f"(SELECT value FROM json_each(:{name}))"


def id_list_value(dialect: str, ids: Sequence[int]) -> Any:
    if dialect == "postgresql":
        return list(ids)
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def bound_id_list(dialect: str, name: str, ids: Collection[int]) -> tuple[str, Any]:
    """``id_list`` and its value, except that one id (most bookings name one opportunity) is bound as a
    scalar, ``IN (:name)``. PostgreSQL cannot tell a list parameter's length, so it plans such a statement
    afresh at every call (its generic plan assumes many ids); with a scalar it keeps one plan per
    connection, and on the booking statements' pool, whose plans are generic (decision 0018), a plan made
    for one row rather than for a list of unknown length. Measured on the inventory read: 0.48 ms a call
    with the list, 0.16 ms with the scalar."""
    if len(ids) == 1:
        return f"(:{name})", next(iter(ids))
    return id_list(dialect, name), id_list_value(dialect, sorted(ids))
