"""Transform an HTML page into the text blocks of its article and its metadata.

Only text leaves this module: scripts, styles, frames, objects, images, forms and links
are dropped, and no URL in the page is ever fetched. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_SKIP = frozenset(
    """script style noscript template iframe frame frameset object embed applet svg math
    canvas video audio picture img figure figcaption form button select textarea input
    nav header footer aside menu dialog head""".split()
)
_BLOCK = frozenset(
    """p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 br hr article section main blockquote pre
    tr td th table caption address""".split()
)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_META_KEYS = {
    "og:title": "title",
    "twitter:title": "title",
    "og:site_name": "outlet",
    "og:url": "url",
    "article:published_time": "published",
    "date": "published",
    "pubdate": "published",
}


@dataclass
class Page:
    blocks: list[str] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.article_blocks: list[str] = []
        self._skip_depth = 0
        self._article_depth = 0
        self._buffer: list[str] = []
        self._tag_stack: list[str] = []
        self._title: list[str] = []
        self._in_title = False
        self._h1: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(dict(attrs))
            return
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag in _BLOCK:
                self._flush()
            return
        self._tag_stack.append(tag)
        if tag in _SKIP:
            self._skip_depth += 1
        if tag == "article":
            self._article_depth += 1
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag not in self._tag_stack:
            return
        while self._tag_stack:
            open_tag = self._tag_stack.pop()
            if open_tag in _BLOCK:
                self._flush(open_tag)
            if open_tag in _SKIP:
                self._skip_depth -= 1
            if open_tag == "article":
                self._article_depth -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        if self._skip_depth == 0:
            self._buffer.append(data)

    def _meta(self, attrs: dict[str, str | None]) -> None:
        key = (attrs.get("property") or attrs.get("name") or "").lower()
        content = attrs.get("content")
        if key in _META_KEYS and content and _META_KEYS[key] not in self.page.meta:
            self.page.meta[_META_KEYS[key]] = content

    def _flush(self, closing: str | None = None) -> None:
        text = " ".join("".join(self._buffer).split())
        self._buffer = []
        if not text:
            return
        if closing == "h1" and self._h1 is None:
            self._h1 = text
            return
        if closing in ("h2", "h3", "h4", "h5", "h6"):
            text = "## " + text  # a subheading: the cleaner drops it
        elif closing == "li":
            text = "- " + text
        self.page.blocks.append(text)
        if self._article_depth > 0:
            self.article_blocks.append(text)

    def finish(self) -> Page:
        self.close()
        self._flush()
        if self.article_blocks:
            self.page.blocks = self.article_blocks
        title = self._h1 or " ".join("".join(self._title).split())
        if title:
            self.page.meta.setdefault("title", title)
        return self.page


def extract_html(markup: str) -> Page:
    """Article text blocks (one per line) and metadata of an HTML page."""
    parser = _Extractor()
    parser.feed(markup)
    return parser.finish()
