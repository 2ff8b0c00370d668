"""An SQLite file in the state folder, shared by the delivery ledger and the run ledger.

Opened in autocommit mode; `_transaction` takes the write lock at once (BEGIN IMMEDIATE)
so two processes cannot both decide on the same row. Errors become the subclass's own
DigestError, naming the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

from digest.errors import DigestError


class SqliteStore:
    FILE_NAME: ClassVar[str]
    SCHEMA: ClassVar[tuple[str, ...]]
    ERROR: ClassVar[type[DigestError]]
    WHAT: ClassVar[str]  # "delivery ledger", "run ledger"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
            for statement in self.SCHEMA:
                self._db.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise self.ERROR(f"{path}: cannot open the {self.WHAT} ({exc})") from exc

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
