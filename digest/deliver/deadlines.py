"""Deadlines for an SMTP session: a watchdog that shuts the connection when time runs out.

A socket timeout bounds each read; a server that drips one byte at a time never trips it.
So `Deadlines` runs a thread that watches the clock: each step of a session (a command and
its whole answer, the message, the final answer) gets its own limit, all of them within
the session's, and when one passes the thread shuts the connection down. The blocked read
then ends, and a reply cut short is never taken for an answer: it raises TimeoutError
naming the step. `WatchedSmtp` and `WatchedSmtpSsl` are smtplib's clients with the
watchdog attached to their socket as soon as it is connected (before any TLS handshake).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import time
from contextlib import suppress
from types import TracebackType


class Deadlines:
    """Shut the connection down when the step under way, or the whole session, runs late.

    A socket timeout bounds each read; a server that drips one byte at a time never trips
    it, so a thread watches the clock and shuts the socket down at the deadline.
    """

    def __init__(self, session_timeout: float) -> None:
        self._cond = threading.Condition()
        self._session_timeout = session_timeout
        self._session_end = time.monotonic() + session_timeout
        self._end = self._session_end
        self._what, self._seconds = "the session", session_timeout
        self._socket: socket.socket | None = None
        self._stopped = False
        self.expired = False
        self._thread = threading.Thread(target=self._watch, name="smtp-deadline", daemon=True)

    def __enter__(self) -> Deadlines:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join()
        if self._socket is not None:
            self._socket.close()

    def step(self, what: str, seconds: float) -> float:
        """Begin a step that must end within `seconds`; return the time it has."""
        with self._cond:
            if self.expired:  # the reason names the step that ran late
                raise TimeoutError(self.reason())
            now = time.monotonic()
            self._end = min(self._session_end, now + seconds)
            self._what, self._seconds = what, seconds
            self._cond.notify()
            left = self._end - now
        if left <= 0:
            raise TimeoutError(self.reason())
        return left

    def watch(self, connection: socket.socket) -> None:
        """Keep a duplicate of the connection, to shut it down from the watchdog."""
        with self._cond:
            self._socket = connection.dup()

    def reason(self) -> str:
        if self._end >= self._session_end:
            return f"the session took longer than session_timeout ({self._session_timeout:g} s)"
        return f"no complete answer to {self._what} within {self._seconds:g} s"

    def _watch(self) -> None:
        with self._cond:
            while not self._stopped:
                left = self._end - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                self.expired = True
                if self._socket is not None:
                    with suppress(OSError):  # already closed by the other side
                        self._socket.shutdown(socket.SHUT_RDWR)
                return


class _CheckedReplies:
    """A reply cut short by the watchdog ("25") must not pass for an answer."""

    clock: Deadlines

    def getreply(self) -> tuple[int, bytes]:
        reply: tuple[int, bytes] = super().getreply()  # type: ignore[misc]
        if self.clock.expired:
            raise TimeoutError(self.clock.reason())
        return reply


class WatchedSmtp(_CheckedReplies, smtplib.SMTP):
    def __init__(self, clock: Deadlines) -> None:
        super().__init__()
        self.clock = clock

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        connection = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self.clock.watch(connection)
        return connection


class WatchedSmtpSsl(_CheckedReplies, smtplib.SMTP_SSL):
    def __init__(self, clock: Deadlines, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self.clock = clock

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        connection = smtplib.SMTP._get_socket(self, host, port, timeout)  # type: ignore[attr-defined]
        self.clock.watch(connection)  # before the handshake, which may drip too
        try:
            return self.context.wrap_socket(connection, server_hostname=host)
        except BaseException:
            connection.close()
            raise
