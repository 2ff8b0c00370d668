"""Define the options of each `digest` command: the command line's words → argparse parsers.

Each `add_*` function adds one command's parser, its options in the order `--help` shows
them, and the `digest.commands` function it runs. The converters check a value when it is
parsed, so a wrong date, method, profile name, address or feed URL is a usage error (exit
2) before anything runs. Imports nothing heavy: `digest --help` and a usage error pay only
for argparse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from digest import commands as actions
from digest.choices import DEFAULT_METHOD, MAX_PAGES, METHOD_NAMES
from digest.config import check_feed_url
from digest.deliver.settings import check_address
from digest.errors import ConfigError
from digest.profile import bundled_profiles, check_profile_name, is_profile_name

# What each command runs is in digest.commands, imported there only when it runs.

# Dates a brief can have: a run looks back months from its date, which Python's dates
# cannot do near year 1, and no news is dated outside these.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def iso_date(value: str) -> dt.date:
    """A real calendar date written YYYY-MM-DD, from FIRST_DATE to LAST_DATE (argparse type)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD")
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a real calendar date") from None
    if not FIRST_DATE <= date <= LAST_DATE:
        raise argparse.ArgumentTypeError(
            f"{value} is out of range: give a date from {FIRST_DATE} to {LAST_DATE}"
        )
    return date


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def _method(value: str) -> str:
    if value not in METHOD_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown method {value!r}; choose one of: {', '.join(sorted(METHOD_NAMES))}"
        )
    return value


PROFILE_HELP = (
    f"the profile naming the brief's title and sections: a bundled one by name "
    f"({', '.join(bundled_profiles())}), or a TOML file, written with a '/' or ending in .toml"
)


def add_verbosity(parser: argparse.ArgumentParser, *, default: object) -> None:
    """-v/-q, accepted before the command and after it (`digest brief -v`)."""
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log every step"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="only warnings and errors"
    )


def _folder(value: str) -> Path:
    """A folder named on the command line; an empty name (`--out ''`, an unset shell
    variable) would mean the current folder, which no one asks for that way."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty folder name; give a folder, e.g. out")
    return Path(value)


def _out_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--out", type=_folder, default=Path("out"), metavar="DIR", help=help)


def _date_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--date", type=iso_date, default=None, metavar="YYYY-MM-DD", help=help)


def _config_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--config", type=Path, default=None, metavar="FILE", help=help)


def add_brief(commands: argparse._SubParsersAction) -> None:
    brief = commands.add_parser(
        "brief",
        help="build the brief: PDF, email HTML, text and JSON in the output folder",
        description="Read the articles in --input, pick the points, and write "
        "brief-DATE.pdf, .html (email-ready), .txt and .json into --out. Without --input, "
        "it briefs the seed articles shipped with digest (the demo), with the seeds profile. "
        "The [brief] table of digest.toml sets the profile, title, pages and length; "
        "options win over it.",
    )
    _add_brief_files(brief)
    _add_brief_shape(brief)
    _config_option(
        brief,
        "config file with a [brief] table (default: $DIGEST_CONFIG, else ./digest.toml if present)",
    )
    brief.set_defaults(run=actions.brief)


def _add_brief_files(brief: argparse.ArgumentParser) -> None:
    """Where the brief's articles are read from, where its files go, and its date."""
    brief.add_argument(
        "--input",
        type=_folder,
        default=None,
        metavar="DIR",
        help="folder of .txt, .md and .html articles (default: the seed "
        "articles shipped with digest)",
    )
    _out_option(brief, "folder for the brief's files (default: ./out)")
    _date_option(brief, "the brief's date, used in its title and file names (default: today)")


def _add_brief_shape(brief: argparse.ArgumentParser) -> None:
    """What the brief is: its profile, how its points are picked, how long it runs."""
    brief.add_argument(
        "--profile",
        type=_profile,
        default=None,
        metavar="NAME|FILE",
        help=PROFILE_HELP + "; default: 'profile' in [brief], else seeds "
        "without --input, else generic",
    )
    brief.add_argument(
        "--method",
        type=_method,
        default=DEFAULT_METHOD,
        metavar="NAME",
        help=f"summarization method: {', '.join(sorted(METHOD_NAMES))} (default: {DEFAULT_METHOD})",
    )
    brief.add_argument(
        "--length",
        type=positive_int,
        default=None,
        metavar="N",
        help="number of points (default: 'length' in [brief], else about "
        "350-500 words within --pages)",
    )
    brief.add_argument(
        "--pages",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"most pages the PDF may have (default: 'pages' in [brief], else {MAX_PAGES})",
    )


def add_summarize(commands: argparse._SubParsersAction) -> None:
    summarize = commands.add_parser(
        "summarize",
        help="print the multi-document summary of a folder, one sentence per line",
        description="Print the summary of the articles in DIR to stdout, one sentence per "
        "line, best first, stopping at the sentence that reaches --words words.",
    )
    summarize.add_argument("dir", type=Path, metavar="DIR", help="folder of articles")
    summarize.add_argument(
        "--method",
        type=_method,
        default=DEFAULT_METHOD,
        metavar="NAME",
        help=f"one of: {', '.join(sorted(METHOD_NAMES))} (default: {DEFAULT_METHOD})",
    )
    summarize.add_argument(
        "--words",
        type=positive_int,
        default=100,
        metavar="N",
        help="length of the summary in words (default: 100); with --stories, of each "
        "story's summary",
    )
    summarize.add_argument(
        "--stories",
        action="store_true",
        help="group the articles into stories first and summarize each one, most important first",
    )
    summarize.add_argument(
        "--json",
        action="store_true",
        help='print JSON: {"summary": [...]}, or with --stories '
        '{"stories": [{"headline", "articles", "summary"}]}',
    )
    summarize.set_defaults(run=actions.summarize)


def add_send(commands: argparse._SubParsersAction) -> None:
    send = commands.add_parser(
        "send",
        help="email the brief (HTML with a text alternative) over SMTP, once per date",
        description="Email out/brief-DATE.html, made before by `digest brief` or `digest run` "
        "(send never builds a brief: a date without one is an error). "
        "Each (date, recipient) is recorded in a delivery ledger, so a second send of the same "
        "date sends nothing. Settings come from digest.toml's [mail] table and DIGEST_SMTP_* / "
        "DIGEST_MAIL_* environment variables (the password only from DIGEST_SMTP_PASSWORD).",
    )
    _out_option(send, "folder holding the brief's files (default: ./out)")
    _date_option(send, "the brief's date (default: today)")
    send.add_argument(
        "--to",
        action="append",
        default=[],
        metavar="ADDR",
        type=_usage(check_address),
        help="recipient, repeatable; replaces DIGEST_MAIL_TO and the config's 'to'",
    )
    send.add_argument("--attach-pdf", action="store_true", help="attach the PDF edition too")
    send.add_argument(
        "--dry-run",
        action="store_true",
        help="write out/brief-DATE.eml instead of sending; the ledger is untouched",
    )
    send.add_argument(
        "--force",
        action="store_true",
        help="send even to recipients the ledger says already have this brief",
    )
    _config_option(
        send,
        "config file with a [mail] table (default: $DIGEST_CONFIG, else ./digest.toml if present)",
    )
    send.set_defaults(run=actions.send)


def add_run(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser(
        "run",
        help="one daily run: gather new articles, build the brief, email it, record it",
        description="Gather the articles from the inbox folder and the feeds that no earlier "
        "brief carried, build the brief for DATE, write its files into --out, email it as "
        "`digest send` does, and record the run in state/runs.sqlite3. A second run of a date "
        "does nothing and says so; a day with nothing new sends no email. Sources come from "
        "--input/--feed or the [sources] table of digest.toml; mail settings as for send.",
    )
    _date_option(run, "the day to brief (default: today)")
    run.add_argument(
        "--force",
        action="store_true",
        help="redo a date already done: gather, build and send it again",
    )
    _add_daily_options(run)
    run.set_defaults(run=actions.run)


def add_schedule(commands: argparse._SubParsersAction) -> None:
    schedule = commands.add_parser(
        "schedule",
        help="daemon: do `digest run` every day at a local time, until SIGTERM or SIGINT",
        description="Stay running and do `digest run` every day at --at. On start, catch up "
        "today's run if it was due less than --catch-up hours ago. A failed run is logged and "
        "the daemon goes on. SIGTERM/SIGINT stop it after the current run (a second signal "
        "abandons the run; the next run of its date resumes it).",
    )
    schedule.add_argument(
        "--at",
        type=_at,
        required=True,
        metavar="HH:MM",
        help="local time of the daily run, 24-hour clock (e.g. 07:00)",
    )
    schedule.add_argument(
        "--timezone",
        type=_zone,
        default=None,
        metavar="ZONE",
        help="time zone of --at, e.g. Europe/Berlin (default: the system's)",
    )
    schedule.add_argument(
        "--catch-up",
        type=_hours,
        metavar="HOURS",
        default=None,  # digest.pipeline.schedule.DEFAULT_CATCH_UP, read when the daemon starts
        help="on start, run today's missed run if it was due at most this "
        "many hours ago; 0 never catches up (default: 12)",
    )
    _add_daily_options(schedule)
    schedule.set_defaults(run=actions.schedule)


def add_archive(commands: argparse._SubParsersAction) -> None:
    archive = commands.add_parser(
        "archive",
        help="rebuild index.html and feed.xml (Atom) from the briefs in the output folder",
        description="List every brief-DATE.json in --out in DIR/index.html (date, title, top "
        "headlines, links to the HTML and PDF) and DIR/feed.xml, an Atom feed of the briefs. "
        "`digest brief` and `digest run` do this after each brief; this command regenerates "
        "them. With 'base_url' in [brief], links are absolute.",
    )
    _out_option(archive, "folder holding the briefs (default: ./out)")
    _config_option(
        archive,
        "config file with a [brief] table (default: $DIGEST_CONFIG, else ./digest.toml if present)",
    )
    archive.set_defaults(run=actions.archive)


def add_check(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check",
        help="check the setup without sending anything: settings, SMTP, feeds, fonts, state",
        description="Check the settings, the SMTP server (connect, EHLO, STARTTLS, "
        "certificate, login, then QUIT: no message is sent), each feed (a conditional GET, "
        "parsed), Pango and fonts, libharfbuzz-subset0 and the state folder, and print what "
        "is fine and what is not, each with its fix. Exit 1 only if something configured "
        "fails; what is optional or not configured is reported and does not fail.",
    )
    _config_option(
        check, "config file to check (default: $DIGEST_CONFIG, else ./digest.toml if present)"
    )
    _out_option(
        check, "the output folder the runs will use; the state folder is beside it (default: ./out)"
    )
    check.set_defaults(run=actions.check)


def _add_daily_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        type=_folder,
        default=None,
        metavar="DIR",
        help="inbox folder of article files (default: 'inbox' in [sources])",
    )
    parser.add_argument(
        "--feed",
        action="append",
        type=_url,
        default=[],
        metavar="URL",
        help="RSS or Atom feed URL, repeatable; replaces 'feeds' in [sources]",
    )
    _out_option(parser, "folder for the briefs' files (default: ./out)")
    _config_option(
        parser,
        "config file with [sources], [brief] and [mail] tables (default: "
        "$DIGEST_CONFIG, else ./digest.toml if present)",
    )
    parser.add_argument(
        "--profile",
        type=_profile,
        default=None,
        metavar="NAME|FILE",
        help=PROFILE_HELP + "; default: 'profile' in [brief], else generic",
    )
    parser.add_argument(
        "--method",
        type=_method,
        default=DEFAULT_METHOD,
        metavar="NAME",
        help=f"summarization method (default: {DEFAULT_METHOD})",
    )
    parser.add_argument("--attach-pdf", action="store_true", help="attach the PDF edition too")


def _usage(check: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from a check that raises ConfigError."""

    def convert(value: str) -> object:
        try:
            return check(value)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _at(value: str) -> object:
    from digest.pipeline.schedule import parse_at  # pytz and schedule only when --at is given

    return _usage(parse_at)(value)


def _profile(value: str) -> str:
    """A bundled profile's name (checked now: a wrong name is a usage error) or a file."""
    if is_profile_name(value):
        _usage(check_profile_name)(value)
    return value


_url = _usage(lambda value: check_feed_url(value, ""))  # argparse names the option


def _zone(value: str) -> str:
    from digest.pipeline.schedule import zone

    _usage(zone)(value)
    return value


def _hours(value: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 24:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of hours from 0 to 24")
    return hours
