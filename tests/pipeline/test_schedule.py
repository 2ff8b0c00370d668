"""The daemon's timing, driven by an injected clock (no sleeping), and one real scheduled minute."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytz

from digest.errors import ConfigError
from digest.pipeline.schedule import Daemon, parse_at, zone
from digest.state.run_ledger import SENT, RunLedger
from tests.conftest import ROOT, SEEDS
from tests.servers import Handler, Server, serve_smtp

BERLIN = pytz.timezone("Europe/Berlin")


@dataclass
class FakeClock:
    moment: dt.datetime
    slept: list[float] = field(default_factory=list)

    def now(self) -> dt.datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += dt.timedelta(seconds=seconds)


def berlin(*args: int) -> dt.datetime:
    return BERLIN.localize(dt.datetime(*args))


@dataclass
class Recorder:
    clock: FakeClock
    stop_after: int
    daemon: Daemon | None = None
    calls: list[tuple[dt.date, str]] = field(default_factory=list)
    fail_first: bool = False

    def __call__(self, date: dt.date) -> None:
        local = self.clock.now().astimezone(BERLIN)
        self.calls.append((date, local.strftime("%Y-%m-%d %H:%M")))
        if len(self.calls) >= self.stop_after and self.daemon is not None:
            self.daemon.stop()
        if self.fail_first and len(self.calls) == 1:
            raise RuntimeError("the first run breaks")


def daemon_for(start: dt.datetime, *, runs: int, at: str = "07:00", **options: object):
    clock = FakeClock(start)
    job = Recorder(clock, runs, fail_first=bool(options.pop("fail_first", False)))
    job.daemon = Daemon(
        job, at=parse_at(at), timezone="Europe/Berlin", clock=clock, nap=float("inf"), **options
    )  # type: ignore[arg-type]
    return job.daemon, job


def test_runs_every_day_at_the_local_time_with_that_days_date() -> None:
    daemon, job = daemon_for(berlin(2024, 7, 28, 6, 0), runs=3)
    daemon.run(handle_signals=False)
    assert job.calls == [
        (dt.date(2024, 7, 28), "2024-07-28 07:00"),
        (dt.date(2024, 7, 29), "2024-07-29 07:00"),
        (dt.date(2024, 7, 30), "2024-07-30 07:00"),
    ]


def test_the_time_stays_local_across_a_daylight_saving_change() -> None:
    daemon, job = daemon_for(berlin(2024, 3, 30, 8, 0), runs=2, catch_up=dt.timedelta(0))
    daemon.run(handle_signals=False)
    assert [t for _, t in job.calls] == ["2024-03-31 07:00", "2024-04-01 07:00"]


def test_a_run_missed_earlier_today_is_caught_up_on_start(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="digest")
    daemon, job = daemon_for(berlin(2024, 7, 28, 9, 30), runs=2)
    daemon.run(handle_signals=False)
    assert job.calls == [
        (dt.date(2024, 7, 28), "2024-07-28 09:30"),
        (dt.date(2024, 7, 29), "2024-07-29 07:00"),
    ]
    assert "catching up" in caplog.text
    assert "next run at 2024-07-29 07:00 Europe/Berlin" in caplog.text


@pytest.mark.parametrize("window", [dt.timedelta(hours=2), dt.timedelta(0)])
def test_a_run_missed_longer_ago_than_the_window_waits_for_tomorrow(window: dt.timedelta) -> None:
    daemon, job = daemon_for(berlin(2024, 7, 28, 9, 30), runs=1, catch_up=window)
    daemon.run(handle_signals=False)
    assert job.calls == [(dt.date(2024, 7, 29), "2024-07-29 07:00")]


def test_a_failing_run_is_logged_and_the_next_day_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon, job = daemon_for(berlin(2024, 7, 28, 6, 0), runs=2, fail_first=True)
    daemon.run(handle_signals=False)
    assert [t for _, t in job.calls] == ["2024-07-28 07:00", "2024-07-29 07:00"]
    assert "the run of 2024-07-28 failed; the daemon goes on" in caplog.text
    assert "the first run breaks" in caplog.text


@dataclass
class TickingClock(FakeClock):
    """A clock that moves on a millisecond each time it is read, as a real one does."""

    def now(self) -> dt.datetime:
        self.moment += dt.timedelta(milliseconds=1)
        return self.moment


ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",  # UTC-3:30
    "Asia/Kolkata",  # UTC+5:30
    "Asia/Kathmandu",  # UTC+5:45
    "Australia/Lord_Howe",  # a half-hour daylight saving shift
    "Pacific/Chatham",  # UTC+12:45
    "Pacific/Kiritimati",  # UTC+14
    "Etc/GMT+12",
]


@pytest.mark.parametrize("name", ZONES)
@pytest.mark.parametrize("start", ["05:00:00", "06:59:59.990", "07:00:30", "23:59:59.999"])
def test_the_next_run_is_logged_at_the_time_asked_in_every_zone(
    name: str, start: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="digest")
    local = pytz.timezone(name)
    moment = local.localize(dt.datetime.combine(dt.date(2024, 7, 28), dt.time.fromisoformat(start)))
    daemon = Daemon(
        lambda date: None,
        at=dt.time(7, 0),
        timezone=name,
        clock=TickingClock(moment),
        catch_up=dt.timedelta(0),
    )
    daemon.start()
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("next run")]
    day = "2024-07-28" if start < "07:00" else "2024-07-29"
    assert line == f"next run at {day} 07:00 {name}"


def test_sigterm_during_a_run_lets_it_finish_then_stops() -> None:
    clock = FakeClock(berlin(2024, 7, 28, 6, 59))
    finished: list[dt.date] = []

    def job(date: dt.date) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        finished.append(date)

    daemon = Daemon(job, at=dt.time(7, 0), timezone="Europe/Berlin", clock=clock, nap=3600)
    daemon.run()
    assert finished == [dt.date(2024, 7, 28)] and clock.now() < berlin(2024, 7, 28, 8, 0)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_second_signal_abandons_the_run(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(berlin(2024, 7, 28, 6, 59))
    finished: list[dt.date] = []

    def job(date: dt.date) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        finished.append(date)

    Daemon(job, at=dt.time(7, 0), timezone="Europe/Berlin", clock=clock, nap=3600).run()
    assert finished == [] and "abandoned" in caplog.text


@pytest.mark.parametrize("bad", ["7:00", "24:00", "07:60", "0700", "noon"])
def test_a_bad_time_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="HH:MM"):
        parse_at(bad)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ConfigError, match="time zone"):
        zone("Mars/Olympus_Mons")


# --- the real daemon, a real minute --------------------------------------------------------


@pytest.fixture()
def smtp(tmp_path: Path) -> Iterator[Server]:
    yield from serve_smtp(tmp_path, Handler())


@pytest.mark.slow
def test_the_real_daemon_runs_at_the_scheduled_minute_and_stops_on_sigterm(
    tmp_path: Path, smtp: Server
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in sorted(SEEDS.iterdir())[:2]:
        shutil.copy(path, inbox / path.name)
    now = dt.datetime.now()
    at = (now + dt.timedelta(minutes=2 if now.second > 45 else 1)).strftime("%H:%M")
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "digest",
            "schedule",
            "--at",
            at,
            "--input",
            str(inbox),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        env={**os.environ, **smtp.env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 150
        while not smtp.handler.received and time.monotonic() < deadline:
            assert daemon.poll() is None, daemon.stderr.read() if daemon.stderr else ""
            time.sleep(0.5)
        assert len(smtp.handler.received) == 1
        # The server has the message before the daemon hears its reply and records it.
        deadline = time.monotonic() + 30
        while True:
            with RunLedger.in_folder(Path(smtp.env["DIGEST_STATE_DIR"])) as ledger:
                (run,) = ledger.history()
            if run.status == SENT or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert run.status == SENT and run.date == dt.date.today()
        time.sleep(1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    assert f"daily run at {at} local time" in err
    assert "next run at" in err and "stopped" in err and "sent to 1 recipient" in err


def test_sigterm_stops_the_daemon_while_it_waits_for_run_lock(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(sorted(SEEDS.iterdir())[0], inbox / "a.txt")
    lock = tmp_path / "state" / "run.lock"  # state/ beside out/
    code = (
        "import sys, time; from pathlib import Path; from digest.state.locks import file_lock\n"
        "with file_lock(Path(sys.argv[1]), what='a digest run'):\n"
        "    print('held', flush=True); time.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(lock)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    log = tmp_path / "schedule.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    # Never contacted: the run cannot start while the lock is held.
    env |= {"DIGEST_MAIL_FROM": "d@example.org", "DIGEST_MAIL_TO": "a@example.org"}
    daemon: subprocess.Popen[bytes] | None = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        now = dt.datetime.now().strftime("%H:%M")  # due this minute: caught up at start
        with log.open("wb") as err:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "digest", "schedule", "--at", now, "--input",
                 str(inbox), "--out", str(tmp_path / "out")],
                cwd=ROOT, env=env, stderr=err,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while "waiting up to" not in log.read_text() and time.monotonic() < deadline:
            assert daemon.poll() is None, log.read_text()
            time.sleep(0.2)
        assert f"for a digest run to finish (pid {holder.pid})" in log.read_text()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=15)  # today it waited for the lock up to 600 s
        text = log.read_text()
        assert daemon.returncode == 0, text
        assert "stopped while waiting for a digest run" in text and "stopped" in text
        assert "Traceback" not in text and not (tmp_path / "out").exists()
        assert holder.poll() is None  # the holder kept its lock throughout
    finally:
        for process in (daemon, holder):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
