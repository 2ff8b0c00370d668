"""Run one function in fresh Python processes, one run of work each, while the caller
goes on with other work.

Each worker is sent its run (pickled, on its stdin) at the start and answers the result
(pickled, on its stdout) when done. A worker is a new interpreter that imports the
function's module and nothing of the caller's program: multiprocessing's spawn start
would run the caller's main script again in each worker (a script that briefs at import
would brief again), and its fork start copies the caller's threads' locks in whatever
state they are in (numpy's threads are running by then).

Nothing here is needed for the result: a run whose worker could not start, or died, is
left for the caller to do itself.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from digest.children import end_with

log = logging.getLogger(__name__)

# The folder that holds the `digest` package: workers import the caller's own digest,
# wherever it was imported from (an install, a checkout on PYTHONPATH, a benchmark's
# sys.path).
_ROOT = str(Path(__file__).resolve().parent.parent.parent)
# sys.path[0] of `python -c` is the working folder: replaced, so that a pickle.py there
# cannot stand in for the standard library's in the worker (it does not in the caller).
_SERVE = (
    "import sys; sys.path[0] = sys.argv[1]; "
    "from digest.pipeline.workers import serve; serve(sys.argv[2], int(sys.argv[3]))"
)


class Shared:
    """`function(*run)` for each run, each in its own worker process.

    Use it as a context manager: the workers start on entry, `results()` waits for
    them, and leaving the block ends any still running (an error, Ctrl-C)."""

    def __init__(self, function: Callable[..., Any], runs: Sequence[tuple[Any, ...]]) -> None:
        self.target = f"{function.__module__}:{function.__qualname__}"
        self.runs = runs
        self.workers: dict[int, subprocess.Popen[bytes]] = {}
        # What each worker writes to stderr: a file, which never fills as a pipe nobody
        # reads would; its last line says why a worker stopped.
        self.errors: dict[int, IO[bytes]] = {}

    def __enter__(self) -> Shared:
        try:
            for n in range(len(self.runs)):
                started = _start(self.target)
                if started is not None:
                    self.workers[n], self.errors[n] = started
            for n, worker in list(self.workers.items()):
                if not _send(worker, self.runs[n], self.errors[n]):
                    del self.workers[n]
                    _end(worker, self.errors.pop(n))
        except BaseException:  # Ctrl-C while starting, a run that cannot be pickled
            self.__exit__(None, None, None)
            raise
        return self

    def results(self) -> dict[int, Any]:
        """Run number → result, for the runs done. A run missing is the caller's to do."""
        done = {}
        for n, worker in self.workers.items():
            assert worker.stdout is not None
            try:
                done[n] = pickle.load(worker.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                log.warning(
                    "a worker process stopped (exit status %s%s): its articles are done here",
                    worker.wait(),
                    _last_words(self.errors[n]),
                )
        return done

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """End every worker: idle once it has answered, or mid-run when the caller
        failed or was interrupted; either way it holds nothing to save."""
        for n, worker in self.workers.items():
            _end(worker, self.errors.pop(n))
        self.workers.clear()
        for errors in self.errors.values():  # a worker that could not be started
            errors.close()
        self.errors.clear()


def _end(worker: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
    for pipe in (worker.stdin, worker.stdout, errors):
        if pipe is not None:
            with contextlib.suppress(OSError):  # a broken pipe, flushed on close
                pipe.close()
    worker.kill()
    worker.wait()


def _start(target: str) -> tuple[subprocess.Popen[bytes], IO[bytes]] | None:
    if not sys.executable:
        return None
    errors = None
    try:
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker (_end)
        worker = subprocess.Popen(
            [sys.executable, "-c", _SERVE, _ROOT, target, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
    except OSError as exc:
        if errors is not None:
            errors.close()
        log.warning("could not start a worker process (%s): working in one", exc)
        return None
    return worker, errors


def _send(worker: subprocess.Popen[bytes], run: tuple[Any, ...], errors: IO[bytes]) -> bool:
    assert worker.stdin is not None
    try:
        pickle.dump(run, worker.stdin, pickle.HIGHEST_PROTOCOL)
        worker.stdin.close()  # one run each: the worker reads to its end
    except OSError:  # a broken pipe: the worker is gone
        log.warning(
            "a worker process stopped (exit status %s%s): working in one",
            worker.wait(),
            _last_words(errors),
        )
        return False
    return True


def _last_words(errors: IO[bytes]) -> str:
    """The last line a worker wrote to stderr, as ': line', or nothing."""
    try:
        errors.seek(max(0, errors.seek(0, os.SEEK_END) - 4096))
        lines = errors.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return f": {last[:200]}" if last else ""


def serve(target: str, parent: int) -> None:  # pragma: no cover - runs in the worker
    """A worker's life: read its run, answer the result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to answer
    end_with(parent)  # and a signal to the caller alone ends it too
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else writes to stdout cannot break the answer
    work = pickle.load(sys.stdin.buffer)  # first: the caller waits until it is read
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    pickle.dump(function(*work), answers, pickle.HIGHEST_PROTOCOL)
    answers.close()
