"""Publish a brief: the brief's files in out/ → one email per date, recorded in the ledger."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest import addresses
from digest.deliver import mail
from digest.deliver.delivery import Outcome, Transport, deliver
from digest.deliver.settings import MailSettings, parse_addresses
from digest.deliver.smtp import SmtpTransport
from digest.errors import MailError, MissingBriefError, PartialDeliveryError
from digest.pipeline.build import brief_paths
from digest.state import run_ledger
from digest.state.deliveries import PENDING, SENT, DeliveryLedger, Entry, state_dir
from digest.state.output import write_atomic
from digest.state.run_ledger import RunLedger

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
) -> Sent:
    """Email the brief of `date` once per recipient; a date with no brief is an error.

    Where `digest run` built the brief of `date`, only that brief is sent (its
    fingerprint, in the run ledger): files another `digest brief` wrote over it since
    are refused, unless `force`.

    `to` overrides the configured recipients; each mailbox counts once, whatever its case.
    Every delivery is recorded in the delivery ledger (see `digest.state.deliveries` for the
    at-most-once semantics); `force` sends again anyway. Raises MailError, after recording
    it, when anyone did not get the brief: PartialDeliveryError when others did.
    """
    recipients = _recipients(to, settings)
    edition = _edition(out, date, attach_pdf=attach_pdf)
    state = state_dir(out, settings.state_dir)
    built = None if force or dry_run else _built_by_run(state, date)
    # Files written over the run's brief are never sent (below), so an email of this
    # date is the run's brief: its Message-ID is made from the run's fingerprint.
    content = built or edition.fingerprint
    email = _email(date, edition, recipients, settings, content=content, now=now)
    if dry_run:
        eml = out / f"brief-{date.isoformat()}.eml"
        write_atomic(eml, mail.compose_message(edition, email.headers).as_bytes())
        return Sent(date, email.headers.message_id, eml=eml)
    return _send_once(
        state, email, settings, built=built, out=out, force=force, transport=transport, sleep=sleep
    )


@dataclass(frozen=True)
class _Email:
    """The email of a date's brief: the edition it carries, its headers, and `content`,
    the fingerprint of the brief it is recorded as (its Message-ID is made from it)."""

    date: dt.date
    edition: mail.Edition
    headers: mail.Headers
    content: str


def _recipients(to: Sequence[str], settings: MailSettings) -> tuple[str, ...]:
    """Each mailbox once: `to` when given, else the configured recipients. Raises
    ConfigError when the sender is not set, or no recipient is."""
    recipients = addresses.unique(
        parse_addresses(list(to), "--to", strict=True) if to else settings.to
    )
    settings.require("sender")
    if not recipients:
        settings.require("to")
    return recipients


def _email(
    date: dt.date,
    edition: mail.Edition,
    recipients: tuple[str, ...],
    settings: MailSettings,
    *,
    content: str,
    now: dt.datetime | None,
) -> _Email:
    """The email of `edition` to `recipients`, its Message-ID made from `content`."""
    message_id = mail.message_id(date, recipients, settings.sender_address, content)
    headers = mail.Headers(
        sender=str(settings.sender),
        recipients=recipients,
        message_id=message_id,
        when=now or dt.datetime.now(dt.UTC).replace(microsecond=0),
        list_unsubscribe=settings.list_unsubscribe,
        one_click=settings.list_unsubscribe_post,
        list_id=settings.list_id or mail.list_id(edition.title, settings.sender_address),
    )
    return _Email(date, edition, headers, content)


def _send_once(
    state: Path,
    email: _Email,
    settings: MailSettings,
    *,
    built: str | None,
    out: Path,
    force: bool,
    transport: Transport | None,
    sleep: Callable[[float], None],
) -> Sent:
    """Send `email` to each recipient who has not had it, as the delivery ledger in
    `state` records; `built` is the fingerprint of the run's brief, when only it is sent."""
    date, recipients, message_id = email.date, email.headers.recipients, email.headers.message_id
    transport = transport or SmtpTransport.from_settings(settings)
    with DeliveryLedger.in_folder(state) as ledger:
        if built is not None and email.edition.fingerprint != built:
            _refuse_replaced(ledger, date, recipients, brief_paths(out, date)["json"])
        claim = ledger.claim(
            date, recipients, message_id=message_id, force=force, content=email.content
        )
        if claim.unknown:  # spent, as an unknown outcome is: never sent again unasked
            raise MailError(_unknown_outcome(date, claim.unknown), outcome_unknown=True)
        if not claim.send:
            return Sent(date, message_id, skipped=claim.sent)
        outcome = _deliver_recorded(
            ledger,
            _wire(ledger, email.edition, replace(email.headers, recipients=claim.send), date),
            date=date,
            message_id=message_id,
            recipients=claim.send,
            sender=settings.sender_address,
            transport=transport,
            sleep=sleep,
        )
    _verdict(date, message_id, outcome)
    return Sent(date, message_id, sent=outcome.accepted, skipped=claim.sent)


def _built_by_run(state: Path, date: dt.date) -> str | None:
    """The fingerprint of the brief `digest run` built for `date`, if it built one."""
    if not (state / run_ledger.FILE_NAME).is_file():
        return None  # no daily run ever ran here: not made by opening it
    with RunLedger.in_folder(state) as runs:
        return runs.fingerprint(date)


def _refuse_replaced(
    ledger: DeliveryLedger, date: dt.date, recipients: Sequence[str], json_path: Path
) -> None:
    """Files written over the brief the daily run built: sent to no one still to get it.

    Raises MailError when nobody has the run's brief (an unknown outcome when a send of
    it never finished), PartialDeliveryError when some do (a run is then recorded
    partial: spent); returns when all have it."""
    entries = ledger.entries(date)
    wanted = {addresses.key(r) for r in recipients}
    unfinished = [e for e in entries if e.status == PENDING and e.recipient in wanted]
    if unfinished:  # as the claim would find them: it may have reached them
        raise MailError(_unknown_outcome(date, unfinished), outcome_unknown=True)
    have = {e.recipient: e for e in entries if e.status == SENT}
    accepted = tuple(r for r in recipients if addresses.key(r) in have)
    missing = [r for r in recipients if addresses.key(r) not in have]
    if not missing:
        return
    day = date.isoformat()
    why = (
        f"{json_path} is no longer the brief `digest run` built for {day} (another "
        "`digest brief` wrote into its folder?)"
    )
    if not accepted:
        raise MailError(
            f"brief {day}: {why}; nothing was sent: `digest run` builds it again "
            "(`digest send --force` sends these files instead)"
        )
    raise PartialDeliveryError(
        f"brief {day}: {why}, after it reached {len(accepted)} recipient(s); nothing was "
        f"sent to the {len(missing)} others ({', '.join(missing)}): "
        f"`digest run --date {day} --force` briefs the date anew for all",
        accepted=accepted,
        refused={r: why for r in missing},
        message_id=have[addresses.key(accepted[0])].message_id,
    )


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
