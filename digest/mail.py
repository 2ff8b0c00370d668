"""Turn a brief's files into an email: HTML + text (+ PDF) → one EmailMessage.

The message is `multipart/alternative` with the plain-text edition first and the HTML
edition second (mail clients show the last part they can render); with the PDF it is
wrapped in `multipart/mixed` with the PDF attached. The HTML part is the file byte for
byte: it travels base64-encoded, so no line is re-wrapped and no byte re-encoded.

One recipient is named in To. A list goes in Bcc, with the empty group
`undisclosed-recipients:;` in To, so no reader sees the others' addresses.

This module reads the editions written by the pipeline; it knows no template, no PDF
engine and no SMTP server.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.headerregistry import Group
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from digest.errors import MailError

UNDISCLOSED = Group("undisclosed-recipients")


@dataclass(frozen=True)
class Edition:
    """The parts of one brief that go into its email."""

    title: str
    date: dt.date
    html: bytes
    text: str
    pdf: bytes | None = None
    pdf_name: str = "brief.pdf"


@dataclass(frozen=True)
class Headers:
    sender: str  # the From header as written, e.g. "Digest <digest@example.org>"
    recipients: tuple[str, ...]
    message_id: str
    when: dt.datetime
    list_unsubscribe: str | None = None
    one_click: bool = False


def read_edition(files: Mapping[str, Path], *, with_pdf: bool = False) -> Edition:
    """Read the HTML, text, JSON (and PDF) editions named by `pipeline.brief_paths`."""
    try:
        meta = json.loads(files["json"].read_text("utf-8"))
        edition = Edition(
            title=str(meta["title"]),
            date=dt.date.fromisoformat(meta["date"]),
            html=files["html"].read_bytes(),
            text=files["txt"].read_text("utf-8"),
            pdf=files["pdf"].read_bytes() if with_pdf else None,
            pdf_name=files["pdf"].name,
        )
    except OSError as exc:
        raise MailError(f"{exc.filename}: cannot read the brief ({exc.strerror})") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise MailError(f"{files['json']}: not a brief's JSON edition ({exc})") from exc
    return edition


def message_id(date: dt.date, recipients: Sequence[str], sender_address: str) -> str:
    """The same Message-ID for the same brief date and recipient list, in any order.

    A forced resend therefore repeats the Message-ID, which lets mail systems that
    de-duplicate on it drop the second copy.
    """
    people = "\n".join(sorted({r.strip().lower() for r in recipients}))
    digest = hashlib.sha256(f"{date.isoformat()}\n{people}".encode()).hexdigest()[:20]
    domain = sender_address.rpartition("@")[2] or "digest.invalid"
    return f"<brief-{date.isoformat()}.{digest}@{domain}>"


def subject(edition: Edition) -> str:
    day = edition.date
    return f"{edition.title} — {day:%A}, {day.day} {day:%B %Y}"


def compose_message(edition: Edition, headers: Headers) -> EmailMessage:
    """The brief as one email, ready for `as_bytes` (the Bcc header is still in it)."""
    if not headers.recipients:
        raise MailError("no recipient for the brief")
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject(edition)
    msg["From"] = headers.sender
    if len(headers.recipients) == 1:
        msg["To"] = headers.recipients[0]
    else:
        msg["To"] = UNDISCLOSED
        msg["Bcc"] = ", ".join(headers.recipients)
    msg["Date"] = format_datetime(headers.when)
    msg["Message-ID"] = headers.message_id
    if headers.list_unsubscribe:
        msg["List-Unsubscribe"] = headers.list_unsubscribe
        if headers.one_click:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(edition.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(
        edition.html, maintype="text", subtype="html", cte="base64", params={"charset": "utf-8"}
    )
    if edition.pdf is not None:
        msg.add_attachment(
            edition.pdf, maintype="application", subtype="pdf", filename=edition.pdf_name
        )
    return msg


def wire_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes over SMTP: CRLF line ends and no Bcc header."""
    sendable = copy.copy(msg)  # shallow: deleting a header rebinds the copy's header list
    del sendable["Bcc"]
    return sendable.as_bytes(policy=policy.SMTP)
