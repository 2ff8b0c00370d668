"""Transform a Brief into the view its templates read: sections, sources, tallies, links.

What the printed editions show beyond the Brief itself: the sections without the points
already at a glance, the sources the page cites (their summaries without what the page
already prints), the stories left unshown, a tally and a preheader. Plain data; knows no
template engine and no edition's format.
"""

from __future__ import annotations

import re
import textwrap
import urllib.parse
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from digest.compose.sections import OTHER_STORIES, cited_per_point
from digest.models import Article, Brief, Point, Previous
from digest.read.ingest import shown_name
from digest.render.filters import short_title
from digest.version import __version__


@dataclass(frozen=True)
class SourceView:
    n: int
    title: str
    byline: str  # "outlet, 1 July 2024", or what of it is known
    where: str
    summary: str
    url: str | None  # an http(s) address a reader can click; other schemes stay text

    @property
    def anchor(self) -> str:
        """The id of its entry in the print edition's source list."""
        return f"source-{self.n}"


@dataclass(frozen=True)
class SectionView:
    title: str
    points: tuple[Point, ...]
    story: int | None  # a story's own section, titled by its headline
    opens_other: bool  # the first story after a profile's sections: "Other stories" above


@dataclass(frozen=True)
class PreviousView:
    text: str  # "New since the brief of 28 July 2024"
    html: str  # link to its HTML edition, for the email (relative unless [brief] base_url)
    pdf: str | None  # link to its PDF, for the PDF: only an absolute URL works there


@dataclass(frozen=True)
class MoreView:
    headline: str
    sources: int


def view(brief: Brief) -> dict[str, Any]:
    """What the templates read of `brief`: its names, and what the page derives from it."""
    shown = _shown_sources(brief)
    in_shown_stories = {a for s in brief.stories if s.shown for a in s.articles}
    if not brief.stories:  # a brief made without grouping: all its sources are one story
        in_shown_stories = {a.index for a in brief.sources}
    unshown = [s for s in brief.stories if not s.shown]
    # What the page already says: the points, and the headlines it prints (a story's
    # headline is one of its sentences, and its sources' summaries would repeat it).
    quoted = {p.text for p in brief.points} | {
        s.headline for s in [*(s for s in brief.stories if s.shown), *unshown[: brief.listed]]
    }
    sources = [_source_view(a, quoted) for a in brief.sources if a.index in shown]
    return {
        "brief": brief,
        "date_long": brief.date.strftime("%A, %-d %B %Y"),
        "created": brief.generated.isoformat(),
        "lead": brief.lead,
        "sections": _body(brief),
        "key_figures": brief.key_figures,
        "sources": sources,
        # Where a citation number leads: its entry in the PDF's source list; in the email,
        # the article itself (Gmail for iOS and Outlook's apps ignore links within a message).
        "entries": {s.n: f"#{s.anchor}" for s in sources},
        "articles": {s.n: s.url for s in sources if s.url},
        "unlisted": len(in_shown_stories - shown),
        "more": [MoreView(s.headline, len(s.articles)) for s in unshown[: brief.listed]],
        "more_unlisted": len(unshown) - brief.listed,
        "other_stories": OTHER_STORIES,
        "cited": cited_per_point(brief),
        "brief_has_profile": any(s.story is None for s in brief.sections),
        "skipped": brief.skipped,
        "points": len(brief.points),
        "version": __version__,
        "preheader": _preheader(brief),
        "tally": _tally(brief),
        "previous": _previous_view(brief.previous),
    }


def _shown_sources(brief: Brief) -> set[int]:
    cited = [p.sources for p in brief.points] + [k.sources for k in brief.key_figures]
    limit = cited_per_point(brief)
    differing = [p.conflicts for p in brief.points] + [k.conflicts for k in brief.key_figures]
    named = {n for found in differing for c in found for f in c.figures for n in f.sources}
    return {n for sources in cited for n in sources[:limit]} | named


def _previous_view(previous: Previous | None) -> PreviousView | None:
    if previous is None:
        return None
    absolute = urllib.parse.urlsplit(previous.pdf).scheme in ("http", "https")
    text = f"New since the brief of {previous.date:%-d %B %Y}"
    return PreviousView(text, previous.html, previous.pdf if absolute else None)


def _body(brief: Brief) -> list[SectionView]:
    """Sections without the points already shown at a glance (empty ones dropped).

    Where a profile's sections come first, the first story of its own after them opens
    under an "Other stories" heading."""
    profiled = any(s.story is None for s in brief.sections)
    body, opened = [], False
    for s in brief.sections:
        points = tuple(p for p in s.points if p not in brief.lead)
        if not points:
            continue
        opens = profiled and s.story is not None and not opened
        opened = opened or opens
        body.append(SectionView(s.title, points, s.story, opens))
    return body


def _tally(brief: Brief) -> str:
    """ "16 points quoted from 5 sources", or "… from 12 of 5,000 articles read"."""
    points = _counted(len(brief.points), "point")
    cited = len({n for p in brief.points for n in p.sources})
    if brief.articles_read > cited:
        read = _counted(brief.articles_read, "article")
        return f"{points} quoted from {cited:,} of {read} read"
    return f"{points} quoted from {_counted(cited, 'source')}"


def _counted(n: int, noun: str) -> str:
    """ "1 point", "16 points", "5,000 articles"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _source_view(article: Article, quoted: set[str]) -> SourceView:
    """A printed source entry. Its summary leaves out what the brief already prints as a
    point or a headline (the JSON edition keeps the whole summary)."""
    published = article.published.strftime("%-d %B %Y") if article.published else ""
    # A title made from the opening sentence says less than the article's own summary.
    derived = bool(article.paragraphs) and article.paragraphs[0].startswith(article.title)
    # A file name only where the article has no title of its own to find it by.
    # A file name comes from whoever named the file: a control character (an ESC that
    # would colour the terminal showing the text edition) is shown escaped, "\x1b", as
    # the log and the list of files not briefed show it.
    where = article.url or (shown_name(article.path.name) if article.path and derived else "")
    summary = " ".join(sentence for sentence in article.summary if sentence not in quoted)
    title = "" if derived and summary else short_title(article.title)
    byline = ", ".join(part for part in (article.outlet, published) if part)
    return SourceView(article.index, title, byline, where, summary, _link(article.url))


# Characters no URL holds as written (RFC 3986 has them percent-encoded), and that
# end a URL in running text: a "URL" with a space, a quote or an angle bracket in it
# is text, not a link to offer a reader. ("|", "^" and braces, also unsafe, occur in
# real tracking links, and browsers encode them: those stay links.)
_NOT_IN_URL = re.compile(r"[\s<>\"`\x00-\x1f\x7f]")


def _link(url: str | None) -> str | None:
    """The URL if a reader may click it: http or https with a host, nothing else."""
    if not url or _NOT_IN_URL.search(url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _preheader(brief: Brief) -> str:
    first = brief.points[0].text if brief.points else brief.title
    return textwrap.shorten(first, 140, placeholder="…")
