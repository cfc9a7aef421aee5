"""SQLite adapter: stdlib sqlite3, WAL, one writer connection per process, a few reader connections.

Writes take ``BEGIN IMMEDIATE`` so that the database file's write lock, not a process-local lock,
orders writers across processes; the in-process lock only stops two coroutines of one process from
interleaving statements on the shared writer connection.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from openbook.store.database import Params, Row

T = TypeVar("T")
Runner = Callable[[Callable[[], Any]], Awaitable[Any]]

READERS = 4
BUSY_TIMEOUT_MS = 10_000
# Most write transactions one COMMIT may carry: bounds how long one process keeps the database's write
# lock from the others, and a member's wait for its acknowledgement.
GROUP_LIMIT = 64


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before we answer; "acknowledged means durable" (decision 0002).
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection


async def _inline(work: Callable[[], Any]) -> Any:
    return work()


@dataclass(slots=True)
class _Group:
    """Write transactions sharing one database transaction; ``done`` resolves when their COMMIT is durable."""

    done: asyncio.Future[None]
    size: int = 0


class SqliteSession:
    dialect = "sqlite"
    lock_rows = ""  # BEGIN IMMEDIATE already makes this the only writer

    def __init__(self, connection: sqlite3.Connection, run: Runner) -> None:
        self._connection = connection
        self._run = run

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        rows: list[Row] = await self._run(lambda: self._connection.execute(sql, params or {}).fetchall())
        return rows

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        row: Row | None = await self._run(lambda: self._connection.execute(sql, params or {}).fetchone())
        return row

    async def fetch_tuples(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        def fetch() -> list[tuple[Any, ...]]:
            cursor = self._connection.cursor()
            cursor.row_factory = None
            rows: list[tuple[Any, ...]] = cursor.execute(sql, params or {}).fetchall()
            return rows

        rows: list[tuple[Any, ...]] = await self._run(fetch)
        return rows

    async def execute(self, sql: str, params: Params | None = None) -> None:
        await self._run(lambda: self._connection.execute(sql, params or {}))

    async def execute_many(self, sql: str, params: Sequence[Params]) -> None:
        await self._run(lambda: self._connection.executemany(sql, params))


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._reader_threads = ThreadPoolExecutor(READERS, thread_name_prefix="sqlite-reader")
        self._writer: sqlite3.Connection | None = None
        self._readers: asyncio.Queue[sqlite3.Connection] = asyncio.Queue()
        self._write_lock = asyncio.Lock()  # one coroutine at a time on the writer connection
        self._waiting = 0  # writers queued for _write_lock: they will join the open group
        self._group: _Group | None = None  # the open write transaction shared by consecutive writers
        self._tasks: set[asyncio.Future[None]] = set()
        self._lock_fd: int | None = None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._on(self._writer_thread, lambda: connect(self.path))
        for _ in range(READERS):
            reader = await self._on(self._reader_threads, lambda: connect(self.path))
            reader.execute("PRAGMA query_only=ON")  # writes must go through writing(): its lock and group
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        while not self._readers.empty():
            self._readers.get_nowait().close()
        self._writer_thread.shutdown(wait=True)
        self._reader_threads.shutdown(wait=True)

    @staticmethod
    async def _on(executor: ThreadPoolExecutor, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(executor, work)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteSession]:
        connection = await self._readers.get()
        await asyncio.sleep(0)  # inline reads never wait, so yield once: a reading loop must not starve writers
        try:
            # An explicit read transaction gives every statement of the block one snapshot. WAL readers
            # never wait for writers, so their statements run inline: a thread hop costs more than they do.
            connection.execute("BEGIN")
            yield SqliteSession(connection, _inline)
        finally:
            connection.execute("ROLLBACK")
            self._readers.put_nowait(connection)

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[SqliteSession]:
        connection = await self._readers.get()
        await asyncio.sleep(0)  # as in reading(): never starve writers
        try:
            yield SqliteSession(connection, _inline)
        finally:
            self._readers.put_nowait(connection)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[SqliteSession]:
        """One write transaction, group-committed (docs/decisions/0010-sqlite-group-commit.md).

        Writers queued behind each other share one database transaction and one COMMIT (one fsync);
        each runs inside its own SAVEPOINT, so a failing one is rolled back alone. Nobody leaves this
        block before the shared COMMIT is durable. Only the steps that can wait run on the writer
        thread: taking the database's write lock (another process may hold it) and COMMIT (fsync).
        Statements in between run inline; they only touch pages this process holds the lock for.
        """
        assert self._writer is not None, "database not open"
        connection = self._writer
        group = await self._join()
        try:
            connection.execute("SAVEPOINT tx")
            yield SqliteSession(connection, _inline)
        except BaseException as error:
            self._leave(group, ok=False)
            if isinstance(error, Exception):
                # Answer only once what this transaction read is durable: its error may rest on an
                # earlier member's writes, which the shared COMMIT could still lose.
                await asyncio.wait([group.done])
                if not group.done.cancelled():
                    group.done.exception()  # seen: this member reports its own error
            raise
        self._leave(group, ok=True)
        await asyncio.shield(group.done)  # raises the COMMIT's error, if it failed

    async def _join(self) -> _Group:
        """Take this process's write turn; open a group (BEGIN IMMEDIATE) unless one is open."""
        self._waiting += 1
        try:
            await self._write_lock.acquire()
        except BaseException:
            self._waiting -= 1
            if self._group is not None and not self._waiting and not self._write_lock.locked():
                self._spawn(self._flush())  # this writer was to close the open group; nobody else will
            raise
        self._waiting -= 1
        if self._group is None:
            try:
                await self._on_writer(self._begin)
            except BaseException:
                self._abandon()
                self._write_lock.release()
                raise
            self._group = _Group(asyncio.get_running_loop().create_future())
        return self._group

    def _leave(self, group: _Group, *, ok: bool) -> None:
        """End one member's savepoint; commit the group unless another writer is queued to join it."""
        assert self._writer is not None
        try:
            if not ok:
                self._writer.execute("ROLLBACK TO tx")
            self._writer.execute("RELEASE tx")
        except BaseException:
            # The group's transaction cannot be trusted any more: roll all of it back, nobody is acknowledged.
            self._end_group(group, commit=False)
            raise
        group.size += 1
        if self._waiting and group.size < GROUP_LIMIT:
            self._write_lock.release()  # the next writer joins this transaction; the last of the run commits
        else:
            self._end_group(group, commit=True)

    def _end_group(self, group: _Group, *, commit: bool) -> None:
        """COMMIT (or roll back) on the writer thread; then wake the members and pass the write turn on."""
        self._group = None
        connection = self._writer
        assert connection is not None

        def end() -> None:
            try:
                if not commit:
                    raise sqlite3.OperationalError("write transaction abandoned after an error")
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            finally:
                self._release_file_lock()

        def done(ended: asyncio.Future[None]) -> None:
            error = ended.exception()
            if error is None:
                group.done.set_result(None)
            else:
                group.done.set_exception(error)
            self._write_lock.release()

        asyncio.get_running_loop().run_in_executor(self._writer_thread, end).add_done_callback(done)

    async def _flush(self) -> None:
        await self._write_lock.acquire()
        if self._group is not None:
            self._end_group(self._group, commit=True)
        else:
            self._write_lock.release()

    def _abandon(self) -> None:
        """Undo a BEGIN whose caller was cancelled (the writer thread has finished with the connection)."""
        if self._writer is not None and self._writer.in_transaction:
            self._writer.execute("ROLLBACK")
        self._release_file_lock()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_writer(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the writer thread. A cancelled caller still waits for the thread to finish,
        so that the connection is never used by two threads at once."""
        future = asyncio.get_running_loop().run_in_executor(self._writer_thread, work)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait([future])
            raise

    def _begin(self) -> None:
        assert self._writer is not None
        # An OS lock queues writers of all processes and wakes the next one at once; SQLite's own busy
        # handler would instead sleep in growing steps (up to 100 ms) while another process writes.
        fcntl.flock(self._lock_file(), fcntl.LOCK_EX)
        try:
            self._writer.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release_file_lock()
            raise

    def _lock_file(self) -> int:
        if self._lock_fd is None:
            self._lock_fd = os.open(f"{self.path}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
        return self._lock_fd

    def _release_file_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    async def sequence_feed_changes(self, pending: Mapping[str, str]) -> int:
        """Number pending rows in one write transaction.

        SQLite admits one writer at a time, so every row visible here is committed and any row still
        being written will be numbered by a later run, above everything numbered now.
        """
        async with self.writing() as session:
            probes = " UNION ALL ".join(f"SELECT 1 AS p FROM {t} WHERE {c}" for t, c in pending.items())
            if await session.fetch_one(probes + " LIMIT 1") is None:
                return 0
            total = 0
            for table, condition in pending.items():
                counter = await session.fetch_one("SELECT value FROM feed_counter WHERE name = 'feed'")
                assert counter is not None
                await session.execute(
                    f"UPDATE {table} SET modified = :base + numbered.n FROM ("
                    f" SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table} WHERE {condition}"
                    f") AS numbered WHERE {table}.id = numbered.id",
                    {"base": counter["value"]},
                )
                changed = await session.fetch_one("SELECT changes() AS n")
                count = 0 if changed is None else int(changed["n"])
                await session.execute("UPDATE feed_counter SET value = value + :n WHERE name = 'feed'", {"n": count})
                total += count
            return total
