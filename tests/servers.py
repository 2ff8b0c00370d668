"""The servers the tests start on 127.0.0.1: real, bounded, and nothing beyond loopback.

SMTP, aiosmtpd (`serve_smtp`, and the `server` and `tls_server` fixtures): the handler
keeps what it receives and can be told to fail on cue: answer DATA with 451 or 550,
refuse a recipient, drop the connection in the middle of DATA, or take the message in
and never answer.

SMTP on a raw socket (`raw_smtp`), for what aiosmtpd cannot do: it speaks just enough SMTP
(EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and records every message whose final dot it
read — "the server took the whole message" — before it decides how to answer: 250, a
reply it is told, a slow answer, or a dropped connection. It can also drip its greeting a
byte at a time, answer every command late, refuse some recipients (once or always), stop
at N recipients per transaction with 452, and offer SMTPUTF8 or not. Every socket has a
timeout, each connection runs in its own daemon thread, and stopping closes the listener
and joins the threads with a time limit.

HTTP (`serve_site`, `drip_server`), for feeds and pages, with builders for RSS and Atom
feeds: it serves `Site.pages` (path → Page), answers 304 to a matching If-None-Match,
records every request with its headers, and can be told to fail, redirect (to any
Location, malformed ones too), stall, or drip its headers or body a byte at a time. A
drip stops when the client hangs up or the server shuts down.
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from digest.deliver.settings import MailSettings, load_mail_settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"  # conftest's, which imports this

# --- SMTP, aiosmtpd ----------------------------------------------------------------------

FROM = "Digest <digest@example.org>"
READER = "reader@example.net"


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    data: bytes

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)  # answered to DATA, in turn
    always: str | None = None  # answered to every DATA
    refuse: dict[str, str] = field(default_factory=dict)  # RCPT address → answer
    drop_in_data: int = 0  # connections to drop after a line of the message
    lose_reply: int = 0  # messages read to the end but never answered
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.lose_reply:
            self.lose_reply -= 1
            server.transport.close()
            await asyncio.Event().wait()  # cancelled when the connection is gone
        if self.always:
            return self.always
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(
            Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 OK queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data == LoginPassword(b"reader", b"s3cret")
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)


class _DroppingSMTP(SMTP):
    async def smtp_DATA(self, arg: str) -> None:
        handler = self.event_handler
        if handler.drop_in_data and self.envelope and self.envelope.rcpt_tos:
            handler.drop_in_data -= 1
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            self.transport.close()
            await asyncio.Event().wait()  # cancelled when the connection is gone
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _DroppingSMTP(self.handler, **self.SMTP_kwargs)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    handler: Handler
    port: int
    env: dict[str, str]

    def settings(self, **extra: str) -> MailSettings:
        return load_mail_settings(None, {**self.env, **extra})


def serve_smtp(tmp_path: Path, handler: Handler, **smtp_options: object) -> Iterator[Server]:
    port = _free_port()
    controller = _Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    env = {
        "DIGEST_CONFIG": str(tmp_path / "absent.toml"),
        "DIGEST_SMTP_HOST": "127.0.0.1",
        "DIGEST_SMTP_PORT": str(port),
        "DIGEST_SMTP_SECURITY": "none",
        "DIGEST_SMTP_TIMEOUT": "5",
        "DIGEST_MAIL_FROM": FROM,
        "DIGEST_MAIL_TO": READER,
        "DIGEST_STATE_DIR": str(tmp_path / "state"),
    }
    (tmp_path / "absent.toml").write_text("")
    try:
        yield Server(handler, port, env)
    finally:
        controller.stop()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    yield from serve_smtp(tmp_path, Handler())


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture()
def tls_server(tmp_path: Path, ca: trustme.CA) -> Iterator[Server]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    handler = Handler()
    for running in serve_smtp(
        tmp_path,
        handler,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=handler.authenticate,
    ):
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        running.env.update(
            DIGEST_SMTP_SECURITY="starttls",
            DIGEST_SMTP_USER="reader",
            DIGEST_SMTP_PASSWORD="s3cret",
            DIGEST_SMTP_CA_FILE=str(tmp_path / "ca.pem"),
        )
        yield running


@pytest.fixture()
def ssl_server(tmp_path: Path, ca: trustme.CA) -> Iterator[Server]:
    """Implicit TLS (port 465 style) with a log-in. aiosmtpd counts only STARTTLS as TLS
    for AUTH, so it needs auth_require_tls=False, about which it warns: a test using this
    fixture filters that warning."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    handler = Handler()
    for running in serve_smtp(
        tmp_path,
        handler,
        ssl_context=context,
        auth_required=True,
        auth_require_tls=False,
        authenticator=handler.authenticate,
    ):
        running.env.update(
            DIGEST_SMTP_SECURITY="ssl",
            DIGEST_SMTP_USER="reader",
            DIGEST_SMTP_PASSWORD="s3cret",
            DIGEST_SMTP_CA_FILE=str(tmp_path / "ca.pem"),
        )
        yield running


# --- SMTP on a raw socket ----------------------------------------------------------------

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


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Page:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    location: str | None = None  # for a redirect
    delay: float = 0.0  # seconds before answering
    drip_headers: float = 0.0  # seconds between the bytes of the status line and headers
    drip_body: float = 0.0  # seconds between the bytes of the body


@dataclass
class Site:
    port: int = 0
    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append((self.path, dict(self.headers)))
            page = site.pages.get(self.path)
            if page is None:
                self.send_error(404)
                return
            time.sleep(page.delay)
            if page.etag and self.headers.get("If-None-Match") == page.etag:
                self.send_response(304)
                self.send_header("ETag", page.etag)
                self.end_headers()
                return
            head = [f"HTTP/1.0 {page.status} {HTTPStatus(page.status).phrase}"]
            head.append(f"Content-Type: {page.content_type}")
            head.append(f"Content-Length: {len(page.body)}")
            if page.etag:
                head.append(f"ETag: {page.etag}")
            if page.location:
                head.append(f"Location: {page.location}")
            self.log_request(page.status)
            self._write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"), page.drip_headers)
            self._write(page.body, page.drip_body)

        def _write(self, data: bytes, drip: float) -> None:
            pieces = [bytes([byte]) for byte in data] if drip else [data]
            for piece in pieces:
                if drip and site.closing.wait(drip):
                    return
                try:
                    self.wfile.write(piece)
                    self.wfile.flush()
                except OSError:  # the client gave up (a timeout, a size cap), as it may
                    return

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_site() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.closing.set()
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Dripper:
    port: int = 0
    connections: int = 0


@contextmanager
def drip_server(data: bytes, every: float) -> Iterator[Dripper]:
    """A raw TCP server on 127.0.0.1 that answers every connection by sending `data` one
    byte each `every` seconds, whatever the client says (e.g. a TLS record header, then
    a record's body that never ends). Stops when the client hangs up or on exit."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    dripper, closing = Dripper(port=listener.getsockname()[1]), threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            for byte in data:
                if closing.wait(every):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def accept() -> None:
        while not closing.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            dripper.connections += 1
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield dripper
    finally:
        closing.set()
        thread.join()
        listener.close()


# --- content -----------------------------------------------------------------------------


def seed_text(number: int) -> str:
    """The text of seed article `number` (0–4)."""
    path = sorted(SEEDS.iterdir())[number]
    return path.read_text("utf-8")


def article_page(title: str, text: str) -> bytes:
    """An HTML article page with navigation, a cookie banner and a footer around the text."""
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
    return f"""<!doctype html><html><head><title>{escape(title)}</title>
<script src="https://tracker.invalid/t.js"></script></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/login">Log in</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies?</div>
<article><h1>{escape(title)}</h1>{paragraphs}
<img src="https://images.invalid/photo.jpg" alt="photo"></article>
<footer>Copyright 2024 Example News. All rights reserved.</footer>
</body></html>""".encode()


def rss(title: str, items: list[dict[str, str]]) -> bytes:
    """An RSS 2.0 feed; an item's `content` goes into content:encoded."""
    parts = []
    for item in items:
        content = item.get("content")
        encoded = f"<content:encoded>{escape(content)}</content:encoded>" if content else ""
        parts.append(f"""<item><title>{escape(item["title"])}</title>
<link>{escape(item["link"])}</link><guid>{escape(item["link"])}</guid>
<pubDate>Mon, 29 Jul 2024 06:00:00 GMT</pubDate>
<description>{escape(item.get("summary", ""))}</description>{encoded}</item>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>{escape(title)}</title><link>http://127.0.0.1/</link><description>news</description>
{"".join(parts)}</channel></rss>""".encode()


def atom(title: str, entries: list[dict[str, str]]) -> bytes:
    """An Atom feed; an entry's `content` is its HTML content, `summary` its teaser."""
    parts = []
    for entry in entries:
        content = entry.get("content")
        body = f'<content type="html">{escape(content)}</content>' if content else ""
        parts.append(f"""<entry><title>{escape(entry["title"])}</title>
<link href="{escape(entry["link"])}"/><id>{escape(entry["link"])}</id>
<updated>2024-07-29T06:00:00Z</updated>
<summary>{escape(entry.get("summary", ""))}</summary>{body}</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>
<id>urn:test</id><updated>2024-07-29T06:00:00Z</updated>{"".join(parts)}</feed>""".encode()


# A whole article as one paragraph, as many feeds carry it in an entry's description.
ONE_PARAGRAPH = (
    "The city council approved a new transit budget on Tuesday after a debate that lasted "
    "more than six hours. The plan raises bus and tram fares by 5 percent in January and "
    "adds 40 new buses to the fleet by the end of next year. Council member Ana Ortiz said "
    "the increase was needed to cover rising fuel and labour costs across the network. "
    "Riders' groups criticised the plan, saying low-income commuters would bear the brunt "
    "of the fare rise. The mayor, who supported the budget, promised a discount scheme for "
    "students and pensioners to soften the impact. Transit officials said ridership had "
    "recovered to 92 percent of its pre-pandemic level this spring. The budget also funds "
    "repairs to the northern tram line, which has been closed on weekends since March. A "
    "final vote on the discount scheme is expected next month, the council said in a "
    "statement. Opposition members said they would propose an amendment to freeze fares "
    "for one more year. The regional government has promised to cover part of the cost of "
    "the new buses, officials said. Unions representing drivers welcomed the plan but "
    "warned that staffing shortages remained severe."
)


def as_html(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
