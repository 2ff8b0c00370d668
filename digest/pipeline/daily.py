"""One daily run — gather what is new, brief it, send it, record it.

The brief is `digest.pipeline.run_brief`'s (built, or resumed from an earlier attempt);
`digest.pipeline.daemon` runs this every day."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import ConfigError, SourceSettings
from digest.deliver.delivery import Outcome, Transport
from digest.deliver.settings import MailSettings
from digest.deliver.smtp import SmtpTransport
from digest.errors import MailError, PartialDeliveryError
from digest.pipeline.build import MAX_PAGES
from digest.pipeline.publish import send_brief
from digest.pipeline.run_brief import brief_for_run, fingerprint_of
from digest.pipeline.run_outcome import Ran, nothing_new
from digest.profile import Profile
from digest.state import run_ledger
from digest.state.deliveries import FAILED, PENDING, SENT, DeliveryLedger, state_dir
from digest.state.locks import file_lock
from digest.state.output import write_atomic
from digest.state.run_ledger import RunLedger
from digest.summarize.methods import DEFAULT_METHOD

log = logging.getLogger(__name__)


RUN_LOCK = "run.lock"
ALREADY = "already done"
PAUSE_LIMIT = 300.0  # seconds a test pause waits to be killed before going on


def run_once(
    *,
    out: Path,
    date: dt.date,
    sources: SourceSettings,
    settings: MailSettings,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    length: int | None = None,
    pages: int = MAX_PAGES,
    force: bool = False,
    attach_pdf: bool = False,
    transport: Transport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    lock_wait: float = 0.0,
    give_up: Callable[[], bool] | None = None,
    pause_at: str | None = None,
    base_url: str = "",
) -> Ran:
    """One daily run: gather what is new, brief it, write the files, send it, record it.

    A date already sent (or found to have nothing new) is not done again unless `force`.
    Safe to kill at any point: the next run of the date resumes from the run ledger
    (`digest.state.run_ledger`), and the delivery ledger stops a second email
    (`digest.state.deliveries`).
    `give_up()` is asked while waiting for run.lock; True ends the wait (locks.GaveUp).
    `pause_at` names a stage at which to wait to be killed (tests only). `base_url`
    ([brief] base_url) makes the links to the previous brief and the archive's absolute.
    """
    check_run(sources, settings)
    state = state_dir(out, settings.state_dir)
    stage = _pause_hook(pause_at, state)
    with (
        file_lock(state / RUN_LOCK, what="a digest run", wait=lock_wait, give_up=give_up),
        RunLedger.in_folder(state) as ledger,
    ):
        record = ledger.get(date)
        if record is not None and record.status in run_ledger.DONE and not force:
            return _already_done(state, ledger, record, date)
        try:
            outcome = brief_for_run(
                ledger,
                record,
                out=out,
                date=date,
                sources=sources,
                profile=profile,
                method=method,
                length=length,
                pages=pages,
                force=force,
                stage=stage,
                base_url=base_url,
            )
            if isinstance(outcome, Ran):
                return outcome
            ledger.stage(date, run_ledger.SENDING)
            sent = send_brief(
                out=out,
                date=date,
                settings=settings,
                attach_pdf=attach_pdf,
                force=force,
                sleep=sleep,
                transport=_Staged(transport or SmtpTransport.from_settings(settings), stage),
            )
            stage("sent")
            if not sent.sent and not _went_out(
                state, date, sent.message_id, ledger.fingerprint(date)
            ):
                return _sent_by_hand(ledger, date, articles=outcome[1])
            ledger.finish(date, run_ledger.SENT, message_ids=(sent.message_id,))
        except PartialDeliveryError as exc:  # it reached someone: spent, and not resent
            ledger.finish(date, run_ledger.PARTIAL, message_ids=(exc.message_id,), note=str(exc))
            raise
        except MailError as exc:
            if not exc.outcome_unknown:
                ledger.fail(date, str(exc))
            else:  # it may have reached everyone: spent, and never resent by a run
                ledger.finish(date, run_ledger.UNKNOWN, note=str(exc))
            raise
        except Exception as exc:
            ledger.fail(date, str(exc))
            raise
    return Ran(date, run_ledger.SENT, outcome[1], outcome[0], sent=sent)


def _already_done(state: Path, ledger: RunLedger, record: run_ledger.Run, date: dt.date) -> Ran:
    """A date an earlier run finished (`record`): nothing is done again, and the note
    says what became of it."""
    note = (
        _partial(state, date, replaced=_replaced(ledger, record))
        if record.status == run_ledger.PARTIAL
        else record.status
    )
    if record.status == run_ledger.UNKNOWN:
        note = _unknown(date)
    return Ran(date, ALREADY, record.articles, record.files, note=note)


def _sent_by_hand(ledger: RunLedger, date: dt.date, *, articles: int) -> Ran:
    """Everyone had an email of this date, and not this brief: one that `digest send`
    mailed by hand. The run is recorded as nothing new: its articles reached no one."""
    note = (
        f"the email of {date.isoformat()} went out before with another brief "
        f"(sent by hand?), so nothing was sent; its {articles} article(s) "
        "are briefed on the next date"
    )
    return nothing_new(ledger, date, note)


def _replaced(ledger: RunLedger, record: run_ledger.Run) -> bool:
    """Were the files of the brief this run built written over since?"""
    recorded = ledger.fingerprint(record.date)
    return recorded is not None and fingerprint_of(record.files) != recorded


def _partial(state: Path, date: dt.date, *, replaced: bool = False) -> str:
    """What became of the recipients of a brief that reached only some of them."""
    with DeliveryLedger.in_folder(state) as deliveries:
        entries = deliveries.entries(date)
    refused = [e.recipient for e in entries if e.status == FAILED]
    unknown = [e.recipient for e in entries if e.status == PENDING]
    day = date.isoformat()
    if not refused and not unknown:
        return f"{run_ledger.PARTIAL}, and every recipient has it now"
    said = []
    retry = (
        f"its files were written over since, so `digest send` refuses them: "
        f"`digest run --date {day} --force` briefs the date anew for all"
        if replaced
        else f"`digest send --date {day}` retries them"
    )
    if refused:
        said.append(f"{len(refused)} recipient(s) refused it ({', '.join(refused)}); {retry}")
    if unknown:
        said.append(
            f"{len(unknown)} with an unknown outcome ({', '.join(unknown)}): check a mailbox"
        )
    return f"{run_ledger.PARTIAL}: " + "; ".join(said)


def _unknown(date: dt.date) -> str:
    day = date.isoformat()
    return (
        f"{run_ledger.UNKNOWN}: the mail server never said whether it took the brief, so it "
        f"may have arrived; check a mailbox, then `digest send --date {day} --force` to send "
        "it again"
    )


def check_run(sources: SourceSettings, settings: MailSettings) -> None:
    """Raise ConfigError when a run would have nothing to gather, or no one to mail."""
    if sources.inbox is None and not sources.feeds:
        raise ConfigError(
            "nothing to gather: pass --input DIR or --feed URL, or set 'inbox' "
            "or 'feeds' in the [sources] table of digest.toml"
        )
    settings.require("sender")
    if not settings.to:
        settings.require("to")


def _went_out(state: Path, date: dt.date, message_id: str, content: str | None) -> bool:
    """Did this run's brief (`content`, its fingerprint) reach anyone, by any send of it?
    Rows from before fingerprints were kept are matched by this send's Message-ID."""
    with DeliveryLedger.in_folder(state) as deliveries:
        if content is not None and deliveries.reached(date, content):
            return True
        return any(
            e.status == SENT and e.message_id == message_id for e in deliveries.entries(date)
        )


@dataclass(frozen=True)
class _Staged:
    """A transport that reports the "sending" stage before each attempt."""

    transport: Transport
    stage: Callable[[str], None]

    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> Outcome:
        self.stage("sending")
        return self.transport.send(message, sender=sender, recipients=recipients)


def _pause_hook(pause_at: str | None, folder: Path) -> Callable[[str], None]:
    """For the kill tests: at stage `pause_at`, write folder/paused-at-STAGE and wait."""

    def stage(name: str) -> None:
        if name != pause_at:
            return
        write_atomic(folder / f"paused-at-{name}", f"{os.getpid()}\n")
        log.warning("paused at %s (DIGEST_TEST_PAUSE_AT), waiting to be killed", name)
        deadline = time.monotonic() + PAUSE_LIMIT
        while time.monotonic() < deadline:
            time.sleep(0.05)

    return stage


def describe(ran: Ran) -> str:
    """One line for the log: what a run did."""
    day = f"run {ran.date.isoformat()}"
    if ran.status == ALREADY and ran.note.startswith(run_ledger.PARTIAL):
        return f"{day}: already sent ({ran.note}); nothing sent now"
    if ran.status == ALREADY and ran.note.startswith(run_ledger.UNKNOWN):
        return f"{day}: sent before with an outcome {ran.note}; nothing sent now"
    if ran.status == ALREADY:
        return f"{day}: already done ({ran.note}); nothing to do (use --force to redo it)"
    if ran.status == run_ledger.NOTHING_NEW:
        return f"{day}: nothing new ({ran.note}); no email sent"
    sent = ran.sent
    assert sent is not None
    who = f"sent to {len(sent.sent)} recipient(s)" if sent.sent else "nothing sent now"
    if sent.skipped:
        who += f"; {len(sent.skipped)} had it already"
    return (
        f"{day}: {ran.articles} new article(s) briefed -> {ran.files.get('pdf', '')}; "
        f"{who}; Message-ID {sent.message_id}"
    )
