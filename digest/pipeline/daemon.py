"""The daemon of `digest schedule`: a time of day → the daily run at it, every day.

`serve` runs `digest.pipeline.daily.run_once` for each day's date until SIGTERM/SIGINT;
when it fires, what it catches up and how it stops are `digest.pipeline.schedule`'s. One
daemon at a time runs on a state folder (schedule.lock); each of its runs waits a while
for a manual run of the same moment to finish (run.lock).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path

from digest.config import SourceSettings
from digest.deliver.delivery import Transport
from digest.deliver.settings import MailSettings
from digest.pipeline.build import MAX_PAGES
from digest.pipeline.daily import Ran, check_run, describe, run_once
from digest.pipeline.schedule import Clock, Daemon
from digest.profile import Profile
from digest.state.deliveries import state_dir
from digest.state.locks import GaveUp, file_lock
from digest.summarize.methods import DEFAULT_METHOD

log = logging.getLogger(__name__)

DAEMON_LOCK = "schedule.lock"
DAEMON_LOCK_WAIT = 600.0  # seconds the daemon waits for a manual run of the same moment


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
    length: int | None = None,
    pages: int = MAX_PAGES,
    attach_pdf: bool = False,
    clock: Clock | None = None,
    transport: Transport | None = None,
    base_url: str = "",
) -> None:
    """Run `run_once` every day at `at` until SIGTERM/SIGINT (see `digest.pipeline.schedule`)."""
    check_run(sources, settings)
    run = functools.partial(
        run_once,
        out=out,
        sources=sources,
        settings=settings,
        profile=profile,
        method=method,
        length=length,
        pages=pages,
        attach_pdf=attach_pdf,
        transport=transport,
        lock_wait=DAEMON_LOCK_WAIT,
        base_url=base_url,
    )

    def job(date: dt.date) -> None:
        _day(run, date, give_up=lambda: daemon.stopping)  # SIGTERM ends the wait for run.lock

    daemon = Daemon(job, at=at, timezone=timezone, catch_up=catch_up, clock=clock)
    with file_lock(state_dir(out, settings.state_dir) / DAEMON_LOCK, what="digest schedule"):
        daemon.run()


def _day(run: Callable[..., Ran], date: dt.date, *, give_up: Callable[[], bool]) -> None:
    """The run of one day's `date`, said in the log; one whose wait for run.lock
    `give_up()` ended is not run, and a warning says how to run it."""
    try:
        ran = run(date=date, give_up=give_up)
    except GaveUp as exc:
        day = date.isoformat()
        log.warning("%s: %s; not run (start again, or use digest run --date %s)", day, exc, day)
        return
    log.info(describe(ran))
