"""An SQLite file in the state folder, shared by the delivery ledger and the run ledger.

A new file is made whole — written under a temporary name with its tables, then linked
into place — so a file that exists always holds them. Opening an existing file never
creates one: an empty (0-byte) file, a file that is not SQLite, a damaged one or one
without its main table is an error that names the file and says what its loss means,
never a fresh start (for the delivery ledger that would send the brief to everyone).

Opened in autocommit mode; `_transaction` takes the write lock at once (BEGIN IMMEDIATE)
so two processes cannot both decide on the same row. Errors become the subclass's own
DigestError, naming the file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

from digest.errors import DigestError


class SqliteStore:
    FILE_NAME: ClassVar[str]
    SCHEMA: ClassVar[tuple[str, ...]]  # CREATE TABLE IF NOT EXISTS statements
    MAIN_TABLE: ClassVar[str]  # a file without it is not this store
    ERROR: ClassVar[type[DigestError]]
    WHAT: ClassVar[str]  # "delivery ledger", "run ledger"
    DAMAGED: ClassVar[str]  # what an unusable file means, e.g. "… so nothing is sent"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                self._create(path)
            uri = f"{path.resolve().as_uri()}?mode=rw"
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise self.ERROR(f"{path}: cannot open the {self.WHAT} ({exc})") from exc
        try:
            self._check()
            for statement in self.SCHEMA:  # tables added since the file was made
                self._db.execute(statement)
        except sqlite3.Error as exc:
            self._db.close()
            raise self._damaged(str(exc)) from exc
        except DigestError:
            self._db.close()
            raise

    @classmethod
    def in_folder(cls, folder: Path) -> Self:
        return cls(folder / cls.FILE_NAME)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _create(self, path: Path) -> None:
        """Make the file with its tables under a temporary name, then link it into place."""
        draft = path.with_name(f".{path.name}.{os.getpid()}.new")
        try:
            with suppress(FileNotFoundError):
                draft.unlink()
            db = sqlite3.connect(draft, isolation_level=None)
            try:
                for statement in self.SCHEMA:
                    db.execute(statement)
            finally:
                db.close()
            with suppress(FileExistsError):  # another process made it first: use theirs
                os.link(draft, path)
        finally:
            with suppress(FileNotFoundError):
                draft.unlink()

    def _check(self) -> None:
        if self.path.stat().st_size == 0:
            raise self._damaged("the file is empty (0 bytes)")
        verdict = self._db.execute("PRAGMA quick_check").fetchall()
        if verdict != [("ok",)]:
            raise self._damaged(f"SQLite finds it damaged: {verdict[0][0]}")
        table = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.MAIN_TABLE,)
        ).fetchone()
        if table is None:
            raise self._damaged(f"it has no '{self.MAIN_TABLE}' table")

    def _damaged(self, why: str) -> DigestError:
        return self.ERROR(
            f"{self.path}: the {self.WHAT} cannot be used ({why}); {self.DAMAGED}. "
            f"Restore it from a backup, or move it away to start a new {self.WHAT}"
        )

    def _query(self, sql: str, params: object = (), *, many: bool = False) -> list[tuple]:
        try:
            if many:
                self._db.executemany(sql, params)  # type: ignore[arg-type]
                return []
            return self._db.execute(sql, params).fetchall()  # type: ignore[arg-type]
        except sqlite3.Error as exc:
            raise self.ERROR(f"{self.path}: {self.WHAT} failed ({exc})") from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE: two processes cannot both claim the same row."""
        self._query("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._query("ROLLBACK")
            raise
        self._query("COMMIT")
