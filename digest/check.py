"""Check a setup without sending anything: settings → one Result per thing checked.

`digest check` runs each check and prints them as a table. What is configured and does
not work is FAIL (the command exits 1); what is optional or not configured (no [mail]
table, no feeds, a missing libharfbuzz-subset0) is SKIP or WARN, reported with how to
get it, and never fails. Checked: the config file's tables, the SMTP server
(`digest.deliver.smtp_probe`: no message is sent), each feed (a conditional GET with the
validators of the last run, then parsed; the feed cache is left as it is), Pango and
the fonts the templates name, libharfbuzz-subset0, and that the state folder is
writable. Knows nothing of how a brief is made.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.config import (
    SourceSettings,
    load_brief_settings,
    load_config_file,
    load_source_settings,
)
from digest.console import printable
from digest.deliver.settings import MailSettings, load_mail_settings
from digest.errors import DigestError
from digest.state.deliveries import state_dir

OK, FAIL, WARN, SKIP = "ok", "FAIL", "warn", "skip"
FONTS = ("DejaVu Serif", "DejaVu Sans")  # what print.css names first
MIN_PANGO = (1, 44)


@dataclass(frozen=True)
class Result:
    what: str
    status: str  # OK, FAIL, WARN (optional, missing) or SKIP (not configured)
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAIL


def check_setup(
    *, config: Path | None, out: Path, environ: Mapping[str, str] | None = None
) -> list[Result]:
    """Every check, in the order of the table."""
    env = os.environ if environ is None else environ
    results, (mail, sources) = _settings(config, env)
    results.append(_smtp(mail) if mail is not None else _not_checked("SMTP server"))
    if sources is None:
        results.append(_not_checked("feeds"))
    else:
        results.extend(_inbox(sources))
        results.extend(_feeds(sources, out, mail))
    results.extend(_rendering())
    results.append(_out(out))
    results.append(_state(out, mail))
    return results


Loaded = tuple[MailSettings | None, SourceSettings | None]


def _settings(config: Path | None, env: Mapping[str, str]) -> tuple[list[Result], Loaded]:
    try:
        data = load_config_file(config, env)
    except DigestError as exc:
        return [Result("settings", FAIL, str(exc), "correct the config file")], (None, None)
    results = [_config_file(data)]

    def load(name: str, loader: Callable[[], object]) -> object | None:
        try:
            value = loader()
        except DigestError as exc:
            results.append(Result(f"[{name}]", FAIL, str(exc), "correct the setting it names"))
            return None
        if name in data:
            results.append(Result(f"[{name}]", OK, "valid"))
        return value

    load("brief", lambda: load_brief_settings(config, env).profile_for(None))
    sources = load("sources", lambda: load_source_settings(config, env))
    mail = load("mail", lambda: load_mail_settings(config, env))
    assert sources is None or isinstance(sources, SourceSettings)
    assert mail is None or isinstance(mail, MailSettings)
    if mail is not None:
        results.extend(_recipients(mail))
    return results, (mail, sources)


def _config_file(data: Mapping[str, object]) -> Result:
    """The config file read and its tables; without one, a skip: the defaults serve."""
    source = data.get("source")
    if not source:
        return Result(
            "config file",
            SKIP,
            "none: defaults and DIGEST_* variables only",
            "pass --config FILE, set DIGEST_CONFIG, or write ./digest.toml",
        )
    return Result("config file", OK, f"{source}: {', '.join(_tables(data)) or 'no tables'}")


def _tables(data: Mapping[str, object]) -> list[str]:
    return [f"[{name}]" for name in data if name != "source"]


def _recipients(mail: MailSettings) -> list[Result]:
    """The entries of 'to' that are not addresses: a send would leave them out."""
    if not mail.left_out:
        return []
    return [
        Result(
            "recipients",
            FAIL,
            f"not addresses, left out of every send: {', '.join(map(repr, mail.left_out))}",
            "correct or remove them in 'to' (DIGEST_MAIL_TO)",
        )
    ]


def _inbox(sources: SourceSettings) -> list[Result]:
    """The inbox folder a daily run reads, when [sources] names one."""
    if sources.inbox is None:
        return []
    if sources.inbox.is_dir():
        return [Result("inbox", OK, f"{sources.inbox}: a folder")]
    what = "a file, not a folder" if sources.inbox.exists() else "no such folder"
    return [
        Result(
            "inbox",
            FAIL,
            f"{sources.inbox}: {what}; digest run would stop there",
            "create the folder, or correct 'inbox' in [sources]",
        )
    ]


def _not_checked(what: str) -> Result:
    return Result(what, SKIP, "not checked: its settings do not load", "fix the settings above")


def _smtp(mail: MailSettings) -> Result:
    if not mail.host:
        return Result(
            "SMTP server",
            SKIP,
            "no mail server configured: digest brief works; digest run, send and schedule need one",
            "to send them, set 'host', 'from' and 'to' in [mail] (or DIGEST_SMTP_HOST, …)",
        )
    from digest.deliver.smtp_probe import probe  # smtplib only when there is a server to try

    missing = [key for name, key in (("sender", "from"), ("to", "to")) if not getattr(mail, name)]
    where = f"SMTP {mail.host}:{mail.port}"
    found = probe(mail)
    if not found.ok:
        return Result(where, FAIL, _done(found.passed, found.failure), found.fix)
    if missing:
        return Result(
            where,
            FAIL,
            _done(found.passed, f"'{', '.join(missing)}' missing in [mail]"),
            "set 'from' (DIGEST_MAIL_FROM) and 'to' (DIGEST_MAIL_TO) in [mail]",
        )
    return Result(where, OK, "; ".join(found.passed))


def _done(passed: tuple[str, ...], failure: str) -> str:
    return "; ".join((*passed, failure))


def _feeds(sources: SourceSettings, out: Path, mail: MailSettings | None) -> list[Result]:
    if not sources.feeds:
        return [Result("feeds", SKIP, "no feed configured", "add 'feeds' to [sources]")]
    from digest.read.feeds import FeedCache, parse_feed  # feedparser only when there are feeds
    from digest.read.fetch import Fetcher

    cache = FeedCache(state_dir(out, mail.state_dir if mail else None) / "feeds")
    fetcher = Fetcher(sources.timeout, allow_private=sources.allow_private)
    results = []
    for url in sources.feeds:
        try:
            parsed = parse_feed(url, cache.fetch(url, fetcher, keep=False))
        except DigestError as exc:
            reason = str(exc).removeprefix(f"{url}: ")
            fix = "check the URL, or remove it from 'feeds' in [sources]"
            results.append(Result(f"feed {url}", FAIL, reason, fix))
            continue
        count = len(parsed.entries)
        title = parsed.feed.get("title") or "untitled"
        entries = "entry" if count == 1 else "entries"
        results.append(Result(f"feed {url}", OK, f"{title!s}: {count} {entries}"))
    return results


def _rendering() -> list[Result]:
    """Pango (WeasyPrint's text layout), the fonts, and the optional HarfBuzz subsetter."""
    try:
        from weasyprint.text import ffi
    except (ImportError, OSError) as exc:
        return [
            Result(
                "Pango",
                FAIL,
                f"WeasyPrint cannot load its libraries ({exc})",
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0",
            )
        ]
    results = [_pango(ffi)]
    results.extend(_font(ffi, family) for family in FONTS)
    if ffi.harfbuzz_subset is None:
        results.append(
            Result(
                "libharfbuzz-subset0",
                WARN,
                "missing: each PDF takes about 0.6 s longer and is larger",
                "apt-get install libharfbuzz-subset0",
            )
        )
    else:
        results.append(Result("libharfbuzz-subset0", OK, "found: fonts are subset by HarfBuzz"))
    return results


def _pango(ffi: object) -> Result:
    number = int(ffi.pango.pango_version())  # type: ignore[attr-defined]
    version = (number // 10000, number // 100 % 100, number % 100)
    shown = ".".join(map(str, version))
    if version[:2] < MIN_PANGO:
        return Result(
            "Pango",
            FAIL,
            f"version {shown}; WeasyPrint needs 1.44 or later",
            "upgrade libpango-1.0-0",
        )
    return Result("Pango", OK, f"version {shown}")


def _font(ffi: object, family: str) -> Result:
    """The family fontconfig gives for `family`: itself, or a stand-in (a warning)."""
    fc, cffi = ffi.fontconfig, ffi.ffi  # type: ignore[attr-defined]
    pattern = fc.FcPatternCreate()
    try:
        fc.FcPatternAddString(pattern, b"family", family.encode())
        fc.FcConfigSubstitute(cffi.NULL, pattern, 0)  # FcMatchPattern
        fc.FcDefaultSubstitute(pattern)
        result = cffi.new("FcResult *")
        match = fc.FcFontMatch(cffi.NULL, pattern, result)
        found = ""
        if match != cffi.NULL:
            name = cffi.new("FcChar8 **")
            if fc.FcPatternGetString(match, b"family", 0, name) == 0:
                found = cffi.string(name[0]).decode("utf-8", "replace")
            fc.FcPatternDestroy(match)
    finally:
        fc.FcPatternDestroy(pattern)
    if found.lower() == family.lower():
        return Result(f"font {family}", OK, "installed")
    if not found:
        return Result(
            f"font {family}",
            FAIL,
            "no font at all: the PDF cannot show text",
            "apt-get install fonts-dejavu-core",
        )
    return Result(
        f"font {family}",
        WARN,
        f"missing: {found} stands in, so the PDF looks different and may run longer",
        "apt-get install fonts-dejavu-core",
    )


def _state(out: Path, mail: MailSettings | None) -> Result:
    folder = state_dir(out, mail.state_dir if mail else None)
    fix = "make it writable, or set DIGEST_STATE_DIR to a writable folder"
    return _writable("state folder", folder, fix)


def _out(out: Path) -> Result:
    return _writable("output folder", out, "make it writable, or pass --out a writable folder")


def _writable(what: str, folder: Path, fix: str) -> Result:
    """Can the folder be written, or made where it is missing?"""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return Result(what, FAIL, f"{folder}: {existing} is not a folder", fix)
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return Result(what, FAIL, f"{folder}: not writable ({exc.strerror})", fix)
    made = "" if existing == folder else " (made on the first run)"
    return Result(what, OK, f"{folder} is writable{made}")


def format_table(results: list[Result]) -> str:
    """One row per check (status, what, detail) and, under each one not fine, its fix."""
    width = max((len(r.what) for r in results), default=0)
    lines = []
    for r in results:
        lines.append(f"{r.status:<4}  {_shown(r.what):<{width}}  {_shown(r.detail)}")
        if r.fix and r.status != OK:
            lines.append(f"{'':<4}  {'':<{width}}  fix: {_shown(r.fix)}")
    failed = sum(r.failed for r in results)
    checks = "check" if failed == 1 else "checks"
    lines.append(
        f"{failed} {checks} failed" if failed else "everything configured works; nothing sent"
    )
    return "\n".join(lines)


def _shown(text: str) -> str:
    """Server answers and feed titles may hold control characters: shown escaped."""
    return printable(text)
