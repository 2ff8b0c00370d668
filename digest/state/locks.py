"""Hold a file lock in the state folder: one daemon, one run at a time.

`fcntl.flock` on a file that stays in place. The kernel drops the lock when its holder
exits, however it exits (kill -9 included), so a stale lock can never block the next run;
the holder's pid is written into the file only to say who is working. POSIX only.
A waiter can be told to give up (the daemon does on SIGTERM) and is then let go at once.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from digest.errors import RunError

log = logging.getLogger(__name__)

POLL = 0.2  # seconds between tries while waiting for a lock


class GaveUp(RunError):
    """The waiter was told to give up before the lock came free."""


@contextmanager
def file_lock(
    path: Path, *, what: str, wait: float = 0.0, give_up: Callable[[], bool] | None = None
) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed) for the `with` block.

    Waits up to `wait` seconds for another holder to finish, then raises RunError naming
    `what` holds it and its pid. While waiting, `give_up()` is asked every `POLL` seconds;
    when it says True, GaveUp is raised.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise RunError(f"{path}: cannot open the lock file ({exc.strerror or exc})") from exc
    with handle:
        _acquire(handle, path, what=what, wait=wait, give_up=give_up or (lambda: False))
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(
    handle: IO[str], path: Path, *, what: str, wait: float, give_up: Callable[[], bool]
) -> None:
    deadline = time.monotonic() + wait
    for attempt in itertools.count():
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            if give_up():
                raise GaveUp(f"stopped while waiting for {what} to finish (lock {path})") from None
            if attempt == 0:
                log.info("waiting up to %g s for %s to finish (pid %s)", wait, what, _holder(path))
            time.sleep(POLL)
    raise RunError(
        f"{what} is already working (pid {_holder(path)}, lock {path}); "
        "wait for it to finish, or stop it, then try again"
    )


def _holder(path: Path) -> str:
    return path.read_text("utf-8", errors="replace").strip() or "unknown"
