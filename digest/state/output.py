"""Write files atomically: temporary files beside the targets, then renames.

A reader (or the mailer) never sees a half-written brief, and a crash leaves the old
files in place. `write_all` writes a whole brief: every file goes to a temporary name
first and is renamed only once all of them are complete, so a full disk or a failed
write leaves no partial brief behind. A folder that cannot be written to is an
OutputError that says which and why, never a traceback.

A temporary name holds the writer's process id; one whose writer is gone (killed
mid-write) is removed the next time the same file is written.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from digest.errors import OutputError


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path` so that `path` is either the old file or the whole new one."""
    write_all({path: data})
    return path


def write_all(
    files: Mapping[Path, bytes | str], *, after_first: Callable[[], None] | None = None
) -> None:
    """Write every file, or none: all go to temporary names, renamed once all are written.

    `after_first` is called once the first file is complete under its temporary name."""
    written: dict[Path, str] = {}
    path = Path()
    try:
        for path, data in files.items():
            written[path] = _write_temporary(path, data)
            if after_first is not None and len(written) == 1:
                after_first()
        for path, tmp in written.items():
            os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(_reason(path, exc)) from exc
    finally:
        for tmp in written.values():
            Path(tmp).unlink(missing_ok=True)


def _write_temporary(path: Path, data: bytes | str) -> str:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), folder)
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "a file, not a folder", str(existing))
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(path))
    folder.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _remove_abandoned(path: Path) -> None:
    """Remove temporaries of `path` left by writers that no longer run."""
    prefix = f".{path.name}."
    for entry in path.parent.iterdir():
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid = name[len(prefix) :].split(".")[0]
        if pid.isdigit() and not _running(int(pid)):
            entry.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def _reason(path: Path, exc: OSError) -> str:
    """One line: which file could not be written, why, and what to do about it."""
    folder = path.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = f"the disk holding {folder} is full; free some space and try again"
    elif exc.errno == errno.EROFS:
        why = f"{folder} is on a read-only file system; choose a writable folder"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        why = f"no permission to write in {folder}; choose a writable folder"
    elif exc.errno == errno.ENOTDIR:
        why = f"{exc.filename or folder} is a file, not a folder; choose a folder"
    elif exc.errno == errno.EISDIR:
        why = "a folder of that name is in the way; move it or choose another folder"
    else:
        why = str(exc.strerror or exc)
    return f"cannot write {path}: {why}"
