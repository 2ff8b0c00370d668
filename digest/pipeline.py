"""The library entry points: articles in a folder → a brief's files in out/.

The only module that writes into the output folder. Everything is rendered in memory
first; only then are the files written, each atomically, so a failed run leaves no
partial brief behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path

from digest import mail, render, runs
from digest.compose import compose, section_of
from digest.config import (
    ConfigError,
    MailSettings,
    Profile,
    SourceSettings,
    load_profile,
    parse_addresses,
)
from digest.corpus import OVERLAP, Corpus
from digest.delivery import SmtpTransport, Transport, deliver
from digest.errors import MailError, NothingToBriefError
from digest.gather import gather
from digest.ingest import DEFAULT_MAX_BYTES, Ingested, read_folder
from digest.ledger import Entry, Ledger, state_dir
from digest.locks import file_lock
from digest.methods import DEFAULT_METHOD
from digest.models import Article, Brief, Point, Skipped
from digest.output import write_atomic
from digest.pdf import html_to_pdf
from digest.runs import RunLedger
from digest.schedule import Clock, Daemon
from digest.summarize import rank, select

log = logging.getLogger(__name__)

TARGET_WORDS = 380  # the points' words before thin sections are topped up
CEILING_WORDS = 480  # the most words of points a default brief carries
MAX_PAGES = 2
SECTION_MINIMUM = 2
EDITIONS = ("pdf", "html", "txt", "json")


@dataclass(frozen=True)
class Built:
    brief: Brief
    files: dict[str, Path]
    pages: int
    ingested: Ingested


def default_input() -> Path:
    """`./seeds` when it exists, else the seed articles shipped inside the package."""
    local = Path("seeds")
    if local.is_dir():
        return local
    packaged = Path(__file__).parent / "seeds"
    return packaged if packaged.is_dir() else local


def brief_paths(out: Path, date: dt.date) -> dict[str, Path]:
    return {ext: out / f"brief-{date.isoformat()}.{ext}" for ext in EDITIONS}


def build_brief(
    *,
    input_dir: Path,
    out: Path,
    date: dt.date,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    length: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Built:
    """Read the articles, brief them, render every edition and write them to `out`."""
    ingested = read_folder(input_dir, max_bytes=max_bytes)
    log.info("read %d article(s) from %s, skipped %d", len(ingested.articles), input_dir,
             len(ingested.skipped))
    if not ingested.articles:
        found = ", ".join(f"{s.name} ({s.reason})" for s in ingested.skipped) or "no files"
        raise NothingToBriefError(f"{input_dir}: no usable article to brief; found {found}")
    return build_from_articles(ingested.articles, ingested.skipped, out=out, date=date,
                               profile=profile, method=method, length=length,
                               where=str(input_dir))


def build_from_articles(
    articles: Sequence[Article],
    skipped: Sequence[Skipped] = (),
    *,
    out: Path,
    date: dt.date,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    length: int | None = None,
    exclude: Sequence[str] = (),
    where: str = "the articles",
    on_stage: Callable[[str], None] | None = None,
) -> Built:
    """Brief these articles, render every edition and write them to `out`.

    No sentence that states the same fact as one of the `exclude` texts (points already
    sent) is quoted. `on_stage` is told "rendering", then "writing" after the first file.
    """
    profile = profile or load_profile()
    stage = on_stage or (lambda name: None)
    ingested = Ingested(tuple(articles), tuple(skipped))
    corpus = _excluding(Corpus.of(ingested.articles), ingested.articles, exclude)
    log.info("ranking %d sentences with %s", len(corpus.sentences), method)
    ranking = rank(corpus, method=method)
    points = _points(corpus, ranking, profile, length)
    if not points:
        raise NothingToBriefError(f"{where}: no sentence in the articles can be quoted as a point")
    while True:
        brief = compose(points, corpus=corpus, articles=ingested.articles, profile=profile,
                        date=date, method=method, skipped=ingested.skipped)
        log.info("rendering %d points (%d words)", len(brief.points), brief.word_count)
        editions, pages = _render_all(brief)
        if pages <= MAX_PAGES or length is not None or len(points) <= 3:
            break
        log.info("%d pages is over %d: dropping the least important point", pages, MAX_PAGES)
        points = _drop_last(points)
    stage("rendering")
    files = brief_paths(out, date)
    for n, (ext, path) in enumerate(files.items()):
        write_atomic(path, editions[ext])
        if n == 0:
            stage("writing")
    return Built(brief, files, pages, ingested)


def _excluding(corpus: Corpus, articles: Sequence[Article], exclude: Sequence[str]) -> Corpus:
    """The corpus, with every sentence that repeats an excluded text made unquotable.

    The excluded texts join the articles in one corpus, so both share word weights; a
    sentence that overlaps one of them (similarity at or above OVERLAP, or the same figure
    at SAME_FIGURE) states a fact already sent."""
    if not exclude:
        return corpus
    sent = Article(index=0, title="points already sent", paragraphs=tuple(exclude))
    both = Corpus.of([*articles, sent])
    n = len(corpus.sentences)
    repeats = {i for j in range(n, len(both.sentences)) for i in both.neighbours(j, OVERLAP)
               if i < n}
    log.info("%d sentence(s) repeat a point already sent: not quoted", len(repeats))
    return replace(corpus, quotable=tuple(q and i not in repeats
                                          for i, q in enumerate(corpus.quotable)))


def _points(corpus: Corpus, ranking: list[tuple[int, float]], profile: Profile,
            length: int | None) -> tuple[Point, ...]:
    if length is not None:
        return select(corpus, ranking, points=length)
    return select(corpus, ranking, words=TARGET_WORDS, minimum=SECTION_MINIMUM,
                  group=lambda s: section_of(s.text, profile), ceiling=CEILING_WORDS)


def _drop_last(points: Sequence[Point]) -> tuple[Point, ...]:
    ranked = sorted(points, key=lambda p: p.rank)[:-1]
    return tuple(replace(p, rank=n) for n, p in enumerate(ranked))


def _render_all(brief: Brief) -> tuple[dict[str, bytes | str], int]:
    pdf, pages = html_to_pdf(render.render_print_html(brief), templates=render.templates_dir())
    return {
        "pdf": pdf,
        "html": render.render_email_html(brief),
        "txt": render.render_text(brief),
        "json": render.render_json(brief),
    }, pages


def summarize_folder(folder: Path, *, method: str = DEFAULT_METHOD, words: int = 100) -> list[str]:
    """The multi-document summary of a folder: sentences best first, up to `words` words."""
    ingested = read_folder(folder)
    if not ingested.articles:
        raise NothingToBriefError(f"{folder}: no usable article to summarize")
    corpus = Corpus.of(ingested.articles)
    return [p.text for p in select(corpus, rank(corpus, method=method), words=words)]


# --- send: the brief's files in out/ → one email per date, recorded in the ledger -------


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
    (see `digest.ledger` for the at-most-once semantics); `force` sends again anyway.
    Raises MailError, after recording it, on any refusal or failure.
    """
    recipients = parse_addresses(list(to), "--to") if to else settings.to
    settings.require("sender")
    if not recipients:
        settings.require("to")
    edition, built = _edition(out, date, attach_pdf=attach_pdf, input_dir=input_dir)
    message_id = mail.message_id(date, recipients, settings.sender_address)
    headers = mail.Headers(
        sender=str(settings.sender), recipients=recipients, message_id=message_id,
        when=now or dt.datetime.now(dt.UTC).replace(microsecond=0),
        list_unsubscribe=settings.list_unsubscribe, one_click=settings.list_unsubscribe_post,
    )
    if dry_run:
        eml = out / f"brief-{date.isoformat()}.eml"
        write_atomic(eml, mail.compose_message(edition, headers).as_bytes())
        return Sent(date, message_id, eml=eml, built=built)
    transport = transport or SmtpTransport.from_settings(settings)
    with Ledger.in_folder(state_dir(out, settings.state_dir)) as ledger:
        claim = ledger.claim(date, recipients, message_id=message_id, force=force)
        if claim.unknown:
            raise MailError(_unknown_outcome(date, claim.unknown))
        if not claim.send:
            return Sent(date, message_id, skipped=claim.sent, built=built)
        message = mail.compose_message(edition, replace(headers, recipients=claim.send))
        sent = _deliver_recorded(ledger, message, date=date, recipients=claim.send,
                                 sender=settings.sender_address, transport=transport, sleep=sleep)
    return Sent(date, message_id, sent=sent, skipped=claim.sent, built=built)


def _edition(out: Path, date: dt.date, *, attach_pdf: bool,
             input_dir: Path | None) -> tuple[mail.Edition, bool]:
    files = brief_paths(out, date)
    needed = ("html", "txt", "json", "pdf") if attach_pdf else ("html", "txt", "json")
    missing = [ext for ext in needed if not files[ext].is_file()]
    if missing:
        log.info("no brief for %s in %s yet: building it", date.isoformat(), out)
        build_brief(input_dir=input_dir or default_input(), out=out, date=date)
    return mail.read_edition(files, with_pdf=attach_pdf), bool(missing)


def _deliver_recorded(ledger: Ledger, message: EmailMessage, *, date: dt.date,
                      recipients: tuple[str, ...], sender: str, transport: Transport,
                      sleep: Callable[[float], None]) -> tuple[str, ...]:
    """Deliver to the claimed (pending) recipients and record each one's outcome."""
    message_id = str(message["Message-ID"])
    try:
        refused = deliver(mail.wire_bytes(message), sender=sender, recipients=recipients,
                          transport=transport, sleep=sleep)
    except MailError as exc:
        answers = {r: str(exc) for r in recipients}
        if exc.outcome_unknown:
            ledger.record(date, message_id=message_id, unknown=answers)
            raise MailError(f"{exc}. The ledger keeps {', '.join(recipients)} as pending: "
                            "check a mailbox, then rerun with --force to send again",
                            outcome_unknown=True) from exc
        ledger.record(date, message_id=message_id, failed=answers)
        raise
    accepted = tuple(r for r in recipients if r not in refused)
    ledger.record(date, message_id=message_id, sent=accepted, failed=refused)
    if refused:
        raise MailError(f"brief {date.isoformat()} sent to {', '.join(accepted)}, but refused "
                        "for " + "; ".join(f"{r} ({answer})" for r, answer in refused.items()))
    return accepted


def _unknown_outcome(date: dt.date, entries: Sequence[Entry]) -> str:
    who = ", ".join(e.recipient for e in entries)
    since = min(e.updated for e in entries).isoformat()
    return (f"brief {date.isoformat()}: an earlier send to {who} did not finish (pending since "
            f"{since}, Message-ID {entries[0].message_id}); it may have been delivered, so "
            "nothing was sent. Check a mailbox, then rerun with --force to send again")


# --- run: one daily run — gather what is new, brief it, send it, record it ---------------

RUN_LOCK, DAEMON_LOCK = "run.lock", "schedule.lock"
DAEMON_LOCK_WAIT = 600.0  # seconds the daemon waits for a manual run of the same moment
RECALL = dt.timedelta(days=90)  # how far back sent points are remembered
ALREADY = "already done"
PAUSE_LIMIT = 300.0  # seconds a test pause waits to be killed before going on


@dataclass(frozen=True)
class Ran:
    date: dt.date
    status: str  # runs.SENT, runs.NOTHING_NEW, or ALREADY (an earlier run did it)
    articles: int = 0  # new articles briefed
    files: Mapping[str, Path] = field(default_factory=dict)
    sent: Sent | None = None
    note: str = ""


def run_once(
    *,
    out: Path,
    date: dt.date,
    sources: SourceSettings,
    settings: MailSettings,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    force: bool = False,
    attach_pdf: bool = False,
    transport: Transport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    lock_wait: float = 0.0,
    pause_at: str | None = None,
) -> Ran:
    """One daily run: gather what is new, brief it, write the files, send it, record it.

    A date already sent (or found to have nothing new) is not done again unless `force`.
    Safe to kill at any point: the next run of the date resumes from the run ledger
    (`digest.runs`), and the delivery ledger stops a second email (`digest.ledger`).
    `pause_at` names a stage at which to wait to be killed (tests only).
    """
    _check_run(sources, settings)
    state = state_dir(out, settings.state_dir)
    stage = _pause_hook(pause_at, state)
    with (file_lock(state / RUN_LOCK, what="a digest run", wait=lock_wait),
          RunLedger.in_folder(state) as ledger):
        record = ledger.get(date)
        if record is not None and record.status in runs.DONE and not force:
            return Ran(date, ALREADY, record.articles, record.files, note=record.status)
        try:
            outcome = _brief_for_run(ledger, record, out=out, date=date, sources=sources,
                                     profile=profile, method=method, force=force, stage=stage)
            if isinstance(outcome, Ran):
                return outcome
            ledger.stage(date, runs.SENDING)
            sent = send_brief(out=out, date=date, settings=settings, attach_pdf=attach_pdf,
                              force=force, sleep=sleep, transport=_Staged(
                                  transport or SmtpTransport.from_settings(settings), stage))
            stage("sent")
            ledger.finish(date, runs.SENT, message_ids=(sent.message_id,))
        except Exception as exc:
            ledger.fail(date, str(exc))
            raise
    return Ran(date, runs.SENT, outcome[1], outcome[0], sent=sent)


def _check_run(sources: SourceSettings, settings: MailSettings) -> None:
    if sources.inbox is None and not sources.feeds:
        raise ConfigError("nothing to gather: pass --input DIR or --feed URL, or set 'inbox' "
                          "or 'feeds' in the [sources] table of digest.toml")
    settings.require("sender")
    if not settings.to:
        settings.require("to")


def _brief_for_run(ledger: RunLedger, record: runs.Run | None, *, out: Path, date: dt.date,
                   sources: SourceSettings, profile: Profile | None, method: str, force: bool,
                   stage: Callable[[str], None]) -> tuple[Mapping[str, Path], int] | Ran:
    """The brief's files and its number of articles: built now, or by an earlier attempt."""
    if not force and record is not None and record.stage in (runs.BUILT, runs.SENDING) \
            and all(Path(p).is_file() for p in record.files.values()) and record.files:
        log.info("run %s: resuming; the brief was built by an earlier attempt", date.isoformat())
        return record.files, record.articles
    ledger.start(date)
    fresh = gather(sources, cache=ledger.path.parent / "feeds",
                   seen=ledger.seen(besides=date), on_stage=stage)
    if not fresh.articles:
        return _nothing_new(ledger, date, "no article that was not briefed before")
    stage("summarizing")
    ledger.stage(date, runs.BUILDING)
    try:
        built = build_from_articles(
            fresh.articles, fresh.skipped, out=out, date=date, method=method,
            profile=_previously(profile or load_profile(), ledger.last_sent(before=date)),
            exclude=ledger.sent_points(besides=date, since=date - RECALL),
            where="the new articles", on_stage=stage)
    except NothingToBriefError as exc:
        return _nothing_new(ledger, date, f"{len(fresh.articles)} new article(s), but no point "
                            f"in them that was not sent before ({exc})")
    ledger.built(date, articles=fresh.articles, points=[p.text for p in built.brief.points],
                 files=built.files)
    return built.files, len(fresh.articles)


def _nothing_new(ledger: RunLedger, date: dt.date, note: str) -> Ran:
    ledger.finish(date, runs.NOTHING_NEW, note=note)
    return Ran(date, runs.NOTHING_NEW, note=note)


def _previously(profile: Profile, last: runs.Run | None) -> Profile:
    """Say in the subtitle which brief this one follows."""
    if last is None:
        return profile
    name = Path(last.files.get("html", brief_paths(Path(), last.date)["html"])).name
    line = f"New since the brief of {last.date:%-d %B %Y} ({name})"
    return replace(profile, subtitle=" · ".join(t for t in (profile.subtitle, line) if t))


@dataclass(frozen=True)
class _Staged:
    """A transport that reports the "sending" stage before each attempt."""

    transport: Transport
    stage: Callable[[str], None]

    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> dict[str, str]:
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
    if ran.status == ALREADY:
        return f"{day}: already done ({ran.note}); nothing to do (use --force to redo it)"
    if ran.status == runs.NOTHING_NEW:
        return f"{day}: nothing new ({ran.note}); no email sent"
    sent = ran.sent
    assert sent is not None
    who = f"sent to {len(sent.sent)} recipient(s)" if sent.sent else "nothing sent now"
    if sent.skipped:
        who += f"; {len(sent.skipped)} had it already"
    return (f"{day}: {ran.articles} new article(s) briefed -> {ran.files.get('pdf', '')}; "
            f"{who}; Message-ID {sent.message_id}")


def serve(
    *,
    at: dt.time,
    timezone: str | None,
    catch_up: dt.timedelta,
    out: Path,
    sources: SourceSettings,
    settings: MailSettings,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    attach_pdf: bool = False,
    clock: Clock | None = None,
    transport: Transport | None = None,
) -> None:
    """Run `run_once` every day at `at` until SIGTERM/SIGINT (see `digest.schedule`)."""
    _check_run(sources, settings)

    def job(date: dt.date) -> None:
        log.info(describe(run_once(out=out, date=date, sources=sources, settings=settings,
                                   profile=profile, method=method, attach_pdf=attach_pdf,
                                   transport=transport, lock_wait=DAEMON_LOCK_WAIT)))

    daemon = Daemon(job, at=at, timezone=timezone, catch_up=catch_up, clock=clock)
    with file_lock(state_dir(out, settings.state_dir) / DAEMON_LOCK, what="digest schedule"):
        daemon.run()
