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
from weasyprint.urls import URLFetcher, URLFetcherResponse

from digest.errors import RenderError

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
    return data, len(document.pages)
