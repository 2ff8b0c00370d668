"""The brief of a daily run: its new articles → the brief's files in out/, recorded in
the run ledger; or the files an earlier attempt at the date built, when they still stand.

No point sent in the last RECALL is quoted again; a day whose articles hold no other is
nothing new. Sending is `digest.pipeline.daily`'s.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from digest.config import SourceSettings
from digest.deliver.mail import fingerprint
from digest.errors import NothingToBriefError, RunError
from digest.models import Article, Brief, Previous
from digest.pipeline.archiving import update_archive
from digest.pipeline.build import Built, brief_paths, build_from_articles
from digest.pipeline.run_outcome import Ran, nothing_new
from digest.profile import Profile, load_profile
from digest.read.gather import gather
from digest.read.ingest import Ingested
from digest.render.archive import href
from digest.state import run_ledger
from digest.state.deliveries import FAILED, DeliveryLedger
from digest.state.run_ledger import RunLedger

log = logging.getLogger(__name__)

RECALL = dt.timedelta(days=90)  # how far back sent points are remembered


def brief_for_run(
    ledger: RunLedger,
    record: run_ledger.Run | None,
    *,
    out: Path,
    date: dt.date,
    sources: SourceSettings,
    profile: Profile | None,
    method: str,
    length: int | None,
    pages: int,
    force: bool,
    stage: Callable[[str], None],
    base_url: str,
) -> tuple[Mapping[str, Path], int] | Ran:
    """The brief's files and its number of articles: built now, or by an earlier attempt."""
    if not force and record is not None and _resumable(ledger, record, date=date, out=out):
        log.info("run %s: resuming; the brief was built by an earlier attempt", date.isoformat())
        update_archive(out, base_url=base_url)  # the attempt may have stopped before it
        return record.files, record.articles
    ledger.start(date)
    fresh = gather(
        sources, cache=ledger.path.parent / "feeds", seen=ledger.seen(besides=date), on_stage=stage
    )
    if not fresh.articles:
        return nothing_new(ledger, date, "no article that was not briefed before")
    stage("summarizing")
    ledger.stage(date, run_ledger.BUILDING)
    return _build(
        ledger,
        fresh,
        out=out,
        date=date,
        profile=profile,
        method=method,
        length=length,
        pages=pages,
        stage=stage,
        base_url=base_url,
    )


def _resumable(ledger: RunLedger, record: run_ledger.Run, *, date: dt.date, out: Path) -> bool:
    """Can the run send the brief an earlier attempt built (`record`)? Not when its files
    are gone, nor when they were written over and it reached no one (a warning says so)."""
    if not (
        record.stage in (run_ledger.BUILT, run_ledger.SENDING)
        and all(Path(p).is_file() for p in record.files.values())
        and record.files
    ):
        return False
    recorded = ledger.fingerprint(date)  # None: a ledger from before fingerprints
    # A brief that reached anyone is never built again: it would hold other articles
    # than the ones that went out, recorded as sent. If its files were replaced, the
    # send refuses them to whoever has not had it (send_brief checks the run ledger).
    if (
        recorded is None
        or fingerprint_of(record.files) == recorded
        or _reached_anyone(ledger.path.parent, date)
    ):
        return True
    log.warning(
        "run %s: %s is no longer the brief an earlier attempt built (another `digest "
        "brief` into %s?): building it again",
        date.isoformat(),
        record.files.get("json", "its JSON edition"),
        out,
    )
    return False


def _build(
    ledger: RunLedger,
    fresh: Ingested,
    *,
    out: Path,
    date: dt.date,
    profile: Profile | None,
    method: str,
    length: int | None,
    pages: int,
    stage: Callable[[str], None],
    base_url: str,
) -> tuple[Mapping[str, Path], int] | Ran:
    """The new articles' brief, written and recorded in the run ledger; nothing new (a
    Ran) when every point in them was sent before."""
    try:
        built = build_from_articles(
            fresh.articles,
            fresh.skipped,
            out=out,
            date=date,
            method=method,
            length=length,
            pages=pages,
            profile=profile or load_profile(),
            exclude=ledger.sent_points(besides=date, since=date - RECALL),
            where="the new articles",
            on_stage=stage,
            previous=_previously(ledger.last_sent(before=date), base_url),
            base_url=base_url,
        )
    except NothingToBriefError as exc:
        return nothing_new(
            ledger,
            date,
            f"{len(fresh.articles)} new article(s), but no point "
            f"in them that was not sent before ({exc})",
        )
    return _recorded(ledger, date, fresh.articles, built)


def _recorded(
    ledger: RunLedger, date: dt.date, articles: Sequence[Article], built: Built
) -> tuple[Mapping[str, Path], int]:
    """Record the brief just built in the run ledger: its files and number of articles."""
    ledger.built(
        date,
        articles=articles,
        points=printed_texts(built.brief),
        files=built.files,
        fingerprint=_written_fingerprint(built.files),
    )
    return built.files, len(articles)


def printed_texts(brief: Brief) -> list[str]:
    """What a reader of the printed brief saw, which counts as sent for tomorrow's
    novelty: the points in full, and the headlines listed under More stories."""
    listed = [s.headline for s in brief.stories if not s.shown][: brief.listed]
    return [p.text for p in brief.points] + listed


def fingerprint_of(files: Mapping[str, Path]) -> str | None:
    """The `mail.fingerprint` of the brief whose JSON edition `files` names; None when it
    cannot be read as one."""
    try:
        return fingerprint(json.loads(Path(files["json"]).read_text("utf-8")))
    except (KeyError, OSError, ValueError, AttributeError):
        return None


def _written_fingerprint(files: Mapping[str, Path]) -> str:
    found = fingerprint_of(files)
    if found is None:
        raise RunError(f"{files.get('json')}: the brief just written cannot be read back")
    return found


def _reached_anyone(state: Path, date: dt.date) -> bool:
    """Did the brief of `date` reach a recipient, or may it have (sent, or pending)?"""
    with DeliveryLedger.in_folder(state) as deliveries:
        return any(e.status != FAILED for e in deliveries.entries(date))


def _previously(last: run_ledger.Run | None, base_url: str) -> Previous | None:
    """The brief this one follows, with links to its editions: file names beside this
    brief's, or absolute URLs under `base_url`."""
    if last is None:
        return None
    default = brief_paths(Path(), last.date)
    html, pdf = (Path(last.files.get(ext, default[ext])).name for ext in ("html", "pdf"))
    return Previous(last.date, html=href(html, base_url), pdf=href(pdf, base_url))
