"""Publish a brief: the brief's files in out/ → one email per date, recorded in the ledger."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

from digest import mail
from digest.config import (
    MailSettings,
    parse_addresses,
)
from digest.deliveries import DeliveryLedger, Entry, state_dir
from digest.delivery import SmtpTransport, Transport, deliver
from digest.errors import MailError
from digest.output import write_atomic
from digest.pipeline.build import brief_paths, build_brief, default_input

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    date: dt.date
    message_id: str
    sent: tuple[str, ...] = ()  # accepted by the server in this run
    skipped: tuple[str, ...] = ()  # sent by an earlier run: not sent again
    eml: Path | None = None  # --dry-run: the message was written here instead
    built: bool = False  # the brief was missing and was built first


def send_brief(
    *,
    out: Path,
    date: dt.date,
    settings: MailSettings,
    to: Sequence[str] = (),
    attach_pdf: bool = False,
    dry_run: bool = False,
    force: bool = False,
    input_dir: Path | None = None,
    transport: Transport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: dt.datetime | None = None,
) -> Sent:
    """Email the brief of `date` once per recipient (building it first if it is missing).

    `to` overrides the configured recipients. Every delivery is recorded in the ledger
    (see `digest.deliveries` for the at-most-once semantics); `force` sends again anyway.
    Raises MailError, after recording it, on any refusal or failure.
    """
    recipients = parse_addresses(list(to), "--to") if to else settings.to
    settings.require("sender")
    if not recipients:
        settings.require("to")
    edition, built = _edition(out, date, attach_pdf=attach_pdf, input_dir=input_dir)
    message_id = mail.message_id(date, recipients, settings.sender_address)
    headers = mail.Headers(
        sender=str(settings.sender),
        recipients=recipients,
        message_id=message_id,
        when=now or dt.datetime.now(dt.UTC).replace(microsecond=0),
        list_unsubscribe=settings.list_unsubscribe,
        one_click=settings.list_unsubscribe_post,
    )
    if dry_run:
        eml = out / f"brief-{date.isoformat()}.eml"
        write_atomic(eml, mail.compose_message(edition, headers).as_bytes())
        return Sent(date, message_id, eml=eml, built=built)
    transport = transport or SmtpTransport.from_settings(settings)
    with DeliveryLedger.in_folder(state_dir(out, settings.state_dir)) as ledger:
        claim = ledger.claim(date, recipients, message_id=message_id, force=force)
        if claim.unknown:
            raise MailError(_unknown_outcome(date, claim.unknown))
        if not claim.send:
            return Sent(date, message_id, skipped=claim.sent, built=built)
        message = mail.compose_message(edition, replace(headers, recipients=claim.send))
        sent = _deliver_recorded(
            ledger,
            message,
            date=date,
            recipients=claim.send,
            sender=settings.sender_address,
            transport=transport,
            sleep=sleep,
        )
    return Sent(date, message_id, sent=sent, skipped=claim.sent, built=built)


def _edition(
    out: Path, date: dt.date, *, attach_pdf: bool, input_dir: Path | None
) -> tuple[mail.Edition, bool]:
    files = brief_paths(out, date)
    needed = ("html", "txt", "json", "pdf") if attach_pdf else ("html", "txt", "json")
    missing = [ext for ext in needed if not files[ext].is_file()]
    if missing:
        log.info("no brief for %s in %s yet: building it", date.isoformat(), out)
        build_brief(input_dir=input_dir or default_input(), out=out, date=date)
    return mail.read_edition(files, with_pdf=attach_pdf), bool(missing)


def _deliver_recorded(
    ledger: DeliveryLedger,
    message: EmailMessage,
    *,
    date: dt.date,
    recipients: tuple[str, ...],
    sender: str,
    transport: Transport,
    sleep: Callable[[float], None],
) -> tuple[str, ...]:
    """Deliver to the claimed (pending) recipients and record each one's outcome."""
    message_id = str(message["Message-ID"])
    try:
        refused = deliver(
            mail.wire_bytes(message),
            sender=sender,
            recipients=recipients,
            transport=transport,
            sleep=sleep,
        )
    except MailError as exc:
        answers = {r: str(exc) for r in recipients}
        if exc.outcome_unknown:
            ledger.record(date, message_id=message_id, unknown=answers)
            raise MailError(
                f"{exc}. The ledger keeps {', '.join(recipients)} as pending: "
                "check a mailbox, then rerun with --force to send again",
                outcome_unknown=True,
            ) from exc
        ledger.record(date, message_id=message_id, failed=answers)
        raise
    accepted = tuple(r for r in recipients if r not in refused)
    ledger.record(date, message_id=message_id, sent=accepted, failed=refused)
    if refused:
        raise MailError(
            f"brief {date.isoformat()} sent to {', '.join(accepted)}, but refused "
            "for " + "; ".join(f"{r} ({answer})" for r, answer in refused.items())
        )
    return accepted


def _unknown_outcome(date: dt.date, entries: Sequence[Entry]) -> str:
    who = ", ".join(e.recipient for e in entries)
    since = min(e.updated for e in entries).isoformat()
    return (
        f"brief {date.isoformat()}: an earlier send to {who} did not finish (pending since "
        f"{since}, Message-ID {entries[0].message_id}); it may have been delivered, so "
        "nothing was sent. Check a mailbox, then rerun with --force to send again"
    )
