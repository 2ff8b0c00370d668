"""Files, feeds and pages → clean `Article`s.

ingest     a folder of .txt, .md and .html files → articles (duplicates, limits)
encodings  an article's bytes → its text, whatever the encoding
cleaning   page furniture out of an article's text (photo credits, "Login", datelines)
htmltext   an HTML page → its visible text and title
text       sentences, words and stems, for every language the brief handles
fetch      HTTP on the network's terms: timeouts, sizes, private addresses refused
feeds      RSS and Atom feeds → articles, with their cache
gather     a day's sources (folder, inbox, feeds) → what is new since the last run

Each name is imported on first use, so importing the package loads none of its modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.lazy import lazy_names

if TYPE_CHECKING:
    from digest.read.feeds import fetch_feeds
    from digest.read.ingest import Ingested, parse_article, read_folder
    from digest.read.text import split_sentences

_LAZY_FROM = {
    "digest.read.feeds": ("fetch_feeds",),
    "digest.read.ingest": ("Ingested", "parse_article", "read_folder"),
    "digest.read.text": ("split_sentences",),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


__all__ = [
    "Ingested",
    "fetch_feeds",
    "parse_article",
    "read_folder",
    "split_sentences",
]
