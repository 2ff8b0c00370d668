"""Load settings: with `digest.profile` and `digest.deliver.settings` (the mail settings),
the only modules that read config files and the environment.

Settings (the config file digest.toml and DIGEST_* environment variables) say which
profile and how many pages a brief has, and where a daily run gathers articles; see the
comment below. Everything is validated when it is loaded; an unknown key is an error that
names it. Profiles themselves are `digest.profile`'s.
"""

from __future__ import annotations

import os
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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

# --- Settings: the config file digest.toml ---------------------------------------------
#
# digest.toml (path by --config, else DIGEST_CONFIG, else ./digest.toml when it exists) has
# three tables: [mail] (digest.deliver.settings reads it, with its DIGEST_SMTP_* and
# DIGEST_MAIL_* variables), and these two:
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

CONFIG_NAME = "digest.toml"
_TOP_TABLES = {"brief", "mail", "sources"}


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


# --- Checks of one value, shared by every table ------------------------------------------


def one_line(value: Any, where: str) -> str:
    """Text for a mail header: a line break in it would start a header of its own."""
    text = optional_text(value, where)
    if LINE_BREAK.search(text):
        raise ConfigError(f"{where}: {text!r} holds a line break (CR or LF); write it on one line")
    return text


def optional_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: must be a string")
    return value.strip()


def choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return str(value)


def number(value: Any, where: str, kind: type[int] | type[float], low: int, high: int) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not low <= number <= high:
        raise ConfigError(f"{where}: {value!r} is not a number from {low} to {high}")
    return number


def flag(value: Any, where: str) -> bool:
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
        inbox = Path(optional_text(table["inbox"], f"{where} 'inbox'")).expanduser()
        if not inbox.is_absolute() and "source" in data:
            inbox = Path(data["source"]).parent / inbox
    feeds = table.get("feeds", [])
    if not isinstance(feeds, list) or not all(isinstance(f, str) for f in feeds):
        raise ConfigError(f"{where} 'feeds': must be a list of URLs")
    return SourceSettings(
        inbox=inbox,
        feeds=tuple(dict.fromkeys(check_feed_url(f, f"{where} 'feeds'") for f in feeds)),
        timeout=number(table.get("timeout", 20), f"{where} 'timeout'", float, 1, 600),
        allow_private=flag(table.get("allow_private", False), f"{where} 'allow_private'"),
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
        spec = optional_text(table["profile"], f"{where} 'profile'")
        if is_profile_name(spec):
            profile = check_profile_name(spec, f"{where} 'profile'")
        else:
            profile = Path(spec).expanduser()
            if not profile.is_absolute() and "source" in data:
                profile = Path(data["source"]).parent / profile
    return BriefSettings(
        profile=profile,
        title=one_line(required_text(table, "title", where), f"{where} 'title'")
        if "title" in table
        else None,
        pages=_whole(table["pages"], f"{where} 'pages'") if "pages" in table else None,
        length=_whole(table["length"], f"{where} 'length'") if "length" in table else None,
        base_url=_base_url(table["base_url"], f"{where} 'base_url'") if "base_url" in table else "",
        source=data.get("source", "defaults"),
    )


def _base_url(value: Any, where: str) -> str:
    """An http(s) URL of a folder, ending in "/" so that file names join under it."""
    url = check_feed_url(optional_text(value, where), where)
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
