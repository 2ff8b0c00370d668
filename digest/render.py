"""Transform a Brief into its editions: print HTML (for the PDF), email HTML, text, JSON.

Jinja2 templates from `templates/` (inside the wheel: `digest/templates/`) with
autoescaping on, so article text is always shown literally. Returns strings and writes
nothing; knows nothing of PDF engines or mail.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2

from digest import __version__
from digest.compose import MAX_CITED, OTHER_STORIES, cited_per_point
from digest.errors import RenderError
from digest.models import Article, Brief, Conflict, Point, Section

EMAIL_LIMIT_BYTES = 90 * 1024


def templates_dir() -> Path:
    """Where the templates are: inside the installed package, else the source tree."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


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
    env.filters["differ"] = differ
    env.filters["wrap"] = _wrap
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
    """Email-ready HTML: 600 px tables, every style inlined, no external resource."""
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
        "sources": [_source_dict(a) for a in brief.sources],
        "skipped": [{"name": s.name, "reason": s.reason} for s in brief.skipped],
        "articles_read": brief.articles_read,
        "method": brief.method,
        "generated": brief.generated.isoformat(),
        "generator": f"digest {__version__}",
    }


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


@dataclass(frozen=True)
class SectionView:
    title: str
    points: tuple[Point, ...]
    story: int | None  # a story's own section, titled by its headline
    opens_other: bool  # the first story after a profile's sections: "Other stories" above


@dataclass(frozen=True)
class MoreView:
    headline: str
    sources: int


def view(brief: Brief) -> dict[str, Any]:
    shown = _shown_sources(brief)
    in_shown_stories = {a for s in brief.stories if s.shown for a in s.articles}
    unshown = [s for s in brief.stories if not s.shown]
    return {
        "brief": brief,
        "date_long": brief.date.strftime("%A, %-d %B %Y"),
        "created": brief.generated.isoformat(),
        "lead": brief.lead,
        "sections": _body(brief),
        "key_figures": brief.key_figures,
        "sources": [_source_view(a) for a in brief.sources if a.index in shown],
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
    }


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
    points = len(brief.points)
    cited = len({n for p in brief.points for n in p.sources})
    if brief.articles_read > cited:
        return f"{points} points quoted from {cited} of {brief.articles_read:,} articles read"
    return f"{points} points quoted from {cited} sources"


def _source_view(article: Article) -> SourceView:
    where = article.url or (article.path.name if article.path else "")
    published = article.published.strftime("%-d %B %Y") if article.published else ""
    # A title made from the opening sentence says less than the article's own summary.
    derived = bool(article.paragraphs) and article.paragraphs[0].startswith(article.title)
    title = "" if derived and article.summary else short_title(article.title)
    summary = " ".join(article.summary)
    byline = ", ".join(part for part in (article.outlet, published) if part)
    return SourceView(article.index, title, byline, where, summary)


def _preheader(brief: Brief) -> str:
    first = brief.points[0].text if brief.points else brief.title
    return textwrap.shorten(first, 140, placeholder="…")


def cite(sources: tuple[int, ...], limit: int = MAX_CITED) -> str:
    """Source numbers as a reader cites them, unbreakable: [1, 3] or [1, 2, … +40]."""
    shown = ",\u00a0".join(str(n) for n in sources[:limit])
    more = len(sources) - limit
    return f"[{shown}\u00a0+{more}]" if more > 0 else f"[{shown}]"


def differ(conflicts: tuple[Conflict, ...]) -> str:
    """ " (sources differ: 54,000 [2], 50,000 [4])" after a cite, or "" with no conflict."""
    if not conflicts:
        return ""
    told = "; ".join(
        ", ".join(f"{f.value}\u00a0{cite(f.sources)}" for f in c.figures) for c in conflicts
    )
    return f" (sources differ: {told})"


def _shown_sources(brief: Brief) -> set[int]:
    cited = [p.sources for p in brief.points] + [k.sources for k in brief.key_figures]
    limit = cited_per_point(brief)
    differing = [p.conflicts for p in brief.points] + [k.conflicts for k in brief.key_figures]
    named = {n for found in differing for c in found for f in c.figures for n in f.sources}
    return {n for sources in cited for n in sources[:limit]} | named


def short_title(title: str, width: int = 110) -> str:
    return textwrap.shorten(title, width, placeholder=" …")


def _wrap(text: str, width: int = 72, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
