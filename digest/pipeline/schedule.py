"""Decide when the daily job runs: every day at HH:MM in a time zone, on the `schedule` library.

A `Daemon` calls `job(date)` once a day at the given local time, with the date of that
day in the zone. It knows nothing of what the job does. On start it catches up a run
that was due earlier today and missed, if it is less than `catch_up` late (the job is
expected to do nothing when its date is already done). A job that raises is logged and
the daemon goes on: the exception is caught here, because `schedule` would otherwise
leave the job due and fire it again at once.

SIGTERM or SIGINT stops the daemon: between runs at once; during a run, after the run
finishes; a second signal abandons the run (the job must survive being cut short).

The clock is injectable (`Clock`: an aware `now()` and a `sleep()`), so tests drive
days and times without sleeping. `schedule` reads the wall clock through its module's
`datetime`; with any clock but `SystemClock` that one name is pointed at the clock while
the library is called.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import pytz
import schedule as library

from digest.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_CATCH_UP = dt.timedelta(hours=12)
NAP = 1.0  # longest sleep, in seconds, so signals and clock jumps are noticed


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def parse_at(text: str) -> dt.time:
    """HH:MM (24-hour clock) → a time; ConfigError otherwise."""
    try:
        hours, minutes = text.strip().split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError(text)
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"{text!r} is not a time written HH:MM, like 07:00") from None


def zone(name: str) -> dt.tzinfo:
    """An IANA time zone, e.g. Europe/Berlin; ConfigError otherwise."""
    try:
        return pytz.timezone(name)
    except pytz.UnknownTimeZoneError:
        raise ConfigError(f"{name!r} is not a time zone name like Europe/Berlin or UTC") from None


class Abandon(BaseException):
    """Raised by a second stop signal during a run: cut the run short."""


class Daemon:
    def __init__(
        self,
        job: Callable[[dt.date], object],
        *,
        at: dt.time,
        timezone: str | None = None,
        catch_up: dt.timedelta = DEFAULT_CATCH_UP,
        clock: Clock | None = None,
        nap: float = NAP,
    ) -> None:
        self.job, self.at, self.timezone, self.catch_up = job, at, timezone, catch_up
        self.clock = clock or SystemClock()
        self.nap = nap
        self.stopping = False
        self.busy = False
        self._zone = zone(timezone) if timezone else None
        self._scheduler = library.Scheduler()
        self._entry: library.Job | None = None

    def local_now(self) -> dt.datetime:
        now = self.clock.now()
        return now.astimezone(self._zone) if self._zone else now.astimezone()

    def start(self) -> None:
        """Schedule the daily run, catch up today's if it was missed, say when the next is."""
        with self._clocked():
            self._entry = (
                self._scheduler.every()
                .day.at(self.at.strftime("%H:%M"), self.timezone)
                .do(self._fire)
            )
        log.info("daily run at %s %s", self.at.strftime("%H:%M"), self._zone_name())
        now = self.local_now()
        due = self._due(now.date())
        if due <= now <= due + self.catch_up:
            log.info(
                "today's run was due at %s and has not run here: catching up", due.strftime("%H:%M")
            )
            self._fire()
        else:
            self._log_next()

    def tick(self) -> None:
        """Run the job if it is due."""
        with self._clocked():
            self._scheduler.run_pending()

    def idle(self) -> float:
        """Seconds until the next run (0 when it is due)."""
        with self._clocked():
            seconds = self._scheduler.idle_seconds
        return max(0.0, seconds if seconds is not None else self.nap)

    def next_run(self) -> dt.datetime:
        """The next moment at `at` in the zone, from the calendar: adding the library's
        idle seconds to a clock read a moment earlier could say 06:59 for 07:00."""
        now = self.local_now()
        due = self._due(now.date())
        return due if due > now else self._due(now.date() + dt.timedelta(days=1))

    def stop(self) -> None:
        self.stopping = True

    def run(self, *, handle_signals: bool = True) -> None:
        """Start, then run every day until stopped by `stop()` or SIGTERM/SIGINT."""
        with self._signals(handle_signals):
            try:
                self.start()
                while not self.stopping:
                    self.tick()
                    if not self.stopping:
                        self.clock.sleep(min(self.idle(), self.nap))
            except Abandon:
                log.warning("the current run was abandoned; the next run of its date resumes it")
        log.info("stopped")

    def _fire(self) -> None:
        date = self.local_now().date()
        self.busy = True
        try:
            self.job(date)
        except Exception:
            log.exception("the run of %s failed; the daemon goes on", date.isoformat())
        finally:
            self.busy = False
        if not self.stopping:
            self._log_next()

    def _due(self, day: dt.date) -> dt.datetime:
        moment = dt.datetime.combine(day, self.at)
        if self._zone is None:
            return moment.astimezone()
        return self._zone.normalize(self._zone.localize(moment))  # type: ignore[attr-defined]

    def _log_next(self) -> None:
        log.info("next run at %s %s", self.next_run().strftime("%Y-%m-%d %H:%M"), self._zone_name())

    def _zone_name(self) -> str:
        return self.timezone or "local time"

    def _on_signal(self, number: int, frame: Any) -> None:
        name = signal.Signals(number).name
        if self.stopping and self.busy:
            raise Abandon
        self.stopping = True
        if self.busy:
            log.warning(
                "%s: stopping after the current run; send it again to abandon the run", name
            )
        else:
            log.info("%s: stopping", name)

    @contextmanager
    def _signals(self, install: bool) -> Iterator[None]:
        if not install:
            yield
            return
        saved = {n: signal.signal(n, self._on_signal) for n in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for number, handler in saved.items():
                signal.signal(number, handler)

    @contextmanager
    def _clocked(self) -> Iterator[None]:
        if isinstance(self.clock, SystemClock):
            yield
            return
        saved = library.datetime
        library.datetime = _clock_module(self.clock)  # type: ignore[assignment]
        try:
            yield
        finally:
            library.datetime = saved


def _clock_module(clock: Clock) -> types.SimpleNamespace:
    """A stand-in for the `datetime` module whose `datetime.now()` reads `clock`."""

    class ClockedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            moment = clock.now()
            return moment.astimezone(tz) if tz else moment.astimezone().replace(tzinfo=None)

    names = ("date", "time", "timedelta", "timezone", "tzinfo", "MINYEAR", "MAXYEAR")
    return types.SimpleNamespace(datetime=ClockedDatetime, **{n: getattr(dt, n) for n in names})
