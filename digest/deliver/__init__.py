"""A brief's files → email, at most once.

settings    the [mail] table and DIGEST_SMTP_*/DIGEST_MAIL_* → MailSettings, validated
mail        the HTML edition and its plain-text part → one MIME message, with its headers
delivery    one message to its recipients through a transport: outcomes, never a resend
smtp        the SMTP transport: TLS, authentication, a hostile server's answers
deadlines   time limits on every SMTP exchange
smtp_probe  `digest check`'s look at the mail server, sending nothing

Each name is imported on first use, so importing the package loads none of its modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.lazy import lazy_names

if TYPE_CHECKING:
    from digest.deliver.delivery import MemoryTransport, Outcome, deliver
    from digest.deliver.mail import compose_message
    from digest.deliver.smtp import SmtpTransport
    from digest.deliver.smtp_probe import probe

_LAZY_FROM = {
    "digest.deliver.delivery": ("MemoryTransport", "Outcome", "deliver"),
    "digest.deliver.mail": ("compose_message",),
    "digest.deliver.smtp": ("SmtpTransport",),
    "digest.deliver.smtp_probe": ("probe",),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


__all__ = [
    "MemoryTransport",
    "Outcome",
    "SmtpTransport",
    "compose_message",
    "deliver",
    "probe",
]
