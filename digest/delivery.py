"""Hand a message to a mail server: bytes + envelope → accepted, or a MailError.

A `Transport` makes one attempt. `SmtpTransport` speaks SMTP with `smtplib`, over TLS
verified by `ssl.create_default_context()` (or implicit TLS, or plain for a local relay),
with one timeout for the connection and every command. `MemoryTransport` keeps messages
in a list, for tests and for callers that want to see what would be sent.

`deliver` retries what may pass — a 4xx reply, a dropped connection, a timeout — a
bounded number of times, sleeping with exponential backoff and jitter between tries
(the sleep and the random source are injectable). Permanent failures — a 5xx reply,
failed authentication, a certificate that does not verify — are raised at once.
Every try sends the same bytes, so the same Message-ID.

A connection lost after the whole message was sent but before the server answered leaves
the outcome unknown (the server may have taken it); the error says so in
`MailError.outcome_unknown`, and the caller's ledger keeps such deliveries `pending`.
"""

from __future__ import annotations

import logging
import random
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from digest.config import MailSettings
from digest.errors import ConfigError, MailError, TransientMailError

log = logging.getLogger(__name__)

ATTEMPTS = 4  # one try and three retries
BASE_DELAY = 2.0  # seconds before the first retry; doubled each time
MAX_DELAY = 60.0


class Transport(Protocol):
    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        """Make one attempt; return the refused recipients with the server's answer."""
        ...


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]
    message: bytes


@dataclass
class MemoryTransport:
    """Keeps what it is given. `failures` are raised first, one per call, in order."""

    failures: list[MailError] = field(default_factory=list)
    refuse: Mapping[str, str] = field(default_factory=dict)
    sent: list[Envelope] = field(default_factory=list)

    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        if self.failures:
            raise self.failures.pop(0)
        accepted = tuple(r for r in recipients if r not in self.refuse)
        if not accepted:
            raise MailError("every recipient was refused")
        self.sent.append(Envelope(sender, accepted, message))
        return {r: self.refuse[r] for r in recipients if r in self.refuse}


def deliver(
    message: bytes,
    *,
    sender: str,
    recipients: Sequence[str],
    transport: Transport,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> dict[str, str]:
    """Send with retries; return the refused recipients, or raise the last MailError."""
    unknown = False
    for attempt in range(1, attempts + 1):
        try:
            return transport.send(message, sender=sender, recipients=recipients)
        except TransientMailError as exc:
            unknown = unknown or exc.outcome_unknown
            if attempt == attempts:
                raise MailError(
                    f"gave up after {attempts} attempts: {exc}", outcome_unknown=unknown
                ) from exc
            delay = backoff(attempt, jitter)
            log.warning(
                "attempt %d of %d failed: %s; retrying in %.1f s", attempt, attempts, exc, delay
            )
            sleep(delay)
    raise MailError("no attempt was made: attempts must be at least 1")


def backoff(attempt: int, jitter: Callable[[], float] = random.random) -> float:
    """Half the doubled delay fixed, half random, so retrying senders spread out."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
    return ceiling / 2 + jitter() * ceiling / 2


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    context: ssl.SSLContext | None = None  # verifying default context when None

    @classmethod
    def from_settings(
        cls, settings: MailSettings, *, context: ssl.SSLContext | None = None
    ) -> SmtpTransport:
        settings.require("host")
        if settings.user and not settings.password:
            raise ConfigError(
                "DIGEST_SMTP_USER is set but DIGEST_SMTP_PASSWORD is not: "
                "put the password in the environment"
            )
        return cls(
            host=str(settings.host),
            port=settings.port,
            security=settings.security,
            user=settings.user,
            password=settings.password,
            timeout=settings.timeout,
            context=context or tls_context(settings.ca_file),
        )

    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        where = f"{self.host}:{self.port}"
        try:
            smtp = self._connect()
            try:
                return _transfer(smtp, message, sender, recipients, where)
            finally:
                _close(smtp)
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"{where}: authentication as {self.user} failed: {_answer(exc)}; "
                "check DIGEST_SMTP_USER and DIGEST_SMTP_PASSWORD"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"{where}: {str(exc).rstrip('.')}; check DIGEST_SMTP_SECURITY") from exc
        except smtplib.SMTPResponseException as exc:
            raise _refusal(exc.smtp_code, exc.smtp_error, where, "the connection") from exc
        except ssl.SSLError as exc:
            raise MailError(
                f"{where}: TLS failed ({exc.reason or exc}); if the server uses a "
                "private CA, set DIGEST_SMTP_CA_FILE"
            ) from exc
        except (smtplib.SMTPServerDisconnected, TimeoutError, OSError) as exc:
            raise TransientMailError(f"{where}: {_reason(exc)}") from exc

    def _connect(self) -> smtplib.SMTP:
        context = self.context or tls_context(None)
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            _close(smtp)
            raise
        return smtp


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A verifying context; with `ca_file` it trusts that CA (and only that one)."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"{ca_file}: cannot load CA certificates ({exc})") from exc


def _transfer(
    smtp: smtplib.SMTP, message: bytes, sender: str, recipients: Sequence[str], where: str
) -> dict[str, str]:
    code, text = smtp.mail(sender)
    if code != 250:
        raise _refusal(code, text, where, f"MAIL FROM:<{sender}>")
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, text = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, text)
    if len(refused) == len(recipients):
        transient = any(400 <= code < 500 for code, _ in refused.values())
        error = TransientMailError if transient else MailError
        raise error(f"{where} refused every recipient: " + _by_address(refused))
    _data(smtp, message, where)
    return {r: f"{code} {_text(text)}" for r, (code, text) in refused.items()}


def _data(smtp: smtplib.SMTP, message: bytes, where: str) -> None:
    """DATA, written out so that a drop before and after the final dot can be told apart."""
    code, text = smtp.docmd("DATA")
    if code != 354:
        raise _refusal(code, text, where, "DATA")
    smtp.send(_dot_stuffed(message))
    try:
        code, text = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise TransientMailError(
            f"{where}: connection lost after the message was sent, before the server "
            f"answered ({_reason(exc)}); it may have been delivered",
            outcome_unknown=True,
        ) from exc
    if code != 250:
        raise _refusal(code, text, where, "the message")


def _dot_stuffed(message: bytes) -> bytes:
    data = re.sub(rb"\r\n|\n|\r", b"\r\n", message)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _refusal(code: int, text: bytes | str, where: str, what: str) -> MailError:
    error = TransientMailError if 400 <= code < 500 else MailError
    return error(f"{where} answered {code} {_text(text)} to {what}")


def _by_address(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{r}: {code} {_text(text)}" for r, (code, text) in refused.items())


def _text(text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return " ".join(raw.split())


def _answer(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
