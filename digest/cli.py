"""The `digest` command: parse options, load settings, make one library call, report.

The options of each command are defined in `digest.options`, what each command does in
`digest.commands`; here they are joined into one parser, and every failure becomes a
line on stderr and an exit code: 0 success, 1 a digest error, 2 a usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence

from digest.commands import EXIT_ERROR
from digest.console import Terminated, catch_sigterm, configure_logging
from digest.errors import DigestError
from digest.options import (
    add_archive,
    add_brief,
    add_check,
    add_run,
    add_schedule,
    add_send,
    add_summarize,
    add_verbosity,
)
from digest.version import __version__

log = logging.getLogger("digest")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Turn a day's news articles into a dated brief: the articles grouped "
        "into stories, every point a sentence quoted verbatim, each fact once, credited to "
        "every source that reports it.",
        epilog="Exit codes: 0 success, 1 error (message on stderr), 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    add_verbosity(parser, default=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_brief(commands)
    add_summarize(commands)
    add_send(commands)
    add_run(commands)
    add_schedule(commands)
    add_archive(commands)
    add_check(commands)
    for command in commands.choices.values():
        # SUPPRESS: a command without -v/-q keeps what was given before it.
        add_verbosity(command, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:  # before logging is set up: said as it would say it
        sys.stderr.write("digest: interrupted\n")
        return 130
    configure_logging(verbose=args.verbose, quiet=args.quiet)
    try:
        os.getcwd()  # every relative path (the default --out) is resolved against it
    except FileNotFoundError:
        log.error("error: the working folder was removed; change to one that exists and run again")
        return EXIT_ERROR
    previous = catch_sigterm()
    try:
        return int(args.run(args))
    except DigestError as exc:
        log.error("error: %s", exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
    except Terminated:
        log.error("terminated")
        return 128 + signal.SIGTERM
    except Exception as exc:  # a bug: one line for the user, the traceback with -v
        log.debug("traceback of the internal error", exc_info=True)
        log.error(
            "internal error: %s: %s (a bug in digest: please report it with the output of "
            "the same command run with -v)",
            type(exc).__name__,
            exc,
        )
        return EXIT_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
