"""How digest talks to a terminal: its log lines on stderr, one line each, printable; its
output on stdout; and how it is stopped (Ctrl-C, SIGTERM).

Only the command line configures logging (`configure_logging`); the library logs to the
"digest" logger and leaves handlers to its caller. Text that came from outside (a file
name, a feed, a server's answer) may hold escape sequences: `printable` shows them
escaped, never sent to the terminal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import sys
import threading
from typing import Any, TextIO

from digest.errors import OutputError


class _OwnRecords(logging.Filter):
    """digest's own records only. The libraries' records are their diagnostics, not the
    user's news: trafilatura logs "parsed tree length: 0" as an error for a feed entry
    digest then reads another way, WeasyPrint that libharfbuzz-subset is missing. digest
    reports each outcome itself (skipped, failed); --verbose shows them all."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == "digest" or record.name.startswith("digest.")


class _OneLineFormatter(logging.Formatter):
    """Each message on one line of printable text: a newline, an ESC or a bidi override
    that came from a file name, a feed or a server answer is shown escaped, never sent
    to the terminal (a traceback in --verbose output keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))


UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """The text with control characters and bidi overrides shown escaped (\\x1b)."""
    return UNPRINTABLE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes, not the one it was made
    with: a caller that swaps stderr (a test, a notebook) and closes it later does not
    leave a handler that fails on every record."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def configure_logging(*, verbose: bool, quiet: bool) -> None:
    """digest's log lines to stderr, one per message: every step with `verbose`, only
    warnings and errors with `quiet`, else what was done."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = _StderrHandler()
    handler.setFormatter(_OneLineFormatter("digest: %(message)s"))
    if not verbose:
        handler.addFilter(_OwnRecords())
    root = logging.getLogger()
    # One CLI handler, whatever main() ran before in this process; others stay.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _StderrHandler)]
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("digest").setLevel(level)


def emit(text: str) -> bool:
    """Write a command's output to standard output. False when its reader has gone
    (`digest summarize DIR | head -1`), which ends the command quietly, as it ends other
    Unix tools; an output that cannot be written (a full disk) is an OutputError."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Whatever is still buffered would fail again when Python exits: sent nowhere.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return False
    except OSError as exc:
        raise OutputError(
            f"cannot write the output to standard output ({exc.strerror or exc}); "
            "free some space or send it elsewhere"
        ) from exc
    return True


class Terminated(BaseException):
    """SIGTERM, raised wherever the command is, as Ctrl-C raises KeyboardInterrupt: so
    that it ends as Ctrl-C does, every `finally` run (temporary files removed, workers
    ended). The daemon (`digest schedule`) sets its own handler while it serves."""


def _on_sigterm(number: int, frame: object) -> None:
    raise Terminated


def catch_sigterm() -> Any:
    """Raise Terminated on SIGTERM from now on; the handler it replaces, or None when
    signals cannot be handled here (not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _on_sigterm)
