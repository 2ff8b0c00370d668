"""Transform a Brief into its editions: print HTML (for the PDF), email HTML, text, JSON.

Jinja2 templates from `templates/` (inside the wheel: `digest/templates/`) with
autoescaping on, so article text is always shown literally. Returns strings and writes
nothing; knows nothing of PDF engines or mail.
"""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import css_inline
import jinja2
from markupsafe import Markup

from digest.compose.sections import MAX_CITED, OTHER_STORIES, cited_per_point
from digest.errors import RenderError
from digest.models import Article, Brief, Conflict, Point, Previous, Section
from digest.read.ingest import shown_name
from digest.version import __version__

EMAIL_LIMIT_BYTES = 90 * 1024


def templates_dir() -> Path:
    """Where the templates are: inside the installed package, else the source tree."""
    package = Path(__file__).resolve().parent.parent  # digest/, installed or in the checkout
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cite"] = cite
    env.filters["cite_links"] = cite_links
    env.filters["differ"] = differ
    env.filters["wrap"] = _wrap
    env.filters["short_url"] = short_url
    env.filters["direction"] = direction
    env.filters["list_direction"] = list_direction
    env.filters["lang_attr"] = lang_attr
    return env


def _render(name: str, brief: Brief) -> str:
    try:
        return _environment().get_template(name).render(**view(brief))
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc


def render_print_html(brief: Brief) -> str:
    """HTML for WeasyPrint: links `print.css` from the templates folder."""
    return _render("brief.html.j2", brief)


def render_email_html(brief: Brief) -> str:
    """Email-ready HTML: 600 px tables, every style inlined, no external resource.

    The one `<style data-css-inline="keep">` block (the dark-mode colours) stays in the
    head: a media query cannot be inlined."""
    html = _render("email.html.j2", brief)
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    try:
        inlined = inliner.inline(html)
    except (ValueError, css_inline.InlineError) as exc:
        raise RenderError(f"email HTML: cannot inline CSS ({exc})") from exc
    size = len(inlined.encode("utf-8"))
    if size > EMAIL_LIMIT_BYTES:
        raise RenderError(
            f"email HTML is {size // 1024} KB, over the {EMAIL_LIMIT_BYTES // 1024} KB that "
            "mail clients display without clipping; use --length to brief fewer points"
        )
    return inlined


def render_text(brief: Brief) -> str:
    """The plain-text edition (also the email's text part), wrapped at 72 columns."""
    return _render("brief.txt.j2", brief)


def _conflicts(found: tuple[Conflict, ...]) -> list[dict[str, Any]]:
    return [
        {
            "about": c.about,
            "figures": [{"value": f.value, "sources": list(f.sources)} for f in c.figures],
        }
        for c in found
    ]


def render_json(brief: Brief) -> str:
    return json.dumps(brief_dict(brief), ensure_ascii=False, indent=2) + "\n"


def brief_dict(brief: Brief) -> dict[str, Any]:
    """The brief as plain data; the JSON edition's schema."""

    def point(p: Point) -> dict[str, Any]:
        entry = {
            "text": p.text,
            "sources": list(p.sources),
            "quoted_from": p.sentence.article,
            "story": p.story,
        }
        if p.conflicts:
            entry["conflicts"] = _conflicts(p.conflicts)
        return entry | ({"in_lead": True} if p in brief.lead else {})

    def section(s: Section) -> dict[str, Any]:
        entry: dict[str, Any] = {"title": s.title}
        if s.story is not None:
            entry["story"] = s.story
        return entry | {"points": [point(p) for p in s.points]}

    return {
        "title": brief.title,
        "subtitle": brief.subtitle,
        "date": brief.date.isoformat(),
        "lead": [point(p) for p in brief.lead],
        "sections": [section(s) for s in brief.sections],
        "key_figures": [
            {
                "figure": k.figure,
                "context": k.context,
                "sources": list(k.sources),
                "conflicts": _conflicts(k.conflicts),
            }
            for k in brief.key_figures
        ],
        "stories": [
            {"n": s.n, "headline": s.headline, "sources": list(s.articles), "shown": s.shown}
            for s in brief.stories
        ],
        **({"previous": _previous_dict(brief.previous)} if brief.previous else {}),
        "sources": [_source_dict(a) for a in brief.sources],
        "skipped": [{"name": s.name, "reason": s.reason} for s in brief.skipped],
        "articles_read": brief.articles_read,
        "method": brief.method,
        "generated": brief.generated.isoformat(),
        "generator": f"digest {__version__}",
    }


def _previous_dict(previous: Previous) -> dict[str, str]:
    return {"date": previous.date.isoformat(), "html": previous.html, "pdf": previous.pdf}


def _source_dict(article: Article) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "n": article.index,
        "title": article.title,
        "outlet": article.outlet,
        "story": article.story,
        "summary": list(article.summary),
    }
    if article.url:
        entry["url"] = article.url
    if article.path is not None:
        entry["path"] = str(article.path)
    if article.published:
        entry["published"] = article.published.isoformat()
    entry["encoding"] = article.encoding
    return entry


# The view the templates see ----------------------------------------------------------


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


def cite(sources: tuple[int, ...], limit: int = MAX_CITED) -> str:
    """Source numbers as a reader cites them: [1, 3] or [1, 2, 3, 4, 5, 6 +40]."""
    shown = ", ".join(str(n) for n in sources[:limit])
    more = len(sources) - limit
    return f"[{shown} +{more}]" if more > 0 else f"[{shown}]"


def cite_links(sources: tuple[int, ...], limit: int, targets: dict[int, str]) -> Markup:
    """The citation in HTML, unbreakable, each number a link where `targets` has one."""

    def number(n: int) -> Markup:
        href = targets.get(n)
        if href is None:
            return Markup(n)
        return Markup('<a class="cite-link" href="{}">{}</a>').format(href, n)

    shown = Markup(",&nbsp;").join(number(n) for n in sources[:limit])
    more = len(sources) - limit
    tail = Markup("&nbsp;+{}").format(more) if more > 0 else Markup("")
    return Markup("[") + shown + tail + Markup("]")


def differ(conflicts: tuple[Conflict, ...]) -> str:
    """ " (sources differ: 54,000 [2], 50,000 [4])" after a cite, or "" with no conflict."""
    if not conflicts:
        return ""
    told = "; ".join(
        ", ".join(f"{f.value} {cite(f.sources)}" for f in c.figures) for c in conflicts
    )
    return f" (sources differ: {told})"


def _shown_sources(brief: Brief) -> set[int]:
    cited = [p.sources for p in brief.points] + [k.sources for k in brief.key_figures]
    limit = cited_per_point(brief)
    differing = [p.conflicts for p in brief.points] + [k.conflicts for k in brief.key_figures]
    named = {n for found in differing for c in found for f in c.figures for n in f.sources}
    return {n for sources in cited for n in sources[:limit]} | named


def direction(text: str) -> str:
    """'rtl' or 'ltr' for a `dir` attribute: the direction of the text's first strongly
    directional character, as HTML's dir="auto" decides (which WeasyPrint does not)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


# Scripts that name their language (Han alone is most often Chinese; Arabic, Cyrillic
# and Latin script are written in many languages, so they name none).
_SCRIPT_LANGUAGE = (
    (("HIRAGANA", "KATAKANA"), "ja"),
    (("HANGUL",), "ko"),
    (("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"), "zh"),
    (("GREEK",), "el"),
    (("HEBREW",), "he"),
    (("THAI",), "th"),
)


def language(text: str) -> str | None:
    """The language a text's script names (kana: 'ja', Hangul: 'ko', Han alone: 'zh'),
    or None when its script names none: the chrome's English then stands."""
    names = [unicodedata.name(ch, "") for ch in text if ch.isalpha()]
    for prefixes, code in _SCRIPT_LANGUAGE:
        if any(n.startswith(prefixes) for n in names):
            return code
    return None


def lang_attr(text: str) -> Markup:
    """A ` lang="…"` attribute for an element quoting `text`, or nothing: browsers
    choose Japanese, Chinese or Korean glyphs and voices by it."""
    code = language(text or "")
    return Markup(f' lang="{code}"') if code else Markup("")


def list_direction(texts: Iterable[str | None]) -> str:
    """A list's `dir`: 'rtl' when most of its items read right to left, so its bullets or
    numbers and its indent sit on their side (WeasyPrint puts them on the list's)."""
    found = [direction(t) for t in texts if t]
    return "rtl" if found and found.count("rtl") * 2 > len(found) else "ltr"


def short_url(url: str, width: int = 60) -> str:
    """An address as the email shows it: no scheme, cut to fit; long ones cannot wrap
    there (caniemail: word-break is unsupported in Outlook), the link keeps it whole."""
    shown = url.split("://", 1)[-1].removeprefix("www.")
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def short_title(title: str, width: int = 110) -> str:
    return textwrap.shorten(title, width, placeholder=" …")


# Joins a citation to the last word while wrapping (textwrap breaks only at whitespace),
# then becomes a plain space: the text part carries no non-breaking spaces.
_GLUE = "\ue000"


def _wrap(
    text: str, width: int = 72, indent: str = "", first: str | None = None, citation: str = ""
) -> str:
    """Fill a paragraph; a `citation` stays whole and never starts a line of its own."""
    if citation:
        text = f"{text}{_GLUE}{citation.replace(' ', _GLUE)}"
    filled = textwrap.fill(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return filled.replace(_GLUE, " ")
