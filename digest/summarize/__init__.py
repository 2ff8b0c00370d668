"""`Article`s → stories and ranked, credited points.

corpus      a story's sentences, their stems, concepts and figures
vectors     sparse rows for the story grouping
stories     a day's articles grouped into stories, unsupervised, with a headline each
refine      a grouping refined: each article moved to the story it fits best
methods     the summarization methods behind one interface, by name
coverage    the default method: the sentences that cover most concepts, block by block
solver      an integer program solved by HiGHS, standard output kept clean
selection   a ranking → the points of a brief, each fact once, credited to every source
conflicts   figures two sources report differently

Each name is imported on first use, so importing the package loads none of its modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.lazy import lazy_names

if TYPE_CHECKING:
    from digest.summarize.corpus import Corpus
    from digest.summarize.methods import DEFAULT_METHOD, METHODS, get_method
    from digest.summarize.selection import condense, rank, select, summarize

_LAZY_FROM = {
    "digest.summarize.corpus": ("Corpus",),
    "digest.summarize.methods": ("DEFAULT_METHOD", "METHODS", "get_method"),
    "digest.summarize.selection": ("condense", "rank", "select", "summarize"),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "Corpus",
    "condense",
    "get_method",
    "rank",
    "select",
    "summarize",
]
