"""What each `digest` command does: load its settings, make one library call, report.

Each function takes the parsed options and returns the exit code. Each imports what it
runs when it runs (the pipeline, numpy and HiGHS, nltk, WeasyPrint, feedparser, SMTP), so
`digest --help`, a usage error and `digest summarize` (no PDF) do not pay for what they
never use. The options themselves are defined in `digest.options`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import logging
import threading
from dataclasses import replace
from typing import Any

from digest.choices import MAX_PAGES
from digest.config import SourceSettings, load_brief_settings, load_source_settings, pause_stage
from digest.console import emit
from digest.deliver.settings import load_mail_settings

log = logging.getLogger("digest")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_READER_GONE = 141  # what a shell reports for a tool ended by SIGPIPE


def archive(args: argparse.Namespace) -> int:
    from digest.pipeline.archiving import write_archive

    settings = load_brief_settings(args.config)
    written = write_archive(args.out, base_url=settings.base_url)
    briefs = "brief" if written.briefs == 1 else "briefs"
    log.info("archive: %d %s -> %s, %s", written.briefs, briefs, written.index, written.feed)
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    from digest.check import check_setup, format_table

    results = check_setup(config=args.config, out=args.out)
    if any(r.failed for r in results):
        emit(format_table(results) + "\n")
        return EXIT_ERROR  # whether or not the table was read: a check failed
    return EXIT_OK if emit(format_table(results) + "\n") else EXIT_READER_GONE


def _sources(args: argparse.Namespace) -> SourceSettings:
    sources = load_source_settings(args.config)
    return replace(
        sources, inbox=args.input or sources.inbox, feeds=tuple(args.feed) or sources.feeds
    )


def _daily(args: argparse.Namespace) -> dict[str, Any]:
    """What `run` and `schedule` both pass on: where, what, for whom, in what shape."""
    brief = load_brief_settings(args.config)
    return {
        "out": args.out,
        "sources": _sources(args),
        "settings": load_mail_settings(args.config),
        "profile": brief.profile_for(args.profile),
        "method": args.method,
        "length": brief.length,
        "pages": brief.pages or MAX_PAGES,
        "attach_pdf": args.attach_pdf,
        "base_url": brief.base_url,
    }


def run(args: argparse.Namespace) -> int:
    from digest.pipeline import describe, run_once

    ran = run_once(
        date=args.date or dt.date.today(),
        force=args.force,
        pause_at=pause_stage(),
        **_daily(args),
    )
    log.info("%s", describe(ran))
    return EXIT_OK


def schedule(args: argparse.Namespace) -> int:
    from digest.pipeline import serve
    from digest.pipeline.schedule import DEFAULT_CATCH_UP

    serve(
        at=args.at,
        timezone=args.timezone,
        catch_up=DEFAULT_CATCH_UP if args.catch_up is None else dt.timedelta(hours=args.catch_up),
        **_daily(args),
    )
    return EXIT_OK


def _import_meanwhile(module: str) -> None:
    """Start importing `module` in a background thread, for a command that will need it.

    WeasyPrint's import waits on subprocesses (ctypes looks its libraries up with
    ldconfig), so it overlaps with the selection that runs before any PDF is made:
    measured, the seed brief takes 0.25 s less (median of 10 alternating runs). A
    failure here is left for the real import, where it is reported as usual."""

    def load() -> None:
        try:
            importlib.import_module(module)
        except Exception:  # the command's own import reports it
            log.debug("importing %s in the background failed", module, exc_info=True)

    threading.Thread(target=load, name=f"import {module}", daemon=True).start()


def brief(args: argparse.Namespace) -> int:
    from digest.render import layout_process

    with layout_process.serving() as forked:
        if not forked:
            _import_meanwhile("digest.render.pdf")
        return _brief(args)


def _brief(args: argparse.Namespace) -> int:
    from digest.pipeline import build_brief, default_input

    date = args.date or dt.date.today()
    settings = load_brief_settings(args.config)
    built = build_brief(
        input_dir=args.input or default_input(),
        out=args.out,
        date=date,
        profile=settings.profile_for(args.profile, demo=args.input is None),
        method=args.method,
        length=args.length or settings.length,
        pages=args.pages or settings.pages or MAX_PAGES,
        base_url=settings.base_url,
    )
    ingested = built.ingested
    names = ", ".join(str(p) for p in built.files.values())
    log.info(
        "brief %s: %d article(s) read, %d skipped, %d points, %d page(s) -> %s",
        date.isoformat(),
        len(ingested.articles),
        len(ingested.skipped),
        len(built.brief.points),
        built.pages,
        names,
    )
    return EXIT_OK


def send(args: argparse.Namespace) -> int:
    from digest.pipeline import send_brief

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
        log.info(
            "send %s: already sent to %s; nothing sent (use --force to send again)",
            date.isoformat(),
            ", ".join(sent.skipped),
        )
    else:
        skipped = f"; already sent to {len(sent.skipped)}" if sent.skipped else ""
        log.info(
            "send %s: sent to %d recipient(s)%s, Message-ID %s",
            date.isoformat(),
            len(sent.sent),
            skipped,
            sent.message_id,
        )
    return EXIT_OK


def summarize(args: argparse.Namespace) -> int:
    from digest.pipeline import summarize_folder, summarize_stories

    lines: list[str] = []
    if args.stories:
        found = summarize_stories(args.dir, method=args.method, words=args.words)
        if args.json:
            lines.append(json.dumps({"stories": found}, ensure_ascii=False, indent=2))
        for n, story in enumerate(() if args.json else found, 1):
            count = len(story["articles"])
            lines.append(f"{n}. {story['headline']} ({count} article{'s' if count != 1 else ''})")
            lines += [f"   - {sentence}" for sentence in story["summary"]]
            lines.append("")
    else:
        summary = summarize_folder(args.dir, method=args.method, words=args.words)
        if args.json:
            lines.append(json.dumps({"summary": summary}, ensure_ascii=False, indent=2))
        else:
            lines += summary
    return EXIT_OK if emit("".join(f"{line}\n" for line in lines)) else EXIT_READER_GONE
