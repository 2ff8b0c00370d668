"""The library entry points: build a brief, publish it, run a day — the only writer of out/.

build    articles in a folder → the brief's four files in out/
publish  the brief's files → one email per date, recorded in the delivery ledger
daily    one daily run (gather what is new, brief, send, record) and the daemon
"""

from digest.pipeline.build import (
    CEILING_WORDS,
    EDITIONS,
    MAX_PAGES,
    TARGET_WORDS,
    Built,
    brief_paths,
    build_brief,
    build_from_articles,
    default_input,
    summarize_folder,
    summarize_stories,
)
from digest.pipeline.daily import ALREADY, RUN_LOCK, Ran, describe, run_once, serve
from digest.pipeline.publish import Sent, send_brief

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
