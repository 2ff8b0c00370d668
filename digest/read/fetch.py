"""Turn an http(s) URL into the bytes it names: one GET, its redirects, one deadline.

The URL is made ASCII first (an IRI's host in IDNA, its path and query percent-encoded)
and its host checked, so a malformed link is refused without a DNS lookup. The host is
resolved here and each address vetted before connecting to it; the address actually
connected to is checked again, so DNS rebinding cannot lead a request elsewhere. Unless
the host is trusted (a feed the user configured), loopback and private addresses are
refused without `allow_private`, and link-local, multicast, unspecified and reserved
ones always. Redirects are followed here, each hop vetted the same way.

`timeout` bounds the whole request, redirects included: the DNS lookup, the connect, the
headers and the body each get only the time left. Every failure is an IngestError whose
message starts with the URL asked for. This module knows nothing of feeds or articles.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import re
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any

from digest.errors import IngestError
from digest.read.ingest import DEFAULT_MAX_BYTES
from digest.version import __version__

DEFAULT_TIMEOUT = 20.0
USER_AGENT = f"digest/{__version__} (feed reader)"
SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024
PRIVATE_HINT = "set allow_private = true in [sources] to fetch pages from your own network"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Response:
    url: str  # after redirects, in ASCII
    status: int  # 2xx, or 304 when the cached body is still current
    body: bytes
    headers: Mapping[str, str]  # names in lower case


@dataclass(frozen=True)
class Fetcher:
    """One HTTP GET at a time, with the same limits for feeds and pages."""

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    allow_private: bool = False

    def get(
        self, url: str, headers: Mapping[str, str] | None = None, *, trusted: bool = False
    ) -> Response:
        """GET `url`; IngestError (starting with `url`) on anything but 2xx or 304.

        `trusted`: the user configured this URL, so its host may be on any address;
        a redirect to another host is vetted as usual."""
        deadline = time.monotonic() + self.timeout
        current = ascii_url(url)
        trusted_host = _host_of(current) if trusted else None
        try:
            for _ in range(MAX_REDIRECTS + 1):
                private_ok = self.allow_private or _host_of(current) == trusted_host
                answer = self._once(current, headers or {}, deadline, private_ok=private_ok)
                if isinstance(answer, Response):
                    return answer
                current = answer
        except (_Refused, OSError, http.client.HTTPException, ValueError) as exc:
            if isinstance(exc, TimeoutError):
                raise IngestError(f"{url}: timed out after {self.timeout:g} s") from exc
            hop = "" if current == ascii_url(url) else f"redirected to {current}: "
            reason = str(exc) or type(exc).__name__
            if not isinstance(exc, _Refused):
                reason = f"cannot be fetched ({reason})"
            raise IngestError(f"{url}: {hop}{reason}") from exc
        raise IngestError(f"{url}: more than {MAX_REDIRECTS} redirects; not followed")

    def _once(
        self, url: str, headers: Mapping[str, str], deadline: float, *, private_ok: bool
    ) -> Response | str:
        """One request: its Response, or the (vetted, ASCII) URL it redirects to."""
        parts = urllib.parse.urlsplit(url)
        sock: socket.socket = _connect(parts, deadline, private_ok=private_ok)
        https = parts.scheme == "https"
        kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
        connection = kind(str(parts.hostname), parts.port)
        try:
            if https:
                sock = _tls(sock, str(parts.hostname), deadline)
            connection.sock = _DeadlineSocket(sock, deadline)
            return self._exchange(connection, url, parts.path, parts.query, headers)
        finally:
            connection.close()
            sock.close()

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        url: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
    ) -> Response | str:
        target = urllib.parse.urlunsplit(("", "", path or "/", query, ""))
        connection.request("GET", target, headers={"User-Agent": USER_AGENT, **headers})
        answer = connection.getresponse()
        found = _lower(answer.headers)
        if answer.status in REDIRECTS and found.get("location"):
            return _redirect(url, found["location"])
        if answer.status == 304:
            return Response(url, 304, b"", found)
        if not 200 <= answer.status < 300:
            raise _Refused(f"the server answered {answer.status} {answer.reason}")
        return Response(url, answer.status, self._read(answer, found), found)

    def _read(self, answer: http.client.HTTPResponse, headers: Mapping[str, str]) -> bytes:
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise _Refused(f"{int(length)} bytes is over the {self.max_bytes} limit")
        body = bytearray()
        while chunk := answer.read(min(CHUNK, self.max_bytes + 1 - len(body))):
            body += chunk
            if len(body) > self.max_bytes:
                raise _Refused(f"more than {self.max_bytes} bytes; not read")
        return bytes(body)


def _lower(headers: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class _Refused(Exception):
    """Why a request failed, without the URL (Fetcher.get puts that in front)."""


def _redirect(url: str, location: str) -> str:
    try:
        return _ascii(urllib.parse.urljoin(url, location))
    except (ValueError, _Refused) as exc:
        raise _Refused(f"redirected to {location!r}, which is not fetched ({exc})") from exc


# --- URLs ---------------------------------------------------------------------------------

_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)
_SAFE = "/%:@!$&'()*+,;=-._~"  # RFC 3986 path characters, with existing %-escapes kept


def ascii_url(url: str) -> str:
    """The http(s) URL `url` in ASCII, fragment dropped; IngestError if it is not one.

    An IRI's host is IDNA-encoded and its path and query percent-encoded as UTF-8; a host
    that cannot exist (an empty label, a bad character) is refused without a DNS lookup."""
    try:
        return _ascii(url)
    except _Refused as exc:
        raise IngestError(f"{url}: {exc}") from exc


def _ascii(url: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _Refused(f"not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise _Refused("only http:// and https:// URLs are fetched")
    host = _ascii_host(parts.hostname)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = urllib.parse.quote(parts.path or "/", safe=_SAFE)
    query = urllib.parse.quote(parts.query, safe=_SAFE + "?")
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def _ascii_host(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        name = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        name = ""
    labels = name.removesuffix(".").split(".")
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _Refused(f"{host!r} is not a valid host name")
    return name


def _host_of(url: str) -> str:
    return str(urllib.parse.urlsplit(url).hostname)


# --- addresses ----------------------------------------------------------------------------

_ALWAYS_REFUSED = ("unspecified", "link-local", "multicast", "reserved")


def address_kind(address: str) -> str | None:
    """What makes `address` non-public (loopback, private, link-local, ...); None if public."""
    ip: IPAddress = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip in _THIS_NETWORK:
        return "unspecified"
    for kind, test in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved or getattr(ip, "is_site_local", False)),
        ("private", ip.is_private or not ip.is_global),
    ):
        if test:
            return kind
    return None


_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


def _refusal(address: str, *, private_ok: bool) -> str | None:
    kind = address_kind(address)
    if kind is None or (private_ok and kind not in _ALWAYS_REFUSED):
        return None
    hint = "" if kind in _ALWAYS_REFUSED else f"; {PRIVATE_HINT}"
    return f"{address} is a {kind} address; pages and redirects are not fetched from it{hint}"


def _connect(
    parts: urllib.parse.SplitResult, deadline: float, *, private_ok: bool
) -> socket.socket:
    """A TCP socket connected to a vetted address of the URL's host."""
    host = str(parts.hostname)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    refused: list[str] = []
    failed: OSError | None = None
    for family, address in _resolve(host, port, deadline):
        if reason := _refusal(address[0], private_ok=private_ok):
            refused.append(reason)
            continue
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_left(deadline))
            sock.connect(address)
            # Vet the peer too: the address connected to is the one that counts.
            if reason := _refusal(sock.getpeername()[0], private_ok=private_ok):
                raise _Refused(reason)
            return sock
        except OSError as exc:
            sock.close()
            failed = exc
        except BaseException:
            sock.close()
            raise
    if failed is not None:
        raise failed
    raise _Refused(refused[0])


def _resolve(host: str, port: int, deadline: float) -> list[tuple[int, Any]]:
    """(family, socket address) for each address of `host`, found within the deadline."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        return [(family, (host, port))]
    found: list[Any] = []
    errors: list[OSError] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            errors.append(exc)

    # getaddrinfo takes no timeout: wait for it in a thread for only the time left.
    thread = threading.Thread(target=lookup, daemon=True, name=f"resolve {host}")
    thread.start()
    thread.join(_left(deadline))
    if thread.is_alive():
        raise TimeoutError(f"resolving {host}")
    if errors:
        raise OSError(f"{host}: {errors[0].strerror or errors[0]}")
    return [(family, address) for family, _, _, _, address in found]


def _tls(sock: socket.socket, host: str, deadline: float) -> ssl.SSLSocket:
    """`sock` in TLS, the certificate checked for `host` against the system's CAs.

    The ssl module bounds a whole handshake (or record read) by the socket timeout,
    so setting it to the time left keeps the deadline."""
    context = ssl.create_default_context()
    sock.settimeout(_left(deadline))
    return context.wrap_socket(sock, server_hostname=host)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


class _DeadlineSocket:
    """A connected socket whose every read and write gets only the time left.

    http.client reads headers line by line through `makefile()`: a server dripping a byte
    at a time would reset a plain socket timeout on each read, never reaching it."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock, self._deadline = sock, deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(_left(self._deadline))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        """Nothing: http.client closes early, while its response still reads (the
        caller of `_once` closes the real socket)."""


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock, self._deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(_left(self._deadline))
        return self._sock.recv_into(buffer)
