"""Try the mail settings against the SMTP server without sending anything.

Connect (implicit TLS for `ssl`), EHLO, STARTTLS with the certificate verified (for
`starttls`), log in when a user is configured, then QUIT. MAIL, RCPT and DATA are never
sent, so no message can leave. Each step that passed is named; the first that failed
is said in one line with its fix. Knows nothing of briefs or ledgers.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field

from digest.deliver.settings import MailSettings


@dataclass(frozen=True)
class Probe:
    passed: tuple[str, ...]  # the steps that went through, in order
    failure: str = ""  # the step that failed and why; "" when every step passed
    fix: str = ""

    @property
    def ok(self) -> bool:
        return not self.failure


CA_FIX = (
    "if the server uses a private CA, point DIGEST_SMTP_CA_FILE (or 'ca_file' in [mail]) "
    "at its certificate; check that 'host' is the name on the certificate"
)


def probe(settings: MailSettings) -> Probe:
    """Connect, EHLO, STARTTLS, log in and QUIT, as `digest send` would; send nothing."""
    host, port = str(settings.host), settings.port
    try:
        context = ssl.create_default_context(
            cafile=str(settings.ca_file) if settings.ca_file else None
        )
    except (OSError, ssl.SSLError) as exc:
        return Probe((), f"{settings.ca_file}: cannot load CA certificates ({exc})", CA_FIX)
    progress = _Progress(f"connect to {host}:{port}")
    smtp: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=settings.timeout, context=context)
            progress.passed.append(f"connected to {host}:{port} over TLS, certificate verified")
        else:
            smtp = smtplib.SMTP(host, port, timeout=settings.timeout)
            progress.passed.append(f"connected to {host}:{port}")
        refused = _open_session(smtp, settings, context, progress)
        if refused is not None:
            return refused
        progress.step = "QUIT"
        smtp.quit()
        smtp = None
        progress.passed.append("QUIT, nothing sent")
        return Probe(tuple(progress.passed))
    except (smtplib.SMTPException, OSError) as exc:
        return _failure(progress, exc)
    finally:
        if smtp is not None:
            smtp.close()


@dataclass
class _Progress:
    """How far the probe got: the step under way, and the steps that went through."""

    step: str
    passed: list[str] = field(default_factory=list)


def _open_session(
    smtp: smtplib.SMTP, settings: MailSettings, context: ssl.SSLContext, progress: _Progress
) -> Probe | None:
    """EHLO, then STARTTLS and log-in where the settings ask for them; a failed Probe when
    one of them cannot even be tried, None when every one went through."""
    host, port = str(settings.host), settings.port
    progress.step = "EHLO"
    code, answer = smtp.ehlo()
    if code != 250:
        raise smtplib.SMTPResponseException(code, answer)
    progress.passed.append("EHLO")
    if settings.security == "starttls":
        progress.step = "STARTTLS"
        if not smtp.has_extn("starttls"):
            return Probe(
                tuple(progress.passed),
                f"{host}:{port} does not offer STARTTLS",
                "set security = 'ssl' for a server on implicit TLS (port 465), or check "
                "'host' and 'port'",
            )
        smtp.starttls(context=context)
        smtp.ehlo()
        progress.passed.append("STARTTLS, certificate verified")
    if settings.user:
        progress.step = f"log in as {settings.user}"
        if not settings.password:
            return Probe(
                tuple(progress.passed),
                f"'user' is {settings.user} but DIGEST_SMTP_PASSWORD is not set",
                "put the password in DIGEST_SMTP_PASSWORD",
            )
        smtp.login(settings.user, settings.password)
        progress.passed.append(f"logged in as {settings.user}")
    return None


def _failure(progress: _Progress, exc: smtplib.SMTPException | OSError) -> Probe:
    """The step that raised `exc`, said in one line with its fix."""
    step, passed = progress.step, tuple(progress.passed)
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or exc.reason or str(exc)
        return Probe(passed, f"{step}: the certificate does not verify ({why})", CA_FIX)
    if isinstance(exc, ssl.SSLError):
        return Probe(passed, f"{step}: TLS failed ({exc.reason or exc})", CA_FIX)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Probe(
            passed,
            f"{step}: refused ({exc.smtp_code} {_text(exc.smtp_error)})",
            "check DIGEST_SMTP_USER and DIGEST_SMTP_PASSWORD",
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Probe(passed, f"{step}: {exc}", "check 'security' in [mail]")
    if isinstance(exc, smtplib.SMTPResponseException):
        return Probe(
            passed,
            f"{step}: the server answered {exc.smtp_code} {_text(exc.smtp_error)}",
            "check 'host', 'port' and 'security' in [mail]",
        )
    why = "timed out" if isinstance(exc, TimeoutError | socket.timeout) else str(exc)
    return Probe(
        passed,
        f"{step}: {why or type(exc).__name__}",
        "check 'host' and 'port' in [mail], and that this machine may reach the server",
    )


def _text(answer: bytes | str) -> str:
    raw = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(raw.split())
