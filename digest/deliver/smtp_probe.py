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
from dataclasses import dataclass

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
    passed: list[str] = []
    try:
        context = ssl.create_default_context(
            cafile=str(settings.ca_file) if settings.ca_file else None
        )
    except (OSError, ssl.SSLError) as exc:
        return Probe((), f"{settings.ca_file}: cannot load CA certificates ({exc})", CA_FIX)
    step = f"connect to {host}:{port}"
    smtp: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=settings.timeout, context=context)
            passed.append(f"connected to {host}:{port} over TLS, certificate verified")
        else:
            smtp = smtplib.SMTP(host, port, timeout=settings.timeout)
            passed.append(f"connected to {host}:{port}")
        step = "EHLO"
        code, answer = smtp.ehlo()
        if code != 250:
            raise smtplib.SMTPResponseException(code, answer)
        passed.append("EHLO")
        if settings.security == "starttls":
            step = "STARTTLS"
            if not smtp.has_extn("starttls"):
                return Probe(
                    tuple(passed),
                    f"{host}:{port} does not offer STARTTLS",
                    "set security = 'ssl' for a server on implicit TLS (port 465), or check "
                    "'host' and 'port'",
                )
            smtp.starttls(context=context)
            smtp.ehlo()
            passed.append("STARTTLS, certificate verified")
        if settings.user:
            step = f"log in as {settings.user}"
            if not settings.password:
                return Probe(
                    tuple(passed),
                    f"'user' is {settings.user} but DIGEST_SMTP_PASSWORD is not set",
                    "put the password in DIGEST_SMTP_PASSWORD",
                )
            smtp.login(settings.user, settings.password)
            passed.append(f"logged in as {settings.user}")
        step = "QUIT"
        smtp.quit()
        smtp = None
        passed.append("QUIT, nothing sent")
        return Probe(tuple(passed))
    except ssl.SSLCertVerificationError as exc:
        why = exc.verify_message or exc.reason or str(exc)
        return Probe(tuple(passed), f"{step}: the certificate does not verify ({why})", CA_FIX)
    except ssl.SSLError as exc:
        return Probe(tuple(passed), f"{step}: TLS failed ({exc.reason or exc})", CA_FIX)
    except smtplib.SMTPAuthenticationError as exc:
        return Probe(
            tuple(passed),
            f"{step}: refused ({exc.smtp_code} {_text(exc.smtp_error)})",
            "check DIGEST_SMTP_USER and DIGEST_SMTP_PASSWORD",
        )
    except smtplib.SMTPNotSupportedError as exc:
        return Probe(tuple(passed), f"{step}: {exc}", "check 'security' in [mail]")
    except smtplib.SMTPResponseException as exc:
        return Probe(
            tuple(passed),
            f"{step}: the server answered {exc.smtp_code} {_text(exc.smtp_error)}",
            "check 'host', 'port' and 'security' in [mail]",
        )
    except (smtplib.SMTPException, OSError) as exc:
        why = "timed out" if isinstance(exc, TimeoutError | socket.timeout) else str(exc)
        return Probe(
            tuple(passed),
            f"{step}: {why or type(exc).__name__}",
            "check 'host' and 'port' in [mail], and that this machine may reach the server",
        )
    finally:
        if smtp is not None:
            smtp.close()


def _text(answer: bytes | str) -> str:
    raw = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(raw.split())
