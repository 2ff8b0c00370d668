"""Remember who has been sent which brief: (date, recipient) → pending, sent or failed,
with the Message-ID of the send, and which brief (its fingerprint) each Message-ID carried.

The ledger is a SQLite file, `deliveries.sqlite3`, in the state folder: `state/` beside
the output folder (`out.parent / "state"`), or the folder named by DIGEST_STATE_DIR.

Exactly-once, as far as SMTP allows. SMTP cannot make a send and a ledger write one atomic
step, so digest chooses **at most once** by default:

1. Before connecting, every recipient about to be sent to is marked `pending`, with the
   Message-ID, and committed.
2. When the server answers, each row becomes `sent` or `failed` (with the server's answer
   or the reason). A recipient the message was never handed over for (refused, or an
   error before DATA) is `failed`, never left `pending`.
3. A row still `pending` at the next run means the outcome is unknown: a crash, a kill, or
   a lost connection or timeout after the whole message was handed over and before the
   server's answer. The next `digest send` for that date refuses to send to anyone and
   says so; the operator checks a mailbox and reruns with `--force`. A forced resend of the
   same brief carries the same Message-ID, so mail systems that de-duplicate drop the copy.

`sent` rows are skipped (nothing is sent twice without `--force`); `failed` rows are
retried by the next send, since the server did not take the message. Recipients are keyed
case-insensitively (`digest.addresses.key`). The file is created whole, with its table;
an empty (0-byte) or damaged file is an error that names it, never a fresh start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.addresses import key
from digest.errors import MailError
from digest.state.store import SqliteStore

FILE_NAME = "deliveries.sqlite3"
PENDING, SENT, FAILED = "pending", "sent", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    date TEXT NOT NULL,
    recipient TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    message_id TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL,
    PRIMARY KEY (date, recipient)
)
"""
# Which brief each Message-ID carried (`mail.fingerprint` of its JSON edition): a row's
# Message-ID also hashes its recipients, so it alone cannot say whether two sends of a
# date were the same brief.
_MESSAGES = """
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY,
    content TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Entry:
    date: dt.date
    recipient: str
    status: str
    message_id: str
    answer: str
    updated: dt.datetime


@dataclass(frozen=True)
class Claim:
    """What a send may do now. Only `send` has been marked pending."""

    send: tuple[str, ...] = ()  # to send now, marked pending
    sent: tuple[str, ...] = ()  # already delivered: skipped
    unknown: tuple[Entry, ...] = ()  # pending from an earlier run: outcome unknown


def state_dir(out: Path, configured: Path | None = None) -> Path:
    """DIGEST_STATE_DIR when set (passed in as `configured`), else `state` beside `out`."""
    return configured if configured is not None else out.resolve().parent / "state"


class DeliveryLedger(SqliteStore):
    """The delivery ledger; use as a context manager, or call `close`."""

    FILE_NAME = FILE_NAME
    SCHEMA = (_SCHEMA, _MESSAGES)
    ERROR = MailError
    WHAT = "delivery ledger"
    MAIN_TABLE = "deliveries"
    DAMAGED = "who was sent which brief is unknown, so nothing is sent"

    def claim(
        self,
        date: dt.date,
        recipients: Sequence[str],
        *,
        message_id: str,
        force: bool = False,
        content: str = "",
    ) -> Claim:
        """Decide who gets the brief now and mark them pending, in one transaction.

        `recipients` must hold each mailbox once (see `digest.addresses.unique`);
        `content` is the brief's fingerprint, kept for its Message-ID."""
        with self._transaction():
            if content:
                self._query(
                    "INSERT OR IGNORE INTO messages (message_id, content) VALUES (?, ?)",
                    (message_id, content),
                )
            known = {e.recipient: e for e in self._entries(date)}
            current = [known.get(key(r)) for r in recipients]
            unknown = tuple(e for e in current if e is not None and e.status == PENDING)
            if unknown and not force:
                return Claim(unknown=unknown)
            if force:
                sent: tuple[str, ...] = ()
            else:
                sent = tuple(
                    r
                    for r, e in zip(recipients, current, strict=True)
                    if e is not None and e.status == SENT
                )
            send = tuple(r for r in recipients if r not in sent)
            self._write(date, {r: "" for r in send}, PENDING, message_id)
        return Claim(send=send, sent=sent)

    def record(
        self,
        date: dt.date,
        *,
        message_id: str,
        sent: Iterable[str] = (),
        failed: Mapping[str, str] | None = None,
        unknown: Mapping[str, str] | None = None,
    ) -> None:
        """Store the server's verdict; `unknown` rows stay pending, with the reason."""
        with self._transaction():
            self._write(date, {r: "" for r in sent}, SENT, message_id)
            self._write(date, dict(failed or {}), FAILED, message_id)
            self._write(date, dict(unknown or {}), PENDING, message_id)

    def entries(self, date: dt.date) -> tuple[Entry, ...]:
        return self._entries(date)

    def reached(self, date: dt.date, content: str) -> bool:
        """Did the brief with this fingerprint reach anyone on `date`, whatever the
        recipients of the send that took it?"""
        return bool(
            self._query(
                "SELECT 1 FROM deliveries d JOIN messages m ON m.message_id = d.message_id "
                "WHERE d.date = ? AND d.status = ? AND m.content = ? LIMIT 1",
                (date.isoformat(), SENT, content),
            )
        )

    def _entries(self, date: dt.date) -> tuple[Entry, ...]:
        rows = self._query(
            "SELECT recipient, status, message_id, answer, updated FROM deliveries "
            "WHERE date = ? ORDER BY recipient",
            (date.isoformat(),),
        )
        return tuple(
            Entry(date, r, s, m, a, dt.datetime.fromisoformat(u)) for r, s, m, a, u in rows
        )

    def _write(
        self, date: dt.date, answers: Mapping[str, str], status: str, message_id: str
    ) -> None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self._query(
            "INSERT INTO deliveries (date, recipient, status, message_id, answer, updated) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (date, recipient) DO UPDATE SET "
            "status = excluded.status, message_id = excluded.message_id, "
            "answer = excluded.answer, updated = excluded.updated",
            [(date.isoformat(), key(r), status, message_id, a, now) for r, a in answers.items()],
            many=True,
        )
