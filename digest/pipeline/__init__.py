"""The library entry points: build a brief, publish it, run a day — the only writer of out/.

build         articles in a folder → the brief's four files in out/
day           a day's articles → its stories and their points, for a page plan
publish       the brief's files → one email per date, recorded in the delivery ledger
daily         one daily run: gather what is new, brief, send, record
run_brief     the daily run's brief: resumed, or built from what is new, and recorded
run_outcome   what a daily run did (`Ran`)
daemon        the daily run every day at a set time, until stopped
schedule      when the daily job runs: every day at HH:MM in a time zone, catching up
summaries     articles in a folder → their summary, printed (`digest summarize`)
archiving     out/'s briefs → its index.html and feed.xml, rebuilt after every brief
workers       one function run in fresh processes while the caller goes on
article_work  each article → its flagged sentences and its own summary

Each name is imported on first use, so a command loads only the stage it runs:
`digest summarize` none of Jinja2, WeasyPrint, feedparser or feedgen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.lazy import lazy_names

if TYPE_CHECKING:
    from digest.pipeline.build import (
        EDITIONS,
        MAX_PAGES,
        Built,
        brief_paths,
        build_brief,
        build_from_articles,
        default_input,
    )
    from digest.pipeline.daemon import serve
    from digest.pipeline.daily import ALREADY, RUN_LOCK, describe, run_once
    from digest.pipeline.day import CEILING_WORDS, TARGET_WORDS
    from digest.pipeline.publish import Sent, send_brief
    from digest.pipeline.run_outcome import Ran
    from digest.pipeline.summaries import summarize_folder, summarize_stories

_LAZY_FROM = {
    "digest.pipeline.build": (
        "EDITIONS",
        "MAX_PAGES",
        "Built",
        "brief_paths",
        "build_brief",
        "build_from_articles",
        "default_input",
    ),
    "digest.pipeline.daemon": ("serve",),
    "digest.pipeline.daily": ("ALREADY", "RUN_LOCK", "describe", "run_once"),
    "digest.pipeline.day": ("CEILING_WORDS", "TARGET_WORDS"),
    "digest.pipeline.publish": ("Sent", "send_brief"),
    "digest.pipeline.run_outcome": ("Ran",),
    "digest.pipeline.summaries": ("summarize_folder", "summarize_stories"),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


__all__ = [
    "ALREADY",
    "CEILING_WORDS",
    "EDITIONS",
    "MAX_PAGES",
    "RUN_LOCK",
    "TARGET_WORDS",
    "Built",
    "Ran",
    "Sent",
    "brief_paths",
    "build_brief",
    "build_from_articles",
    "default_input",
    "describe",
    "run_once",
    "send_brief",
    "serve",
    "summarize_folder",
    "summarize_stories",
]
