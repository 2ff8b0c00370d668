"""Transform print HTML into PDF bytes with WeasyPrint, fetching nothing from outside.

The PDF is tagged PDF/UA-1: a structure tree in reading order, XMP metadata and the
document's language (from `<html lang>`), so screen readers can navigate it. Links in
the HTML become link annotations: `#id` ones jump within the PDF.

WeasyPrint's URL fetcher is replaced by one that serves only files inside the templates
folder (the brief's stylesheet). Any other URL an article might name (http, https,
file, data) is refused and logged, never opened.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.formatting_structure import boxes
from weasyprint.urls import URLFetcher, URLFetcherResponse

from digest.errors import RenderError
from digest.models import Layout

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"


class TemplatesOnlyFetcher(URLFetcher):
    """Serve `file:` URLs inside one folder; refuse every other URL."""

    def __init__(self, root: Path) -> None:
        super().__init__(timeout=1, allowed_protocols=("file",))
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"digest fetches nothing outside its templates: {url[:200]}")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})


def _mime(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )


def html_to_pdf(html: str, *, templates: Path) -> tuple[bytes, int]:
    """Render print HTML to PDF; returns the bytes and the page count."""
    laid = lay_out(html, templates=templates)
    return laid.pdf, laid.pages


def lay_out(html: str, *, templates: Path) -> Layout:
    """Render print HTML to PDF, with its page count and how full its last page is."""
    fetcher = TemplatesOnlyFetcher(templates)
    try:
        document = HTML(
            string=html, base_url=templates.resolve().as_uri() + "/", url_fetcher=fetcher
        ).render()
        data = document.write_pdf(pdf_variant=PDF_VARIANT)
    except Exception as exc:  # WeasyPrint raises many kinds; all mean "no PDF"
        raise RenderError(f"PDF rendering failed: {exc}") from exc
    for url in fetcher.refused:
        log.warning("PDF renderer was refused %s", url[:200])
    if data is None:
        raise RenderError("PDF rendering produced no output")
    return Layout(data, len(document.pages), _fill(document.pages[-1]))


def _fill(page: object) -> float:
    """The share of the page's content area above its last line or image.

    Running heads and page numbers live in the page's margin boxes and do not count.
    WeasyPrint has no public API for a page's box tree; `_page_box` has been stable
    since its 0.x releases, and a change there costs only this estimate (then 1.0)."""
    box = getattr(page, "_page_box", None)
    if box is None or not box.height:
        return 1.0
    top = box.content_box_y()
    bottom = top
    for child in box.children:
        if isinstance(child, boxes.MarginBox):
            continue
        for found in child.descendants():
            if isinstance(found, boxes.LineBox | boxes.ReplacedBox):
                bottom = max(bottom, found.position_y + found.margin_height())
    return float(min(max((bottom - top) / box.height, 0.0), 1.0))
