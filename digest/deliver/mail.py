"""Turn a brief's files into an email: HTML + text (+ PDF) → one EmailMessage.

The message is `multipart/alternative` with the plain-text edition first and the HTML
edition second (mail clients show the last part they can render); with the PDF it is
wrapped in `multipart/mixed` with the PDF attached. The HTML part is the file byte for
byte: it travels base64-encoded, so no line is re-wrapped and no byte re-encoded.

One recipient is named in To. A list goes in Bcc, with the empty group
`undisclosed-recipients:;` in To, so no reader sees the others' addresses. Domains are
written in IDNA; a non-ASCII local part in To or From makes the message SMTPUTF8
(UTF-8 headers), which only a server offering SMTPUTF8 takes.

The Message-ID is derived from the date, the recipients and a hash of the brief's content
(its JSON edition without the generation time): resending the same brief repeats it,
so de-duplicating mail systems drop the copy; a brief rebuilt with other points gets
a new one.

This module reads the editions written by the pipeline; it knows no template, no PDF
engine and no SMTP server.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.headerregistry import Group
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from digest import addresses
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
    fingerprint: str = ""  # hash of the brief's points and sources, see `fingerprint`


@dataclass(frozen=True)
class Headers:
    sender: str  # the From header as written, e.g. "Digest <digest@example.org>"
    recipients: tuple[str, ...]
    message_id: str
    when: dt.datetime
    list_unsubscribe: str | None = None
    one_click: bool = False
    list_id: str | None = None  # the same every day: see `list_id`


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
            fingerprint=fingerprint(meta),
        )
    except OSError as exc:
        raise MailError(f"{exc.filename}: cannot read the brief ({exc.strerror})") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MailError(f"{files['json']}: not a brief's JSON edition ({exc})") from exc
    if len(edition.title.splitlines()) != 1:
        raise MailError(
            f"{files['json']}: the title holds a line break, which cannot go in a Subject; "
            "rebuild the brief with a one-line profile title"
        )
    return edition


def fingerprint(brief: Mapping[str, object]) -> str:
    """A hash of a brief's JSON edition without its generation time: points, sources, …"""
    content = {k: v for k, v in brief.items() if k not in ("generated", "generator")}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def message_id(date: dt.date, recipients: Sequence[str], sender_address: str, content: str) -> str:
    """The same Message-ID for the same date, recipients (in any order) and brief content.

    `content` is the brief's `fingerprint`. A forced resend of the same brief therefore
    repeats the Message-ID, which lets mail systems that de-duplicate on it drop the
    second copy; a brief with other points or sources gets another one.
    """
    people = "\n".join(sorted({addresses.key(r) for r in recipients}))
    seed = f"{date.isoformat()}\n{people}\n{content}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:20]
    domain = _header_form(sender_address).rpartition("@")[2] or "digest.invalid"
    return f"<brief-{date.isoformat()}.{digest}@{domain}>"


def list_id(title: str, sender_address: str) -> str:
    """A List-Id (RFC 2919) made from the brief's title (which carries no date) and the
    From domain, so it stays the same every day: "Daily Brief" <daily-brief.example.org>."""
    label = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "brief"
    domain = _header_form(sender_address).rpartition("@")[2] or "digest.invalid"
    name = title.replace("\\", "").replace('"', "")
    return f'"{name}" <{label}.{domain}>'


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
        msg["To"] = _header_form(headers.recipients[0])
    else:
        msg["To"] = UNDISCLOSED
        msg["Bcc"] = ", ".join(_header_form(r) for r in headers.recipients)
    msg["Date"] = format_datetime(headers.when)
    msg["Message-ID"] = headers.message_id
    if headers.list_id:
        msg["List-Id"] = headers.list_id
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
    """The message as it goes over SMTP: CRLF line ends and no Bcc header.

    A non-ASCII local part in From or To cannot be written in ASCII: such a message is
    written with UTF-8 headers (RFC 6532), for a server that offers SMTPUTF8.
    """
    sendable = copy.copy(msg)  # shallow: deleting a header rebinds the copy's header list
    del sendable["Bcc"]
    named = [a for name in ("From", "To") for a in getattr(sendable[name], "addresses", ())]
    utf8 = any(not a.username.isascii() for a in named)
    return sendable.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)


def _header_form(address: str) -> str:
    """The address with an IDNA domain; as given when the domain has no IDNA form (the
    transport then refuses that recipient with the reason)."""
    try:
        return addresses.ascii_domain(address)
    except ValueError:
        return address
