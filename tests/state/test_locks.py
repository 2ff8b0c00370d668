"""The state folder's file lock: one holder at a time, released however the holder ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from digest.errors import RunError
from digest.state.locks import GaveUp, file_lock


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    lock = tmp_path / "state" / "run.lock"
    refused = pytest.raises(RunError, match=rf"a digest run is already working \(pid {os.getpid()}")
    with file_lock(lock, what="a digest run"), refused, file_lock(lock, what="a digest run"):
        pass
    with file_lock(lock, what="a digest run"):
        pass


def test_a_waiting_holder_gets_the_lock_when_it_is_released(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with file_lock(lock, what="first"):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    with file_lock(lock, what="second", wait=5):
        assert time.monotonic() - started >= 0.2
    thread.join()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    code = (
        "import sys, time; from pathlib import Path; from digest.state.locks import file_lock\n"
        "with file_lock(Path(sys.argv[1]), what='x'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(RunError, match=f"pid {holder.pid}"), file_lock(lock, what="x"):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    holder.stdout.close()
    with file_lock(lock, what="x"):
        pass


def test_a_waiter_told_to_give_up_lets_go_at_once(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    code = (
        "import sys, time; from pathlib import Path; from digest.state.locks import file_lock\n"
        "with file_lock(Path(sys.argv[1]), what='x'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        stop = threading.Event()
        threading.Timer(0.5, stop.set).start()
        with pytest.raises(GaveUp, match="stopped while waiting for a digest run"):  # noqa: SIM117
            with file_lock(lock, what="a digest run", wait=60, give_up=stop.is_set):
                pass
        assert stop.is_set() and holder.poll() is None  # it gave up; the holder still holds
    finally:
        holder.kill()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
