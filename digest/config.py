"""Load settings: with `digest.profile`, the only module that reads config files, and the
only one that reads the environment.

Settings (the config file digest.toml and DIGEST_* environment variables) say which
profile and how many pages a brief has, where a daily run gathers articles, and how to
mail the brief; see the comment below. Everything is validated when it is loaded; an
unknown key is an error that names it. Profiles themselves are `digest.profile`'s.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from digest.addresses import unique
from digest.errors import ConfigError
from digest.profile import (  # the names a setting gives: profiles are read there
    LINE_BREAK,
    Profile,
    check_profile_name,
    is_profile_name,
    load_profile,
    no_unknown,
    read_toml_text,
    required_text,
)

log = logging.getLogger(__name__)

# --- Settings: the config file's [mail] table, overridden by the environment -------------
#
# digest.toml (path by --config, else DIGEST_CONFIG, else ./digest.toml when it exists):
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
#
#     [sources]                        # what `digest run` and `digest schedule` gather
#     inbox = "inbox"                  # folder of article files (relative to this file)
#     feeds = ["https://example.org/feed.xml"]   # RSS or Atom feeds, http(s) only
#     timeout = 20                     # seconds for each whole feed or page request
#     allow_private = false            # fetch teasers' pages from loopback/private addresses
#
#     [brief]                          # read by `digest brief`, `run` and `schedule`
#     profile = "seeds"                # a bundled profile's name, or a file (relative to
#                                      # this file); default: generic (seeds for the demo)
#     title = "Morning Brief"          # replaces the profile's title
#     pages = 2                        # the page budget (default 2)
#     length = 12                      # number of points (default: fitted to the pages)
#     base_url = "https://example.org/briefs/"  # where out/ is published: links in the
#                                      # email and the feed become absolute
#
# DIGEST_STATE_DIR names the folder for the ledgers and locks (default: `state` beside out/).

MAIL_SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
CONFIG_NAME = "digest.toml"
_TOP_TABLES = {"brief", "mail", "sources"}

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


def load_config_file(path: Path | None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The whole config file as tables (`brief`, `mail`, `sources`); {} when there is none.

    `path` wins over DIGEST_CONFIG, which wins over ./digest.toml (read only if it exists).
    """
    env = os.environ if environ is None else environ
    if path is None and env.get("DIGEST_CONFIG"):
        path = Path(env["DIGEST_CONFIG"])
    elif path is None:
        if not Path(CONFIG_NAME).is_file():
            return {}
        path = Path(CONFIG_NAME)
    text = read_toml_text(path, "config file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    no_unknown(data, _TOP_TABLES, str(path))
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: '{name}' must be a table, written [{name}]")
    return {"source": str(path), **data}


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

    security = get("security", lambda v, w: _choice(v, w, MAIL_SECURITY), "starttls")
    user = get("user", _optional_text)
    if user and security == "none":
        raise ConfigError(
            "DIGEST_SMTP_USER is set but DIGEST_SMTP_SECURITY is 'none': the "
            "password would cross the network in clear; use starttls or ssl"
        )
    ca_file = get("ca_file", _optional_text)
    data_timeout = get("data_timeout", lambda v, w: _number(v, w, float, 1, 3600), 600.0)
    session_timeout = get("session_timeout", lambda v, w: _number(v, w, float, 1, 86400), 1200.0)
    if session_timeout <= data_timeout:
        raise ConfigError(
            f"mail setting 'session_timeout' ({session_timeout:g} s) must be longer than "
            f"'data_timeout' ({data_timeout:g} s): raise DIGEST_SMTP_SESSION_TIMEOUT or "
            "'session_timeout' in the [mail] table"
        )
    unsubscribe = get("list_unsubscribe", _unsubscribe)
    one_click = get("list_unsubscribe_post", _flag, False)
    if one_click and not (unsubscribe and "<https://" in unsubscribe.lower()):
        raise ConfigError(
            "mail setting 'list_unsubscribe_post' is true, but One-Click unsubscribing "
            "(RFC 8058) needs an https:// address in 'list_unsubscribe', e.g. "
            '"<https://example.org/leave?id=1>"'
        )
    state_dir = env.get("DIGEST_STATE_DIR", "").strip()
    return MailSettings(
        host=get("host", _optional_text),
        port=get("port", lambda v, w: _number(v, w, int, 1, 65535), DEFAULT_PORTS[security]),
        security=security,
        user=user,
        password=env.get("DIGEST_SMTP_PASSWORD") or None,
        sender=get("sender", _sender),
        to=get("to", parse_addresses, ()),
        left_out=get("to", _not_addresses, ()),
        ca_file=Path(ca_file) if ca_file else None,
        timeout=get("timeout", lambda v, w: _number(v, w, float, 1, 600), 30.0),
        data_timeout=data_timeout,
        session_timeout=session_timeout,
        list_unsubscribe=unsubscribe,
        list_unsubscribe_post=one_click,
        list_id=get("list_id", _list_id),
        state_dir=Path(state_dir) if state_dir else None,
        source=source,
    )


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
    text = _one_line(value, where)
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
    text = _one_line(value, where)
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
    text = _one_line(value, where)
    match = _LIST_ID.fullmatch(text)
    if not match or ("<" in text) != (">" in text):
        raise ConfigError(
            f"{where}: {text!r} is not a list id like "
            '"Morning Brief <morning-brief.example.org>" or morning-brief.example.org'
        )
    name = (match["name"] or "").strip()
    return f"{name} <{match['id']}>" if name else f"<{match['id']}>"


def _one_line(value: Any, where: str) -> str:
    """Text for a mail header: a line break in it would start a header of its own."""
    text = _optional_text(value, where)
    if LINE_BREAK.search(text):
        raise ConfigError(f"{where}: {text!r} holds a line break (CR or LF); write it on one line")
    return text


def _optional_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: must be a string")
    return value.strip()


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return str(value)


def _number(value: Any, where: str, kind: type[int] | type[float], low: int, high: int) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not low <= number <= high:
        raise ConfigError(f"{where}: {value!r} is not a number from {low} to {high}")
    return number


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: must be true or false")
    return value


# --- Sources: the config file's [sources] table, for `digest run` ------------------------

_SOURCE_KEYS = {"inbox", "feeds", "timeout", "allow_private"}
PAUSE_VARIABLE = "DIGEST_TEST_PAUSE_AT"


@dataclass(frozen=True)
class SourceSettings:
    """Where a daily run gathers articles: an inbox folder and RSS/Atom feeds."""

    inbox: Path | None = None
    feeds: tuple[str, ...] = ()
    timeout: float = 20.0
    allow_private: bool = False  # pages (not feeds) from loopback or private addresses
    source: str = "defaults"


def load_source_settings(
    config: Path | None = None, environ: Mapping[str, str] | None = None
) -> SourceSettings:
    """The [sources] table; a relative `inbox` is taken relative to the config file."""
    data = load_config_file(config, environ)
    where = f"{data.get('source', CONFIG_NAME)}: [sources]"
    table = dict(data.get("sources", {}))
    no_unknown(table, _SOURCE_KEYS, where)
    inbox = None
    if "inbox" in table:
        inbox = Path(_optional_text(table["inbox"], f"{where} 'inbox'")).expanduser()
        if not inbox.is_absolute() and "source" in data:
            inbox = Path(data["source"]).parent / inbox
    feeds = table.get("feeds", [])
    if not isinstance(feeds, list) or not all(isinstance(f, str) for f in feeds):
        raise ConfigError(f"{where} 'feeds': must be a list of URLs")
    return SourceSettings(
        inbox=inbox,
        feeds=tuple(dict.fromkeys(check_feed_url(f, f"{where} 'feeds'") for f in feeds)),
        timeout=_number(table.get("timeout", 20), f"{where} 'timeout'", float, 1, 600),
        allow_private=_flag(table.get("allow_private", False), f"{where} 'allow_private'"),
        source=data.get("source", "defaults"),
    )


# --- The brief: the config file's [brief] table ------------------------------------------

_BRIEF_KEYS = {"profile", "title", "pages", "length", "base_url"}


@dataclass(frozen=True)
class BriefSettings:
    """What a brief looks like, from [brief]; None leaves the choice to options and defaults."""

    profile: str | Path | None = None  # a bundled profile's name, or a profile file
    title: str | None = None  # replaces the profile's title
    pages: int | None = None
    length: int | None = None
    base_url: str = ""  # where out/ is published, ending in "/"; "" keeps links relative
    source: str = "defaults"

    def profile_for(self, option: str | Path | None, *, demo: bool = False) -> Profile:
        """The profile `option` names, else [brief]'s, else seeds for the demo, else generic;
        with [brief]'s title, if it has one."""
        spec = option or self.profile or ("seeds" if demo else None)
        profile = load_profile(spec)
        return replace(profile, title=self.title) if self.title else profile


def load_brief_settings(
    config: Path | None = None, environ: Mapping[str, str] | None = None
) -> BriefSettings:
    """The [brief] table; a profile file's relative path is taken relative to the config file."""
    data = load_config_file(config, environ)
    where = f"{data.get('source', CONFIG_NAME)}: [brief]"
    table = dict(data.get("brief", {}))
    no_unknown(table, _BRIEF_KEYS, where)
    profile: str | Path | None = None
    if "profile" in table:
        spec = _optional_text(table["profile"], f"{where} 'profile'")
        if is_profile_name(spec):
            profile = check_profile_name(spec, f"{where} 'profile'")
        else:
            profile = Path(spec).expanduser()
            if not profile.is_absolute() and "source" in data:
                profile = Path(data["source"]).parent / profile
    return BriefSettings(
        profile=profile,
        title=_one_line(required_text(table, "title", where), f"{where} 'title'")
        if "title" in table
        else None,
        pages=_whole(table["pages"], f"{where} 'pages'") if "pages" in table else None,
        length=_whole(table["length"], f"{where} 'length'") if "length" in table else None,
        base_url=_base_url(table["base_url"], f"{where} 'base_url'") if "base_url" in table else "",
        source=data.get("source", "defaults"),
    )


def _base_url(value: Any, where: str) -> str:
    """An http(s) URL of a folder, ending in "/" so that file names join under it."""
    url = check_feed_url(_optional_text(value, where), where)
    parts = urllib.parse.urlsplit(url)
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: {value!r} must be a folder's URL, without ? or #")
    return url if url.endswith("/") else url + "/"


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: {value!r} is not a whole number of at least 1")
    return value


def check_feed_url(value: str, where: str) -> str:
    """An http or https URL with a host; anything else (file:, ftp:, bare paths) is refused."""
    url = value.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}{value!r} is not an http:// or https:// URL")
    return url


def pause_stage(environ: Mapping[str, str] | None = None) -> str | None:
    """DIGEST_TEST_PAUSE_AT: the run stage at which a test wants `digest run` to wait."""
    env = os.environ if environ is None else environ
    return env.get(PAUSE_VARIABLE, "").strip() or None
