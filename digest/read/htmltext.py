"""Transform an HTML page into the text blocks of its article and its metadata.

The article's text is found by trafilatura, which tells the article from what surrounds
it (cookie banners, subscribe prompts, newsletter promos, related-story teasers) even on
a page without <article>. It works on the markup given and downloads nothing; images,
links, tables and comments are left out. Headings come out marked "## " (the cleaner
drops them) and the first <h1> is the title. Metadata (title, outlet, URL, date) comes
from the page's <meta> tags, read with the standard library. Only text leaves this
module: no URL in the page is ever fetched, and markup written as text (&lt;b&gt;) stays
text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

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
    page = visible_text(markup)
    blocks = _article_blocks(markup)
    if blocks and blocks[0][0] == "h1":
        page.meta["title"] = page.meta.get("title") or blocks[0][1]
        blocks = blocks[1:]
    page.blocks = [_marked(kind, text) for kind, text in blocks]
    return page


def visible_text(markup: str) -> Page:
    """The page's visible text blocks, boilerplate and all, and its metadata (standard
    library only: cheap enough to measure a feed entry's length)."""
    parser = _Extractor()
    parser.feed(markup)
    return parser.finish()


def _article_blocks(markup: str) -> list[tuple[str, str]]:
    """(kind, text) of each block trafilatura finds in the article: h1-h6, p or li."""
    import trafilatura  # imported here: only HTML articles pay for it
    from lxml import etree

    found = trafilatura.extract(
        markup,
        output_format="xml",
        fast=True,  # its own extractor only: the fallbacks put boilerplate back
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        with_metadata=False,
        config=_config(),
    )
    if not found:
        return []
    root = etree.fromstring(found.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    main = root.find("main")
    blocks: list[tuple[str, str]] = []
    for element in main.iter("head", "p", "item") if main is not None else ():
        text = " ".join("".join(element.itertext()).split())
        if not text:
            continue
        kind = {"p": "p", "item": "li"}.get(element.tag) or str(element.get("rend") or "h2")
        blocks.append((kind, text))
    return blocks


@lru_cache(maxsize=1)
def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    # A short article is still an article: no minimum size, so no fallback extractor.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # its timeout uses signals: not here
    return config


def _marked(kind: str, text: str) -> str:
    if kind in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return "## " + text  # a subheading: the cleaner drops it
    return "- " + text if kind == "li" else text
