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
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

# The folder that holds the `digest` package: workers import the caller's own digest,
# wherever it was imported from (an install, a checkout on PYTHONPATH, a benchmark's
# sys.path).
_ROOT = str(Path(__file__).resolve().parent.parent.parent)
# sys.path[0] of `python -c` is the working folder: replaced, so that a pickle.py there
# cannot stand in for the standard library's in the worker (it does not in the caller).
_SERVE = (
    "import sys; sys.path[0] = sys.argv[1]; "
    "from digest.pipeline.workers import serve; serve(sys.argv[2])"
)


class Shared:
    """`function(*run)` for each run, each in its own worker process.

    Use it as a context manager: the workers start on entry, `results()` waits for
    them, and leaving the block ends any still running (an error, Ctrl-C)."""

    def __init__(self, function: Callable[..., Any], runs: Sequence[tuple[Any, ...]]) -> None:
        self.target = f"{function.__module__}:{function.__qualname__}"
        self.runs = runs
        self.workers: dict[int, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> Shared:
        try:
            for n in range(len(self.runs)):
                worker = _start(self.target)
                if worker is not None:
                    self.workers[n] = worker
            for n, worker in list(self.workers.items()):
                if not _send(worker, self.runs[n]):
                    del self.workers[n]
                    _end(worker)
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
                    "a worker process stopped (exit status %s): its articles are done here",
                    worker.wait(),
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
        for worker in self.workers.values():
            _end(worker)
        self.workers.clear()


def _end(worker: subprocess.Popen[bytes]) -> None:
    for pipe in (worker.stdin, worker.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):  # a broken pipe, flushed on close
                pipe.close()
    worker.kill()
    worker.wait()


def _start(target: str) -> subprocess.Popen[bytes] | None:
    if not sys.executable:
        return None
    try:
        return subprocess.Popen(
            [sys.executable, "-c", _SERVE, _ROOT, target],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        log.warning("could not start a worker process (%s): working in one", exc)
        return None


def _send(worker: subprocess.Popen[bytes], run: tuple[Any, ...]) -> bool:
    assert worker.stdin is not None
    try:
        pickle.dump(run, worker.stdin, pickle.HIGHEST_PROTOCOL)
        worker.stdin.close()  # one run each: the worker reads to its end
    except OSError:  # a broken pipe: the worker is gone
        log.warning("a worker process stopped (exit status %s): working in one", worker.wait())
        return False
    return True


def serve(target: str) -> None:  # pragma: no cover - runs in the worker
    """A worker's life: read its run, answer the result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to answer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else writes to stdout cannot break the answer
    work = pickle.load(sys.stdin.buffer)  # first: the caller waits until it is read
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    pickle.dump(function(*work), answers, pickle.HIGHEST_PROTOCOL)
    answers.close()
