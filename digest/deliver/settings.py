"""Load the mail settings: the config file's [mail] table and the DIGEST_SMTP_* and
DIGEST_MAIL_* environment variables, validated when they are loaded.

Where and how to send the brief: the server, its security, the sender, the recipients,
the time limits and the list headers. `digest.config` reads the file itself.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from digest.addresses import unique
from digest.config import (
    CONFIG_NAME,
    choice,
    flag,
    load_config_file,
    number,
    one_line,
    optional_text,
)
from digest.errors import ConfigError
from digest.profile import no_unknown

log = logging.getLogger(__name__)

# --- The config file's [mail] table, each key overridden by its environment variable ----
#
#     [mail]
#     host = "smtp.example.org"        # DIGEST_SMTP_HOST
#     port = 587                       # DIGEST_SMTP_PORT (default 587, 465 for ssl, 25 for none)
#     security = "starttls"            # DIGEST_SMTP_SECURITY: starttls | ssl | none
#     user = "digest@example.org"      # DIGEST_SMTP_USER; the password only ever comes from
#                                      # DIGEST_SMTP_PASSWORD, never from a file
#     from = "Digest <digest@example.org>"   # DIGEST_MAIL_FROM
#     to = ["a@example.org"]           # DIGEST_MAIL_TO (comma-separated); `send --to` wins
#     ca_file = "/etc/ssl/our-ca.pem"  # DIGEST_SMTP_CA_FILE: trust this CA instead of the system's
#     timeout = 30                     # DIGEST_SMTP_TIMEOUT: seconds per connect and command
#     data_timeout = 600               # DIGEST_SMTP_DATA_TIMEOUT: seconds for the final answer
#                                      # to the message (RFC 5321 allows the server 10 minutes)
#     session_timeout = 1200           # DIGEST_SMTP_SESSION_TIMEOUT: seconds for a whole session,
#                                      # longer than data_timeout
#     list_unsubscribe = "<mailto:leave@example.org>, <https://example.org/leave>"
#     list_unsubscribe_post = true     # adds List-Unsubscribe-Post: List-Unsubscribe=One-Click

MAIL_SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}

# setting name → (environment variable, key in the [mail] table)
_MAIL_SOURCES = {
    "host": ("DIGEST_SMTP_HOST", "host"),
    "port": ("DIGEST_SMTP_PORT", "port"),
    "security": ("DIGEST_SMTP_SECURITY", "security"),
    "user": ("DIGEST_SMTP_USER", "user"),
    "sender": ("DIGEST_MAIL_FROM", "from"),
    "to": ("DIGEST_MAIL_TO", "to"),
    "ca_file": ("DIGEST_SMTP_CA_FILE", "ca_file"),
    "timeout": ("DIGEST_SMTP_TIMEOUT", "timeout"),
    "data_timeout": ("DIGEST_SMTP_DATA_TIMEOUT", "data_timeout"),
    "session_timeout": ("DIGEST_SMTP_SESSION_TIMEOUT", "session_timeout"),
    "list_unsubscribe": ("", "list_unsubscribe"),
    "list_unsubscribe_post": ("", "list_unsubscribe_post"),
    "list_id": ("DIGEST_MAIL_LIST_ID", "list_id"),
}
_MAIL_KEYS = {key for _, key in _MAIL_SOURCES.values()}


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send the brief. `password` never appears in a repr or a log."""

    host: str | None = None
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None  # the From header as written, e.g. "Digest <d@example.org>"
    to: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()  # recipients in 'to' that are not addresses
    ca_file: Path | None = None
    timeout: float = 30.0
    data_timeout: float = 600.0
    session_timeout: float = 1200.0
    list_unsubscribe: str | None = None
    list_unsubscribe_post: bool = False
    list_id: str | None = None  # the List-Id header, "Name <label.example.org>"
    state_dir: Path | None = None
    source: str = "environment"

    def require(self, *names: str) -> None:
        """Raise a ConfigError naming the first of `names` that is not set."""
        for name in names:
            if not getattr(self, name):
                env, key = _MAIL_SOURCES[name]
                extra = " or pass --to" if name == "to" else ""
                raise ConfigError(
                    f"mail setting '{key}' is missing: set {env} or '{key}' in the [mail] "
                    f"table of {CONFIG_NAME}{extra}"
                )

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender or "")[1]


def load_mail_settings(
    config: Path | None = None, environ: Mapping[str, str] | None = None
) -> MailSettings:
    """Mail settings from the config file's [mail] table, each overridden by its variable."""
    env = os.environ if environ is None else environ
    data = load_config_file(config, env)
    where = f"{data.get('source', CONFIG_NAME)}: [mail]"
    table = dict(data.get("mail", {}))
    if "password" in table:
        raise ConfigError(
            f"{where}: 'password' is never read from a file; "
            "set DIGEST_SMTP_PASSWORD in the environment instead"
        )
    no_unknown(table, _MAIL_KEYS, where)
    raw: dict[str, tuple[Any, str]] = {}
    for name, (var, key) in _MAIL_SOURCES.items():
        if var and env.get(var, "").strip():
            raw[name] = (env[var].strip(), var)
        elif key in table:
            raw[name] = (table[key], f"{where} '{key}'")
    return _mail_settings(raw, env, source=data.get("source", "environment"))


def _mail_settings(
    raw: dict[str, tuple[Any, str]], env: Mapping[str, str], *, source: str
) -> MailSettings:
    """Validate each (value, where-it-came-from) pair; absent settings take defaults."""

    def get(name: str, check: Callable[[Any, str], Any], default: Any = None) -> Any:
        return check(*raw[name]) if name in raw else default

    security, user = _security(get)
    ca_file = get("ca_file", optional_text)
    data_timeout, session_timeout = _timeouts(get)
    unsubscribe, one_click = _unsubscribing(get)
    state_dir = env.get("DIGEST_STATE_DIR", "").strip()
    return MailSettings(
        host=get("host", optional_text),
        port=get("port", lambda v, w: number(v, w, int, 1, 65535), DEFAULT_PORTS[security]),
        security=security,
        user=user,
        password=env.get("DIGEST_SMTP_PASSWORD") or None,
        sender=get("sender", _sender),
        to=get("to", parse_addresses, ()),
        left_out=get("to", _not_addresses, ()),
        ca_file=Path(ca_file) if ca_file else None,
        timeout=get("timeout", lambda v, w: number(v, w, float, 1, 600), 30.0),
        data_timeout=data_timeout,
        session_timeout=session_timeout,
        list_unsubscribe=unsubscribe,
        list_unsubscribe_post=one_click,
        list_id=get("list_id", _list_id),
        state_dir=Path(state_dir) if state_dir else None,
        source=source,
    )


# get(name, check, default): a setting's checked value, or `default` when it is not set
_Get = Callable[..., Any]


def _security(get: _Get) -> tuple[str, str | None]:
    """The connection's security and the user: a password never crosses in clear."""
    security = get("security", lambda v, w: choice(v, w, MAIL_SECURITY), "starttls")
    user = get("user", optional_text)
    if user and security == "none":
        raise ConfigError(
            "DIGEST_SMTP_USER is set but DIGEST_SMTP_SECURITY is 'none': the "
            "password would cross the network in clear; use starttls or ssl"
        )
    return security, user


def _timeouts(get: _Get) -> tuple[float, float]:
    """The time limits for the message's answer and for the whole session, in that order."""
    data_timeout = get("data_timeout", lambda v, w: number(v, w, float, 1, 3600), 600.0)
    session_timeout = get("session_timeout", lambda v, w: number(v, w, float, 1, 86400), 1200.0)
    if session_timeout <= data_timeout:
        raise ConfigError(
            f"mail setting 'session_timeout' ({session_timeout:g} s) must be longer than "
            f"'data_timeout' ({data_timeout:g} s): raise DIGEST_SMTP_SESSION_TIMEOUT or "
            "'session_timeout' in the [mail] table"
        )
    return data_timeout, session_timeout


def _unsubscribing(get: _Get) -> tuple[str | None, bool]:
    """List-Unsubscribe, and whether One-Click unsubscribing (RFC 8058) is offered."""
    unsubscribe = get("list_unsubscribe", _unsubscribe)
    one_click = get("list_unsubscribe_post", flag, False)
    if one_click and not (unsubscribe and "<https://" in unsubscribe.lower()):
        raise ConfigError(
            "mail setting 'list_unsubscribe_post' is true, but One-Click unsubscribing "
            "(RFC 8058) needs an https:// address in 'list_unsubscribe', e.g. "
            '"<https://example.org/leave?id=1>"'
        )
    return unsubscribe, one_click


_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


def parse_addresses(value: Any, where: str, *, strict: bool = False) -> tuple[str, ...]:
    """Plain addresses from a comma-separated string or a list of strings.

    In a config, one that is not an address is named in a warning and left out: the
    others still get the brief (`digest check` fails on it). None left is an error, and
    so is any bad one when `strict` (recipients a caller names for one send)."""
    addresses = _listed(value, where)
    bad = _not_addresses(value, where)
    if bad and (strict or len(bad) == len(addresses)):
        raise ConfigError(f"{where}: {bad[0]!r} is not an email address like name@example.org")
    for address in bad:
        log.warning(
            "%s: %r is not an email address like name@example.org; left out of the recipients",
            where,
            address,
        )
    return tuple(a for a in addresses if a not in bad)


def _listed(value: Any, where: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{where}: must be addresses, comma-separated or a list of strings")
    return unique(i for i in items if i.strip())


def _not_addresses(value: Any, where: str) -> tuple[str, ...]:
    return tuple(a for a in _listed(value, where) if not _ADDRESS.fullmatch(a))


def check_address(value: str) -> str:
    """One recipient given on the command line, or a ConfigError saying what is wrong."""
    address = value.strip()
    if not _ADDRESS.fullmatch(address):
        raise ConfigError(f"{value!r} is not an email address like name@example.org")
    return address


def _sender(value: Any, where: str) -> str:
    text = one_line(value, where)
    if not _ADDRESS.fullmatch(parseaddr(text)[1]):
        raise ConfigError(
            f"{where}: {text!r} is not an address like "
            "'Digest <digest@example.org>' or digest@example.org"
        )
    return text


_UNSUBSCRIBE_ITEM = re.compile(r"<(?:mailto:[^<>\s]+@[^<>\s]+|https?://[^<>\s]+)>", re.I)
_LIST_ID = re.compile(
    r"(?:(?P<name>[^<>]*?)\s*)?<?(?P<id>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
    r"(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+)>?"
)


def _unsubscribe(value: Any, where: str) -> str:
    """List-Unsubscribe (RFC 2369): mailto: or http(s) addresses, each in angle brackets."""
    text = one_line(value, where)
    items = [item.strip() for item in text.split(",")]
    for item in items:
        if not _UNSUBSCRIBE_ITEM.fullmatch(item):
            raise ConfigError(
                f"{where}: {item!r} is not an address in angle brackets; write "
                '"<mailto:leave@example.org>" or "<https://example.org/leave>", '
                "comma-separated"
            )
    return ", ".join(items)


def _list_id(value: Any, where: str) -> str:
    """List-Id (RFC 2919): an optional name, then a dotted id, e.g. Brief <brief.example.org>."""
    text = one_line(value, where)
    match = _LIST_ID.fullmatch(text)
    if not match or ("<" in text) != (">" in text):
        raise ConfigError(
            f"{where}: {text!r} is not a list id like "
            '"Morning Brief <morning-brief.example.org>" or morning-brief.example.org'
        )
    name = (match["name"] or "").strip()
    return f"{name} <{match['id']}>" if name else f"<{match['id']}>"
