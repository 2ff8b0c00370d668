"""Publish a brief: the brief's files in out/ → one email per date, recorded in the ledger."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest import addresses, mail
from digest.config import (
    MailSettings,
    parse_addresses,
)
from digest.deliveries import SENT, DeliveryLedger, Entry, state_dir
from digest.delivery import Outcome, Transport, deliver
from digest.errors import MailError, MissingBriefError, PartialDeliveryError
from digest.output import write_atomic
from digest.pipeline.build import brief_paths
from digest.smtp import SmtpTransport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    date: dt.date
    message_id: str
    sent: tuple[str, ...] = ()  # accepted by the server in this run
    skipped: tuple[str, ...] = ()  # sent by an earlier run: not sent again
    eml: Path | None = None  # --dry-run: the message was written here instead


def send_brief(
    *,
    out: Path,
    date: dt.date,
    settings: MailSettings,
    to: Sequence[str] = (),
    attach_pdf: bool = False,
    dry_run: bool = False,
    force: bool = False,
    transport: Transport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: dt.datetime | None = None,
    expect: str | None = None,
) -> Sent:
    """Email the brief of `date` once per recipient; a date with no brief is an error.

    `expect`: the fingerprint (`mail.fingerprint`) the brief must have, else nothing is
    sent (a daily run sends only the brief it built, not one written over it since).

    `to` overrides the configured recipients; each mailbox counts once, whatever its case.
    Every delivery is recorded in the delivery ledger (see `digest.deliveries` for the
    at-most-once semantics); `force` sends again anyway. Raises MailError, after recording
    it, when anyone did not get the brief: PartialDeliveryError when others did.
    """
    recipients = addresses.unique(
        parse_addresses(list(to), "--to", strict=True) if to else settings.to
    )
    settings.require("sender")
    if not recipients:
        settings.require("to")
    edition = _edition(out, date, attach_pdf=attach_pdf)
    replaced = expect is not None and edition.fingerprint != expect
    message_id = mail.message_id(date, recipients, settings.sender_address, edition.fingerprint)
    headers = mail.Headers(
        sender=str(settings.sender),
        recipients=recipients,
        message_id=message_id,
        when=now or dt.datetime.now(dt.UTC).replace(microsecond=0),
        list_unsubscribe=settings.list_unsubscribe,
        one_click=settings.list_unsubscribe_post,
        list_id=settings.list_id or mail.list_id(edition.title, settings.sender_address),
    )
    if dry_run:
        eml = out / f"brief-{date.isoformat()}.eml"
        write_atomic(eml, mail.compose_message(edition, headers).as_bytes())
        return Sent(date, message_id, eml=eml)
    transport = transport or SmtpTransport.from_settings(settings)
    with DeliveryLedger.in_folder(state_dir(out, settings.state_dir)) as ledger:
        if replaced and (force or _not_yet_sent(ledger, date, recipients)):
            raise MailError(
                f"brief {date.isoformat()}: {brief_paths(out, date)['json']} is no longer the "
                f"brief this run built (another `digest brief` into {out}?); nothing was "
                "sent; `digest run` again builds it anew, unless it already reached someone: "
                f"then `digest run --date {date.isoformat()} --force` briefs the date anew"
            )
        claim = ledger.claim(date, recipients, message_id=message_id, force=force)
        if claim.unknown:
            raise MailError(_unknown_outcome(date, claim.unknown))
        if not claim.send:
            return Sent(date, message_id, skipped=claim.sent)
        outcome = _deliver_recorded(
            ledger,
            _wire(ledger, edition, replace(headers, recipients=claim.send), date),
            date=date,
            message_id=message_id,
            recipients=claim.send,
            sender=settings.sender_address,
            transport=transport,
            sleep=sleep,
        )
    _verdict(date, message_id, outcome)
    return Sent(date, message_id, sent=outcome.accepted, skipped=claim.sent)


def _not_yet_sent(ledger: DeliveryLedger, date: dt.date, recipients: Sequence[str]) -> bool:
    have = {e.recipient for e in ledger.entries(date) if e.status == SENT}
    return any(addresses.key(r) not in have for r in recipients)


def _edition(out: Path, date: dt.date, *, attach_pdf: bool) -> mail.Edition:
    """The brief's files for `date`; sending never builds one (nothing is sent or recorded)."""
    files = brief_paths(out, date)
    needed = ("html", "txt", "json", "pdf") if attach_pdf else ("html", "txt", "json")
    missing = [str(files[ext]) for ext in needed if not files[ext].is_file()]
    if missing:
        raise MissingBriefError(
            f"no brief for {date.isoformat()} to send: {', '.join(missing)} missing; "
            "run `digest brief` or `digest run` first"
        )
    return mail.read_edition(files, with_pdf=attach_pdf)


def _wire(
    ledger: DeliveryLedger, edition: mail.Edition, headers: mail.Headers, date: dt.date
) -> bytes:
    """The message's bytes; if it cannot be made, the claimed rows become failed, not pending."""
    try:
        return mail.wire_bytes(mail.compose_message(edition, headers))
    except (ValueError, TypeError, MailError) as exc:
        reason = f"the message could not be composed ({exc})"
        ledger.record(
            date, message_id=headers.message_id, failed={r: reason for r in headers.recipients}
        )
        raise MailError(f"brief {date.isoformat()}: {reason}; nothing was sent") from exc


def _deliver_recorded(
    ledger: DeliveryLedger,
    message: bytes,
    *,
    date: dt.date,
    message_id: str,
    recipients: tuple[str, ...],
    sender: str,
    transport: Transport,
    sleep: Callable[[float], None],
) -> Outcome:
    """Deliver to the claimed (pending) recipients and record each one's outcome.

    Only an unknown outcome stays pending. Should the transport itself fail unexpectedly,
    the rows stay pending too: whether it handed the message over cannot be known.
    """
    outcome = deliver(
        message, sender=sender, recipients=recipients, transport=transport, sleep=sleep
    )
    ledger.record(
        date,
        message_id=message_id,
        sent=outcome.accepted,
        failed=outcome.refused,
        unknown=outcome.unknown,
    )
    return outcome


def _verdict(date: dt.date, message_id: str, outcome: Outcome) -> None:
    """Raise a MailError saying who did not get the brief, if anyone did not."""
    day = date.isoformat()
    refused, unknown = dict(outcome.refused), dict(outcome.unknown)
    if not refused and not unknown:
        return
    parts = []
    if refused:
        parts.append("refused for " + "; ".join(f"{r} ({a})" for r, a in refused.items()))
    if unknown:
        parts.append(
            f"{next(iter(unknown.values()))}. The ledger keeps {', '.join(unknown)} as "
            "pending: check a mailbox, then rerun with --force to send again"
        )
    retry = f"; `digest send --date {day}` retries the refused recipients" if refused else ""
    if outcome.accepted:
        raise PartialDeliveryError(
            f"brief {day} sent to {', '.join(outcome.accepted)}, but " + "; ".join(parts) + retry,
            accepted=outcome.accepted,
            refused=refused,
            message_id=message_id,
            outcome_unknown=bool(unknown),
        )
    reasons = set(refused.values())
    if not unknown and len(refused) == 1:  # the server's answer, and whom it concerns
        [(recipient, answer)] = refused.items()
        raise MailError(f"brief {day} was not sent to {recipient}: {answer}{retry}")
    if not unknown and len(reasons) == 1:
        raise MailError(reasons.pop())
    if not refused:
        raise MailError(parts[0], outcome_unknown=True)
    raise MailError(
        f"brief {day} was sent to nobody: " + "; ".join(parts), outcome_unknown=bool(unknown)
    )


def _unknown_outcome(date: dt.date, entries: Sequence[Entry]) -> str:
    who = ", ".join(e.recipient for e in entries)
    since = min(e.updated for e in entries).isoformat()
    return (
        f"brief {date.isoformat()}: an earlier send to {who} did not finish (pending since "
        f"{since}, Message-ID {entries[0].message_id}); it may have been delivered, so "
        "nothing was sent. Check a mailbox, then rerun with --force to send again"
    )
