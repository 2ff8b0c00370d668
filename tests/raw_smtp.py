"""A raw-socket SMTP server on 127.0.0.1 that misbehaves on cue, for what aiosmtpd cannot do.

It speaks just enough SMTP (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and records every
message whose final dot it read — "the server took the whole message" — before it
decides how to answer: 250, a reply it is told, a slow answer, or a dropped connection.
It can also drip its greeting a byte at a time, answer every command late, refuse some
recipients (once or always), stop at N recipients per transaction with 452, and offer
SMTPUTF8 or not.

Bounded: every socket has a timeout, each connection runs in its own daemon thread, and
`stop` closes the listener and joins the threads with a time limit.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

SOCKET_TIMEOUT = 10.0  # no test waits this long on purpose


@dataclass(frozen=True)
class Message:
    sender: str
    mail_options: tuple[str, ...]
    recipients: tuple[str, ...]
    data: bytes


@dataclass
class RawSmtp:
    greeting: bytes = b"220 raw.test ESMTP ready\r\n"
    greeting_drip: float = 0.0  # seconds between the greeting's bytes
    reply_delay: float = 0.0  # seconds before every answer after the greeting
    smtputf8: bool = False
    max_recipients: int = 0  # per transaction; more get 452 (0: no limit)
    rcpt_answers: dict[str, list[str]] = field(default_factory=dict)  # address → answers, in turn
    refuse: dict[str, str] = field(default_factory=dict)  # address → answer, every time
    after_dot: list[str] = field(default_factory=list)  # per message: "drop", "slow:S", a reply
    drop_at_data: int = 0  # connections to drop when DATA is sent, before answering it
    port: int = 0
    messages: list[Message] = field(default_factory=list)
    rcpts: list[str] = field(default_factory=list)  # every RCPT TO address, in order
    sessions: int = 0
    greeting_bytes_sent: list[int] = field(default_factory=list)  # per connection

    def answer_after_dot(self) -> str:
        return self.after_dot.pop(0) if self.after_dot else "250 2.0.0 queued"

    def rcpt_answer(self, address: str, taken: int) -> str:
        if self.max_recipients and taken >= self.max_recipients:
            return "452 4.5.3 Too many recipients"
        if address in self.refuse:
            return self.refuse[address]
        queue = self.rcpt_answers.get(address)
        return queue.pop(0) if queue else "250 2.1.5 OK"


class _Connection:
    def __init__(self, server: RawSmtp, conn: socket.socket) -> None:
        self.server = server
        self.conn = conn
        self.reader = conn.makefile("rb")

    def reply(self, line: str) -> None:
        time.sleep(self.server.reply_delay)
        self.conn.sendall(line.encode() + b"\r\n")

    def run(self) -> None:
        server = self.server
        server.sessions += 1
        if not self.greet():
            return
        sender, options, recipients = "", (), []  # type: tuple[str, tuple[str, ...], list[str]]
        while True:
            raw = self.reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                extensions = ["8BITMIME", *(["SMTPUTF8"] if server.smtputf8 else [])]
                for ext in extensions:
                    self.conn.sendall(f"250-{ext}\r\n".encode())
                self.reply("250 raw.test")
            elif verb == "MAIL":
                address, _, rest = line[10:].partition(">")
                sender, options, recipients = address.lstrip("<"), tuple(rest.split()), []
                if not raw.isascii() and "SMTPUTF8" not in options:
                    self.reply("553 5.6.7 non-ASCII without SMTPUTF8")
                    continue
                self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                address = line[8:].strip().strip("<>")
                server.rcpts.append(address)
                answer = server.rcpt_answer(address, len(recipients))
                if answer.startswith("25"):
                    recipients.append(address)
                self.reply(answer)
            elif verb == "DATA":
                if not self.data(sender, options, recipients):
                    return
                recipients = []
            elif verb == "RSET":
                recipients = []
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("250 2.0.0 OK")

    def greet(self) -> bool:
        sent = 0
        try:
            if not self.server.greeting_drip:
                self.conn.sendall(self.server.greeting)
                sent = len(self.server.greeting)
                return True
            for byte in self.server.greeting:
                self.conn.sendall(bytes([byte]))
                sent += 1
                time.sleep(self.server.greeting_drip)
            return True
        except OSError:
            return False
        finally:
            self.server.greeting_bytes_sent.append(sent)

    def data(self, sender: str, options: tuple[str, ...], recipients: list[str]) -> bool:
        """Read the message; False when the connection is to be dropped."""
        server = self.server
        if server.drop_at_data:
            server.drop_at_data -= 1
            return False
        self.reply("354 go ahead")
        lines = []
        while True:
            raw = self.reader.readline()
            if not raw:
                return False
            if raw == b".\r\n":
                break
            lines.append(raw[1:] if raw.startswith(b".") else raw)
        server.messages.append(Message(sender, options, tuple(recipients), b"".join(lines)))
        answer = server.answer_after_dot()
        if answer == "drop":
            return False
        if answer.startswith("slow:"):
            time.sleep(float(answer[5:]))
            answer = "250 2.0.0 queued at last"
        self.reply(answer)
        return True


@contextmanager
def raw_smtp(server: RawSmtp | None = None) -> Iterator[RawSmtp]:
    """Serve `server` on 127.0.0.1 until the block ends."""
    server = server or RawSmtp()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    server.port = listener.getsockname()[1]
    stopping = threading.Event()
    threads: list[threading.Thread] = []
    conns: list[socket.socket] = []

    def handle(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            _Connection(server, conn).run()

    def accept() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(SOCKET_TIMEOUT)
            conns.append(conn)
            thread = threading.Thread(target=handle, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stopping.set()
        acceptor.join(timeout=5)
        listener.close()
        for conn in conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout=5)
