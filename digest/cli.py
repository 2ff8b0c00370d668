"""The `digest` command: parse options, load settings, make one library call, report.

Exit codes: 0 success, 1 a digest error (message on stderr), 2 a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from digest import __version__
from digest.config import load_mail_settings, load_profile
from digest.errors import DigestError
from digest.methods import DEFAULT_METHOD, METHODS
from digest.pipeline import build_brief, default_input, send_brief, summarize_folder

log = logging.getLogger("digest")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def iso_date(value: str) -> dt.date:
    """A real calendar date written YYYY-MM-DD (argparse type)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a real calendar date") from None


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def _method(value: str) -> str:
    if value not in METHODS:
        raise argparse.ArgumentTypeError(
            f"unknown method {value!r}; choose one of: {', '.join(sorted(METHODS))}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Turn a folder of news articles on one story into a dated, sectioned "
        "brief: every point a sentence quoted verbatim, each fact once, credited to every "
        "source that reports it.",
        epilog="Exit codes: 0 success, 1 error (message on stderr), 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_brief(commands)
    _add_summarize(commands)
    _add_send(commands)
    return parser


def _add_brief(commands: argparse._SubParsersAction) -> None:
    brief = commands.add_parser(
        "brief",
        help="build the brief: PDF, email HTML, text and JSON in the output folder",
        description="Read the articles in --input, pick the points, and write "
        "brief-DATE.pdf, .html (email-ready), .txt and .json into --out.",
    )
    brief.add_argument("--input", type=Path, default=None, metavar="DIR",
                       help="folder of .txt, .md and .html articles (default: ./seeds)")
    brief.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                       help="folder for the brief's files (default: ./out)")
    brief.add_argument("--date", type=iso_date, default=None, metavar="YYYY-MM-DD",
                       help="the brief's date, used in its title and file names (default: today)")
    brief.add_argument("--profile", type=Path, default=None, metavar="FILE",
                       help="TOML profile naming the title and sections (default: the bundled "
                       "profile for the seed articles)")
    brief.add_argument("--method", type=_method, default=DEFAULT_METHOD, metavar="NAME",
                       help=f"summarization method: {', '.join(sorted(METHODS))} "
                       f"(default: {DEFAULT_METHOD})")
    brief.add_argument("--length", type=positive_int, default=None, metavar="N",
                       help="number of points (default: about 350-500 words, two pages at most)")
    brief.set_defaults(run=_run_brief)


def _add_summarize(commands: argparse._SubParsersAction) -> None:
    summarize = commands.add_parser(
        "summarize",
        help="print the multi-document summary of a folder, one sentence per line",
        description="Print the summary of the articles in DIR to stdout, one sentence per "
        "line, best first, stopping at the sentence that reaches --words words.",
    )
    summarize.add_argument("dir", type=Path, metavar="DIR", help="folder of articles")
    summarize.add_argument("--method", type=_method, default=DEFAULT_METHOD, metavar="NAME",
                           help=f"one of: {', '.join(sorted(METHODS))} (default: {DEFAULT_METHOD})")
    summarize.add_argument("--words", type=positive_int, default=100, metavar="N",
                           help="length of the summary in words (default: 100)")
    summarize.set_defaults(run=_run_summarize)


def _add_send(commands: argparse._SubParsersAction) -> None:
    send = commands.add_parser(
        "send",
        help="email the brief (HTML with a text alternative) over SMTP, once per date",
        description="Email out/brief-DATE.html, building the brief first if it is missing. "
        "Each (date, recipient) is recorded in a delivery ledger, so a second send of the same "
        "date sends nothing. Settings come from digest.toml's [mail] table and DIGEST_SMTP_* / "
        "DIGEST_MAIL_* environment variables (the password only from DIGEST_SMTP_PASSWORD).",
    )
    send.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                      help="folder holding the brief's files (default: ./out)")
    send.add_argument("--date", type=iso_date, default=None, metavar="YYYY-MM-DD",
                      help="the brief's date (default: today)")
    send.add_argument("--to", action="append", default=[], metavar="ADDR",
                      help="recipient, repeatable; replaces DIGEST_MAIL_TO and the config's 'to'")
    send.add_argument("--attach-pdf", action="store_true",
                      help="attach the PDF edition too")
    send.add_argument("--dry-run", action="store_true",
                      help="write out/brief-DATE.eml instead of sending; the ledger is untouched")
    send.add_argument("--force", action="store_true",
                      help="send even to recipients the ledger says already have this brief")
    send.add_argument("--config", type=Path, default=None, metavar="FILE",
                      help="config file with a [mail] table (default: $DIGEST_CONFIG, else "
                      "./digest.toml if present)")
    send.set_defaults(run=_run_send)


def _run_brief(args: argparse.Namespace) -> int:
    date = args.date or dt.date.today()
    input_dir = args.input or default_input()
    built = build_brief(
        input_dir=input_dir,
        out=args.out,
        date=date,
        profile=load_profile(args.profile),
        method=args.method,
        length=args.length,
    )
    ingested = built.ingested
    names = ", ".join(str(p) for p in built.files.values())
    log.info(
        "brief %s: %d article(s) read, %d skipped, %d points, %d page(s) -> %s",
        date.isoformat(), len(ingested.articles), len(ingested.skipped),
        len(built.brief.points), built.pages, names,
    )
    return EXIT_OK


def _run_send(args: argparse.Namespace) -> int:
    date = args.date or dt.date.today()
    sent = send_brief(
        out=args.out,
        date=date,
        settings=load_mail_settings(args.config),
        to=args.to,
        attach_pdf=args.attach_pdf,
        dry_run=args.dry_run,
        force=args.force,
    )
    if sent.eml is not None:
        log.info("send %s: dry run, nothing sent -> %s", date.isoformat(), sent.eml)
    elif not sent.sent:
        log.info("send %s: already sent to %s; nothing sent (use --force to send again)",
                 date.isoformat(), ", ".join(sent.skipped))
    else:
        skipped = f"; already sent to {len(sent.skipped)}" if sent.skipped else ""
        log.info("send %s: sent to %d recipient(s)%s, Message-ID %s", date.isoformat(),
                 len(sent.sent), skipped, sent.message_id)
    return EXIT_OK


def _run_summarize(args: argparse.Namespace) -> int:
    for sentence in summarize_folder(args.dir, method=args.method, words=args.words):
        print(sentence)
    return EXIT_OK


class _QuietFontNotice(logging.Filter):
    """WeasyPrint's notice that libharfbuzz-subset is missing concerns PDF size only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage() or record.levelno > logging.WARNING


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("digest: %(message)s"))
    if not verbose:
        handler.addFilter(_QuietFontNotice())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("digest").setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.run(args))
    except DigestError as exc:
        log.error("error: %s", exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
