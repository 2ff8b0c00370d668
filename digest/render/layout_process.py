"""Transform print HTML into PDF in a second process, so WeasyPrint loads on the other core.

`digest brief` spends most of its time in two things that need no result of each other:
importing WeasyPrint, and ranking the day's sentences (its own imports, then the
integer programs). In one process they take turns with the interpreter; forked at the
start of the command, before the pipeline is imported, a child imports WeasyPrint
while the parent selects the brief, then lays out each print HTML the parent sends it
and sends back the PDF bytes, its page count and how full its last page is. The parent
writes every file, as before; the child only computes. What the child logs (a refused
URL) is sent back with the result and logged by the parent.

Forking is safe only in a process with one thread; counting native threads
(`/proc/self/task`) and ending the child with its parent (`PR_SET_PDEATHSIG`) are
Linux's, so the child is forked on Linux only. Elsewhere, or when the child cannot be
started or dies, the PDF is laid out in the parent (`digest.render.pdf.lay_out`), so a brief
never depends on the child.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from digest.children import end_with
from digest.errors import RenderError
from digest.models import Layout

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")  # the length of the pickled message that follows


class _Child:
    """The forked layout process and the two pipes that reach it."""

    def __init__(self, pid: int, requests: int, results: int) -> None:
        self.pid, self.requests, self.results = pid, requests, results

    def lay_out(self, html: str, templates: Path) -> Layout | None:
        """The child's layout, or None when the child is gone (nothing was laid out)."""
        try:
            _send(self.requests, (html, str(templates)))
            answer = _receive(self.results)
        except OSError:  # a broken pipe: the child died
            answer = None
        if answer is None:
            return None
        kind, value, records = answer
        for record in records:
            logging.getLogger(record.name).handle(record)
        if kind == "error":
            raise RenderError(value)
        return Layout(*value)

    def stop(self) -> None:
        for fd in (self.requests, self.results):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                return  # it has ended, and is reaped now
        except ChildProcessError:
            return  # reaped already, by a host program: its pid may be another's now
        with contextlib.suppress(OSError):  # it may be importing still: nothing to wait for
            os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


_child: _Child | None = None


@contextlib.contextmanager
def serving() -> Iterator[bool]:
    """Start the layout process for the commands inside; yields whether one serves them.

    Call it before importing the pipeline: what the parent imported before the fork, the
    child has already, and what it imports after, the child never pays for. Inside an
    outer serving(), it uses that one."""
    global _child
    child = _start() if _child is None else None
    if child is not None:
        _child = child
    try:
        yield _child is not None  # an outer serving() serves these commands too
    finally:
        if child is not None:
            _child = None
            child.stop()


def lay_out(html: str, *, templates: Path) -> Layout:
    """Print HTML → PDF: in the layout process if one is serving, else here."""
    global _child
    if _child is not None:
        laid = _child.lay_out(html, templates)
        if laid is not None:
            return laid
        log.debug("the layout process is gone: laying the PDF out here")
        _child = None  # serving() still reaps it
    from digest.render.pdf import lay_out as here  # WeasyPrint only when a PDF is made

    return here(html, templates=templates)


def _start() -> _Child | None:
    if not sys.platform.startswith("linux") or not _one_thread():
        return None
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    opened: list[int] = []
    parent = os.getpid()
    # Ctrl-C and SIGTERM are the parent's to answer: held back until the child has its
    # own handlers, so neither runs the parent's handler (and its `finally` blocks, which
    # release the parent's locks) in the child.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        opened += os.pipe()
        opened += os.pipe()
        pid = os.fork()
    except OSError as exc:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for fd in opened:
            os.close(fd)
        log.debug("no layout process (%s): the PDF is laid out here", exc)
        return None
    requests_r, requests_w, results_r, results_w = opened
    if pid == 0:  # pragma: no cover - the child; its work is checked through the parent
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(requests_w)
        os.close(results_r)
        _serve(requests_r, results_w, parent)
    os.close(requests_r)
    os.close(results_w)
    child = _Child(pid, requests_w, results_r)
    try:  # a signal held back over the fork is raised here: the child goes with it
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    except BaseException:
        child.stop()
        raise
    return child


def _one_thread() -> bool:
    """Is this process running one thread, native ones (a solver's pool) included?"""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _serve(requests: int, results: int, parent: int) -> None:  # pragma: no cover - child
    """The child's life: import WeasyPrint, then lay out until the parent closes."""
    code = 0
    try:
        end_with(parent)
        collected = _Collector()
        logging.root.handlers[:] = [collected]  # the parent logs what the child did
        from digest.render.pdf import lay_out as here

        while (job := _receive(requests)) is not None:
            html, templates = job
            try:
                laid = here(html, templates=Path(templates))
                answer: tuple[Any, ...] = ("ok", (laid.pdf, laid.pages, laid.fill))
            except RenderError as exc:
                answer = ("error", str(exc))
            _send(results, (*answer, collected.take()))
    except BaseException:  # anything else: the parent lays the PDF out itself
        code = 1
    finally:
        os._exit(code)  # no atexit handlers or buffers of the parent's run twice


class _Collector(logging.Handler):
    """Keeps the child's log records, made picklable, until they are sent."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            record.msg, record.args = record.getMessage(), None
        except Exception:  # a library's malformed call: said as logging says it
            self.handleError(record)
            return
        record.exc_info = record.exc_text = None
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        taken, self.records = self.records, []
        return taken


def _send(fd: int, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> Any:
    """The next message on the pipe; None when the other end closed it."""
    header = _read(fd, _HEADER.size)
    if header is None:
        return None
    data = _read(fd, _HEADER.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _read(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
