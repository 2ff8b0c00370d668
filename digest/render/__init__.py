"""A `Brief` → the bytes of its editions; the archive page and feed.

editions        the Jinja2 templates → print HTML, email HTML, text and JSON
views           a Brief → what its templates read: sections, cited sources, tally, links
filters         the templates' filters: citations, text direction and language, wrapping
pdf             print HTML → PDF with WeasyPrint, fetching nothing but the templates
layout_process  the PDF laid out in a process of its own, beside the summarizer
archive         the briefs' JSON in a folder → index.html and feed.xml (pipeline writes them)

Each name is imported on first use, so importing the package loads none of its modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.lazy import lazy_names

if TYPE_CHECKING:
    from digest.render.editions import (
        EMAIL_LIMIT_BYTES,
        render_email_html,
        render_json,
        render_print_html,
        render_text,
        templates_dir,
    )
    from digest.render.pdf import html_to_pdf

_LAZY_FROM = {
    "digest.render.editions": (
        "EMAIL_LIMIT_BYTES",
        "render_email_html",
        "render_json",
        "render_print_html",
        "render_text",
        "templates_dir",
    ),
    "digest.render.pdf": ("html_to_pdf",),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


__all__ = [
    "EMAIL_LIMIT_BYTES",
    "html_to_pdf",
    "render_email_html",
    "render_json",
    "render_print_html",
    "render_text",
    "templates_dir",
]
