"""Hold a file lock in the state folder: one daemon, one run at a time.

`fcntl.flock` on a file that stays in place. The kernel drops the lock when its holder
exits, however it exits (kill -9 included), so a stale lock can never block the next run;
the holder's pid is written into the file only to say who is working. POSIX only.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from digest.errors import RunError

POLL = 0.2  # seconds between tries while waiting for a lock


@contextmanager
def file_lock(path: Path, *, what: str, wait: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed) for the `with` block.

    Waits up to `wait` seconds for another holder to finish, then raises RunError naming
    `what` holds it and its pid.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise RunError(f"{path}: cannot open the lock file ({exc.strerror or exc})") from exc
    with handle:
        _acquire(handle, path, what=what, wait=wait)
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


def _acquire(handle: IO[str], path: Path, *, what: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL)
    holder = path.read_text("utf-8", errors="replace").strip() or "unknown"
    raise RunError(
        f"{what} is already working (pid {holder}, lock {path}); "
        "wait for it to finish, or stop it, then try again"
    )
