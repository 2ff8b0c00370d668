"""A real HTTP server on 127.0.0.1 for the feed tests, and builders for RSS and Atom feeds.

The server serves `Site.pages` (path → Page), answers 304 to a matching If-None-Match,
records every request with its headers, and can be told to fail, redirect (to any
Location, malformed ones too), stall, or drip its headers or body a byte at a time.
A drip stops when the client hangs up or the server shuts down. No test reaches beyond
loopback.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import SEEDS


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
def serve() -> Iterator[Site]:
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
