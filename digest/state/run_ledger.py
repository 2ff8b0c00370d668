"""Remember every daily run: date → status, stage, articles briefed, points, files, Message-IDs.

The run ledger is a SQLite file, `runs.sqlite3`, in the state folder (beside the delivery
ledger `deliveries.sqlite3`, see `digest.state.deliveries`). For each date it keeps:

- `status`: `running` (with the `stage` reached: gathering, building, built, sending),
  `sent`, `partial` (sent, but some recipients refused it or may not have it: see the
  delivery ledger), `unknown` (handed to the mail server, which never said whether it
  took it: it may have arrived), `nothing new` or `failed` (with the error);
- the articles briefed (content hash, URL, title) and the text of every point, written in
  one transaction with the brief's file names and fingerprint once the brief is built;
- the Message-IDs of the email, once it is sent.

What the other dates' briefs that reached anyone, or may have (`sent`, `partial` or
`unknown`), hold is what a new run must not brief again: their articles (by hash and
URL) and their points. A date that stopped half-way is resumed by the next run of that
date: from its built files when they are all there and still the brief it built (by
fingerprint), else from scratch.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.errors import RunError
from digest.models import Article
from digest.state.store import SqliteStore

FILE_NAME = "runs.sqlite3"
RUNNING, SENT, PARTIAL = "running", "sent", "partial"
NOTHING_NEW, FAILED, UNKNOWN = "nothing new", "failed", "unknown"
# The brief reached someone, or may have: its articles and points are spent, and a run of
# its date sends nothing again (mail is sent at most once; `digest send --force` resends).
BRIEFED = (SENT, PARTIAL, UNKNOWN)
DONE = (SENT, PARTIAL, UNKNOWN, NOTHING_NEW)
_BRIEFED_MARKS = ", ".join("?" * len(BRIEFED))
GATHERING, BUILDING, BUILT, SENDING = "gathering", "building", "built", "sending"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        date TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        stage TEXT NOT NULL DEFAULT '',
        started TEXT NOT NULL,
        updated TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        articles INTEGER NOT NULL DEFAULT 0,
        files TEXT NOT NULL DEFAULT '{}',
        message_ids TEXT NOT NULL DEFAULT '[]',
        error TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS briefed (
        date TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        url TEXT,
        title TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (date, content_hash))""",
    """CREATE TABLE IF NOT EXISTS points (
        date TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (date, position))""",
    # The brief each run built (`mail.fingerprint` of its JSON edition), so that a run
    # sends only its own: another `digest brief` into the same folder replaces the files.
    """CREATE TABLE IF NOT EXISTS editions (
        date TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL)""",
)


@dataclass(frozen=True)
class Run:
    date: dt.date
    status: str
    stage: str
    started: dt.datetime
    updated: dt.datetime
    attempts: int
    articles: int
    files: Mapping[str, Path]
    message_ids: tuple[str, ...]
    error: str
    note: str


@dataclass(frozen=True)
class Seen:
    """What earlier sent briefs carried: not to be briefed again."""

    hashes: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()


class RunLedger(SqliteStore):
    """The run ledger; use as a context manager, or call `close`."""

    FILE_NAME = FILE_NAME
    SCHEMA = _SCHEMA
    ERROR = RunError
    WHAT = "run ledger"
    MAIN_TABLE = "runs"
    DAMAGED = "which articles and dates were briefed is unknown, so no run starts"

    # --- reading ---------------------------------------------------------------------

    def get(self, date: dt.date) -> Run | None:
        rows = self._query(f"SELECT {_COLUMNS} FROM runs WHERE date = ?", (date.isoformat(),))
        return _run(rows[0]) if rows else None

    def history(self) -> tuple[Run, ...]:
        return tuple(_run(r) for r in self._query(f"SELECT {_COLUMNS} FROM runs ORDER BY date"))

    def last_sent(self, *, before: dt.date) -> Run | None:
        rows = self._query(
            f"SELECT {_COLUMNS} FROM runs WHERE status IN ({_BRIEFED_MARKS}) AND date < ? "
            "ORDER BY date DESC LIMIT 1",
            (*BRIEFED, before.isoformat()),
        )
        return _run(rows[0]) if rows else None

    def seen(self, *, besides: dt.date) -> Seen:
        """Articles of the briefs that reached anyone, of every date but `besides`."""
        rows = self._query(
            "SELECT b.content_hash, b.url FROM briefed b JOIN runs r "
            f"ON r.date = b.date WHERE r.status IN ({_BRIEFED_MARKS}) AND b.date != ?",
            (*BRIEFED, besides.isoformat()),
        )
        return Seen(frozenset(h for h, _ in rows), frozenset(u for _, u in rows if u))

    def sent_points(self, *, besides: dt.date, since: dt.date) -> tuple[str, ...]:
        """Points of the briefs that reached anyone from `since` on, of every date but `besides`."""
        rows = self._query(
            "SELECT p.text FROM points p JOIN runs r ON r.date = p.date "
            f"WHERE r.status IN ({_BRIEFED_MARKS}) AND p.date != ? AND p.date >= ? "
            "ORDER BY p.date, p.position",
            (*BRIEFED, besides.isoformat(), since.isoformat()),
        )
        return tuple(text for (text,) in rows)

    def fingerprint(self, date: dt.date) -> str | None:
        """The fingerprint of the brief the run of `date` built, if it built one."""
        rows = self._query("SELECT fingerprint FROM editions WHERE date = ?", (date.isoformat(),))
        return str(rows[0][0]) if rows else None

    def briefed(self, date: dt.date) -> tuple[tuple[str, str | None, str], ...]:
        """(content hash, URL, title) of each article of the brief of `date`."""
        return tuple(
            self._query(
                "SELECT content_hash, url, title FROM briefed WHERE date = ? ORDER BY title",
                (date.isoformat(),),
            )
        )

    # --- writing ---------------------------------------------------------------------

    def start(self, date: dt.date) -> None:
        """Begin (or begin again) the run of `date`: what an earlier attempt built is dropped."""
        now = _now()
        with self._transaction():
            self._forget(date)
            self._query(
                "INSERT INTO runs (date, status, stage, started, updated, attempts) "
                "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (date) DO UPDATE SET "
                "status = excluded.status, stage = excluded.stage, updated = excluded.updated, "
                "attempts = runs.attempts + 1, articles = 0, files = '{}', message_ids = '[]', "
                "error = '', note = ''",
                (date.isoformat(), RUNNING, GATHERING, now, now),
            )

    def stage(self, date: dt.date, stage: str) -> None:
        self._update(date, status=RUNNING, stage=stage, error="")

    def built(
        self,
        date: dt.date,
        *,
        articles: Sequence[Article],
        points: Sequence[str],
        files: Mapping[str, Path],
        fingerprint: str,
    ) -> None:
        """Record the brief of `date`: its articles, its points, its files and its
        fingerprint (`mail.fingerprint`), at once."""
        day = date.isoformat()
        with self._transaction():
            self._forget(date)
            self._query(
                "INSERT OR IGNORE INTO briefed (date, content_hash, url, title) "
                "VALUES (?, ?, ?, ?)",
                [(day, a.content_hash, a.url, a.title) for a in articles],
                many=True,
            )
            self._query(
                "INSERT INTO points (date, position, text) VALUES (?, ?, ?)",
                [(day, n, text) for n, text in enumerate(points)],
                many=True,
            )
            self._query(
                "INSERT INTO editions (date, fingerprint) VALUES (?, ?)", (day, fingerprint)
            )
            self._update(
                date,
                status=RUNNING,
                stage=BUILT,
                articles=len(articles),
                files=json.dumps({k: str(v) for k, v in files.items()}),
            )

    def finish(
        self, date: dt.date, status: str, *, message_ids: Sequence[str] = (), note: str = ""
    ) -> None:
        self._update(
            date, status=status, message_ids=json.dumps(list(message_ids)), note=note, error=""
        )

    def fail(self, date: dt.date, error: str) -> None:
        self._update(date, status=FAILED, error=error)

    def _forget(self, date: dt.date) -> None:
        self._query("DELETE FROM briefed WHERE date = ?", (date.isoformat(),))
        self._query("DELETE FROM points WHERE date = ?", (date.isoformat(),))
        self._query("DELETE FROM editions WHERE date = ?", (date.isoformat(),))

    def _update(self, date: dt.date, **values: object) -> None:
        names = ", ".join(f"{name} = ?" for name in values)
        self._query(
            f"UPDATE runs SET {names}, updated = ? WHERE date = ?",
            (*values.values(), _now(), date.isoformat()),
        )


_COLUMNS = (
    "date, status, stage, started, updated, attempts, articles, files, message_ids, error, note"
)


def _run(row: tuple) -> Run:
    day, status, stage, started, updated, attempts, articles, files, ids, error, note = row
    return Run(
        date=dt.date.fromisoformat(day),
        status=status,
        stage=stage,
        started=dt.datetime.fromisoformat(started),
        updated=dt.datetime.fromisoformat(updated),
        attempts=attempts,
        articles=articles,
        files={k: Path(v) for k, v in json.loads(files).items()},
        message_ids=tuple(json.loads(ids)),
        error=error,
        note=note,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
