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
from digest.errors import RenderError
from digest.models import Article, Brief, Point, Section

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


def render_json(brief: Brief) -> str:
    return json.dumps(brief_dict(brief), ensure_ascii=False, indent=2) + "\n"


def brief_dict(brief: Brief) -> dict[str, Any]:
    """The brief as plain data; the JSON edition's schema."""

    def point(p: Point) -> dict[str, Any]:
        entry = {"text": p.text, "sources": list(p.sources), "quoted_from": p.sentence.article}
        return entry | ({"in_lead": True} if p in brief.lead else {})

    return {
        "title": brief.title,
        "subtitle": brief.subtitle,
        "date": brief.date.isoformat(),
        "lead": [point(p) for p in brief.lead],
        "sections": [
            {"title": s.title, "points": [point(p) for p in s.points]} for s in brief.sections
        ],
        "key_figures": [
            {"figure": k.figure, "context": k.context, "sources": list(k.sources)}
            for k in brief.key_figures
        ],
        "sources": [_source_dict(a) for a in brief.sources],
        "skipped": [{"name": s.name, "reason": s.reason} for s in brief.skipped],
        "articles_read": brief.articles_read,
        "method": brief.method,
        "generated": brief.generated.isoformat(),
        "generator": f"digest {__version__}",
    }


def _source_dict(article: Article) -> dict[str, Any]:
    entry: dict[str, Any] = {"n": article.index, "title": article.title, "outlet": article.outlet}
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
    outlet: str
    where: str
    published: str


def view(brief: Brief) -> dict[str, Any]:
    shown = _shown_sources(brief)
    return {
        "brief": brief,
        "date_long": brief.date.strftime("%A, %-d %B %Y"),
        "created": brief.generated.isoformat(),
        "lead": brief.lead,
        "sections": _body(brief),
        "key_figures": brief.key_figures,
        "sources": [_source_view(a) for a in brief.sources if a.index in shown],
        "unlisted": len(brief.sources) - len(shown),
        "skipped": brief.skipped,
        "points": len(brief.points),
        "version": __version__,
        "preheader": _preheader(brief),
        "tally": _tally(brief),
    }


def _body(brief: Brief) -> list[Section]:
    """Sections without the points already shown at a glance (empty ones dropped)."""
    body = [
        Section(s.title, tuple(p for p in s.points if p not in brief.lead)) for s in brief.sections
    ]
    return [s for s in body if s.points]


def _tally(brief: Brief) -> str:
    """ "16 points quoted from 5 sources", or "… from 12 of 5,000 articles read"."""
    points, cited = len(brief.points), len(brief.sources)
    if brief.articles_read > cited:
        return f"{points} points quoted from {cited} of {brief.articles_read:,} articles read"
    return f"{points} points quoted from {cited} sources"


def _source_view(article: Article) -> SourceView:
    where = article.url or (article.path.name if article.path else "")
    published = article.published.strftime("%-d %B %Y") if article.published else ""
    title = short_title(article.title)
    return SourceView(article.index, title, article.outlet or "outlet unknown", where, published)


def _preheader(brief: Brief) -> str:
    first = brief.points[0].text if brief.points else brief.title
    return textwrap.shorten(first, 140, placeholder="…")


MAX_CITED = 6  # numbers shown per point; the JSON edition keeps every source


def cite(sources: tuple[int, ...]) -> str:
    """Source numbers as a reader cites them, unbreakable: [1, 3] or [1, 2, … +40]."""
    shown = ",\u00a0".join(str(n) for n in sources[:MAX_CITED])
    more = len(sources) - MAX_CITED
    return f"[{shown}\u00a0+{more}]" if more > 0 else f"[{shown}]"


def _shown_sources(brief: Brief) -> set[int]:
    cited = [p.sources for p in brief.points] + [k.sources for k in brief.key_figures]
    return {n for sources in cited for n in sources[:MAX_CITED]}


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
