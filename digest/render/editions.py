"""Transform a Brief into its editions: print HTML (for the PDF), email HTML, text, JSON.

Jinja2 templates from `templates/` (inside the wheel: `digest/templates/`) with
autoescaping on, so article text is always shown literally; the templates read the view
of `views` through the filters of `filters`. Returns strings and writes nothing; knows
nothing of PDF engines or mail.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2

from digest.errors import RenderError
from digest.models import Article, Brief, Conflict, KeyFigure, Point, Previous, Section, Story
from digest.render.filters import (
    cite,
    cite_links,
    differ,
    direction,
    lang_attr,
    list_direction,
    short_url,
    wrap,
)
from digest.render.views import view
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
    env.filters["wrap"] = wrap
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
    return {
        "title": brief.title,
        "subtitle": brief.subtitle,
        "date": brief.date.isoformat(),
        "lead": [_point_dict(p, brief.lead) for p in brief.lead],
        "sections": [_section_dict(s, brief.lead) for s in brief.sections],
        "key_figures": [_key_figure_dict(k) for k in brief.key_figures],
        "stories": [_story_dict(s) for s in brief.stories],
        **({"previous": _previous_dict(brief.previous)} if brief.previous else {}),
        "sources": [_source_dict(a) for a in brief.sources],
        "skipped": [{"name": s.name, "reason": s.reason} for s in brief.skipped],
        "articles_read": brief.articles_read,
        "method": brief.method,
        "generated": brief.generated.isoformat(),
        "generator": f"digest {__version__}",
    }


def _point_dict(point: Point, lead: tuple[Point, ...]) -> dict[str, Any]:
    """A point, marked `in_lead` where the brief shows it at a glance."""
    entry: dict[str, Any] = {
        "text": point.text,
        "sources": list(point.sources),
        "quoted_from": point.sentence.article,
        "story": point.story,
    }
    if point.conflicts:
        entry["conflicts"] = _conflicts(point.conflicts)
    return entry | ({"in_lead": True} if point in lead else {})


def _section_dict(section: Section, lead: tuple[Point, ...]) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": section.title}
    if section.story is not None:
        entry["story"] = section.story
    return entry | {"points": [_point_dict(p, lead) for p in section.points]}


def _key_figure_dict(figure: KeyFigure) -> dict[str, Any]:
    return {
        "figure": figure.figure,
        "context": figure.context,
        "sources": list(figure.sources),
        "conflicts": _conflicts(figure.conflicts),
    }


def _story_dict(story: Story) -> dict[str, Any]:
    return {
        "n": story.n,
        "headline": story.headline,
        "sources": list(story.articles),
        "shown": story.shown,
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
