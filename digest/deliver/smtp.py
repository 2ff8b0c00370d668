"""Speak SMTP to one server: message bytes + envelope → an Outcome for each recipient.

`SmtpTransport.send` makes one attempt (see `digest.deliver.delivery` for the outcomes and the
retries). It connects over TLS verified by `ssl.create_default_context()` (STARTTLS, or
implicit TLS, or plain for a local relay), logs in, and hands the message over in as many
transactions as the server wants: after a `452` (too many recipients) the recipients
accepted so far get the message and the rest go into a further transaction.

Addresses: a non-ASCII domain goes on the envelope in IDNA; a non-ASCII local part needs
SMTPUTF8, and when the server does not offer it that recipient is refused with the reason
while the others are sent.

Time: each command, the greeting included, must be answered in full within `timeout` (a
reply dripped a byte at a time counts as a whole); the final answer to the message, which
RFC 5321 lets a server take ten minutes over, within `data_timeout`; the whole session
within `session_timeout`. A watchdog thread shuts the connection when a deadline passes.

Once the whole message has been handed over, anything but a final answer (a lost
connection, a timeout) leaves the outcome unknown for that transaction's recipients.
Anything that fails before that leaves them deferred or refused: nothing was handed over.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digest import addresses
from digest.deliver.deadlines import Deadlines, WatchedSmtp, WatchedSmtpSsl
from digest.deliver.delivery import Outcome
from digest.deliver.settings import MailSettings
from digest.errors import ConfigError, MailError, TransientMailError


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0  # each command, the greeting included
    data_timeout: float = 600.0  # the final answer to the message
    session_timeout: float = 1200.0  # the whole session
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
            data_timeout=settings.data_timeout,
            session_timeout=settings.session_timeout,
            context=context or tls_context(settings.ca_file),
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> Outcome:
        with Deadlines(self.session_timeout) as clock:
            smtp = self._open(clock)
            try:
                return _Session(self, smtp, clock).deliver(message, sender, recipients)
            finally:
                _quit(smtp, clock, self.timeout)

    def _open(self, clock: Deadlines) -> smtplib.SMTP:
        """Connect, greet, secure and log in; raise a MailError that says what failed."""
        context = self.context or tls_context(None)
        smtp: smtplib.SMTP = (
            WatchedSmtpSsl(clock, context) if self.security == "ssl" else WatchedSmtp(clock)
        )
        try:
            smtp.timeout = clock.step("the greeting", self.timeout)
            smtp._host = self.host  # type: ignore[attr-defined]  # for TLS: the name to verify
            code, text = smtp.connect(self.host, self.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, text)
            _step(smtp, clock, "EHLO", self.timeout)
            smtp.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                _step(smtp, clock, "STARTTLS", self.timeout)
                smtp.starttls(context=context)
                _step(smtp, clock, "EHLO", self.timeout)
                smtp.ehlo()
            if self.user:
                _step(smtp, clock, "AUTH", self.timeout)
                smtp.login(self.user, self.password or "")
        except BaseException as exc:
            smtp.close()
            if isinstance(exc, Exception):
                raise self._setup_error(exc, clock) from exc
            raise
        return smtp

    def _setup_error(self, exc: Exception, clock: Deadlines) -> MailError:
        where = self.where
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return MailError(
                f"{where}: authentication as {self.user} failed: {_answer(exc)}; "
                "check DIGEST_SMTP_USER and DIGEST_SMTP_PASSWORD"
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return MailError(f"{where}: {str(exc).rstrip('.')}; check DIGEST_SMTP_SECURITY")
        if isinstance(exc, smtplib.SMTPResponseException):
            return _refusal(exc.smtp_code, exc.smtp_error, where, "the connection")
        if clock.expired or isinstance(exc, TimeoutError):
            return TransientMailError(f"{where}: timed out: {clock.reason()}")
        if isinstance(exc, ssl.SSLError):
            return MailError(
                f"{where}: TLS failed ({exc.reason or exc}); if the server uses a "
                "private CA, set DIGEST_SMTP_CA_FILE"
            )
        if isinstance(exc, OSError | smtplib.SMTPException):
            return TransientMailError(f"{where}: {_reason(exc)}")
        return MailError(f"{where}: {type(exc).__name__}: {exc}")


class _Session:
    """The transactions of one connection, and the tally of their recipients."""

    def __init__(self, transport: SmtpTransport, smtp: smtplib.SMTP, clock: Deadlines) -> None:
        self.transport = transport
        self.smtp = smtp
        self.clock = clock
        self.where = transport.where
        self.outcome = Outcome()

    def deliver(self, message: bytes, sender: str, recipients: Sequence[str]) -> Outcome:
        utf8 = self.smtp.has_extn("smtputf8")
        try:
            envelope_sender = addresses.ascii_domain(sender)
        except ValueError as exc:
            raise MailError(f"the sender {sender} cannot be used: {exc}") from exc
        if not utf8 and (addresses.needs_smtputf8(sender) or not message.isascii()):
            raise MailError(
                f"{self.where} does not offer SMTPUTF8, which the sender {sender} or the "
                "message's headers need"
            )
        todo = [r for r in (self._addressable(r, utf8) for r in recipients) if r]
        try:
            while todo:
                todo = self._transaction(message, envelope_sender, todo)
        except Exception as exc:  # nothing of this transaction was handed over
            error = self._error(exc)
            undecided = [r for r in recipients if not self._decided(r)]
            self.outcome += Outcome.failed(undecided, error)
        return self.outcome

    def _addressable(self, recipient: str, utf8: bool) -> tuple[str, str] | None:
        """(recipient, envelope address), or None with the recipient refused and why."""
        if addresses.needs_smtputf8(recipient) and not utf8:
            reason = f"{self.where} does not offer SMTPUTF8, which a non-ASCII address needs"
        else:
            try:
                return recipient, addresses.ascii_domain(recipient)
            except ValueError as exc:
                reason = f"cannot be addressed: {exc}"
        self.outcome += Outcome(refused={recipient: reason})
        return None

    def _transaction(
        self, message: bytes, sender: str, todo: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """One MAIL, RCPT…, DATA; return the recipients left for a further transaction."""
        smtp, timeout = self.smtp, self.transport.timeout
        options = self._mail_options(message, sender, [envelope for _, envelope in todo])
        smtp.command_encoding = "ascii"
        self._step(f"MAIL FROM:<{sender}>", timeout)
        code, text = smtp.mail(sender, options)
        if code != 250:
            self._answer_all([r for r, _ in todo], code, text, f"MAIL FROM:<{sender}>")
            return []
        accepted: list[str] = []
        for number, (recipient, envelope) in enumerate(todo):
            self._step(f"RCPT TO:<{envelope}>", timeout)
            code, text = smtp.rcpt(envelope)
            if code in (250, 251):
                accepted.append(recipient)
            elif code == 452 and accepted:  # too many recipients: the rest go next time
                return self._hand_over(message, accepted) + todo[number:]
            elif code == 452:
                self._answer_all([r for r, _ in todo[number:]], code, text)
                break
            else:
                self._answer_all([recipient], code, text)
        if not accepted:
            self._step("RSET", timeout)
            smtp.rset()
            return []
        return self._hand_over(message, accepted)

    def _mail_options(self, message: bytes, sender: str, envelopes: list[str]) -> list[str]:
        needed = not message.isascii() or any(
            addresses.needs_smtputf8(a) for a in (sender, *envelopes)
        )
        if not needed:
            return []
        return ["SMTPUTF8", "BODY=8BITMIME"] if self.smtp.has_extn("8bitmime") else ["SMTPUTF8"]

    def _hand_over(self, message: bytes, accepted: list[str]) -> list[tuple[str, str]]:
        """DATA, the message, and its final answer; a lost answer makes the outcome unknown."""
        smtp, transport = self.smtp, self.transport
        self._step("DATA", transport.timeout)
        code, text = smtp.docmd("DATA")
        if code != 354:
            self._answer_all(accepted, code, text, "DATA")
            return []
        self._step("the message", transport.data_timeout)
        smtp.send(_dot_stuffed(message))
        try:
            self._step("the message", transport.data_timeout)
            code, text = smtp.getreply()
        except Exception as exc:
            reason = self.clock.reason() if _late(self.clock, exc) else _reason(exc)
            self.outcome += Outcome(
                unknown={
                    r: f"{self.where}: no answer after the whole message was sent "
                    f"({reason}); it may have been delivered"
                    for r in accepted
                }
            )
            return []
        if code == 250:
            self.outcome += Outcome(tuple(accepted))
        else:
            self._answer_all(accepted, code, text, "the message")
        return []

    def _answer_all(
        self, recipients: list[str], code: int, text: bytes, what: str | None = None
    ) -> None:
        """The server's answer for each of `recipients` (to a RCPT when `what` is None)."""
        if what is None:
            error = TransientMailError if 400 <= code < 500 else MailError
            answer = error(f"{code} {_text(text)}")
        else:
            answer = _refusal(code, text, self.where, what)
        self.outcome += Outcome.failed(recipients, answer)

    def _decided(self, recipient: str) -> bool:
        o = self.outcome
        return any(recipient in group for group in (o.accepted, o.refused, o.deferred, o.unknown))

    def _step(self, what: str, seconds: float) -> None:
        _step(self.smtp, self.clock, what, seconds)

    def _error(self, exc: Exception) -> MailError:
        if _late(self.clock, exc):
            return TransientMailError(f"{self.where}: timed out: {self.clock.reason()}")
        if isinstance(exc, OSError | smtplib.SMTPException):
            return TransientMailError(f"{self.where}: {_reason(exc)}")
        return MailError(f"{self.where}: {type(exc).__name__}: {exc}")


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A verifying context; with `ca_file` it trusts that CA (and only that one)."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"{ca_file}: cannot load CA certificates ({exc})") from exc


def _step(smtp: smtplib.SMTP, clock: Deadlines, what: str, seconds: float) -> None:
    left = clock.step(what, seconds)
    if smtp.sock is not None:
        smtp.sock.settimeout(left)


def _late(clock: Deadlines, exc: BaseException) -> bool:
    """Did the step run out of time? The socket's own timeout ends at the watchdog's
    deadline, so either may fire first; smtplib wraps the socket's in SMTPServerDisconnected."""
    return clock.expired or any(
        isinstance(e, TimeoutError) for e in (exc, exc.__cause__, exc.__context__)
    )


def _dot_stuffed(message: bytes) -> bytes:
    lines = message.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    stuffed = (b"." + line if line.startswith(b".") else line for line in lines)
    return b"\r\n".join(stuffed) + b"\r\n.\r\n"


def _refusal(code: int, text: bytes | str, where: str, what: str) -> MailError:
    error = TransientMailError if 400 <= code < 500 else MailError
    return error(f"{where} answered {code} {_text(text)} to {what}")


def _text(text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return " ".join(raw.split())


def _answer(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


def _quit(smtp: smtplib.SMTP, clock: Deadlines, timeout: float) -> None:
    """Say goodbye if there is time; close the connection in any case."""
    try:
        _step(smtp, clock, "QUIT", timeout)
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
