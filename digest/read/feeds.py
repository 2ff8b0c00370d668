"""Transform RSS and Atom feeds into Articles: fetch each feed, then each teaser's page.

Feeds are parsed by feedparser from bytes fetched here (feedparser never fetches). An
entry that carries its whole text becomes an article directly; an entry with only a
teaser (under `TEASER_WORDS` words) has its linked page fetched and its article text
extracted by trafilatura, which works on the bytes given and downloads nothing.

Fetching (`digest.read.fetch`): http and https only (redirects too), a timeout on each whole
request, a size cap, no page from a loopback or private address unless `allow_private`
(the feeds themselves may be on any address: the user chose them), and conditional GET
(ETag / Last-Modified). The validators are kept with the last body of each feed in a
cache folder (`state/feeds/`), so a 304 still yields that body's entries: a run killed
after fetching loses nothing. Entries whose link is in `known_urls` (already briefed) are
not fetched again.

A feed or an entry that fails (a bad link, a refused address, a timeout) is logged by URL
in one line and reported as Skipped; it never stops the other entries or feeds. This
module knows nothing of briefs, ledgers or mail.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import feedparser
import yaml

from digest.errors import IngestError
from digest.models import Article, Skipped
from digest.read.fetch import DEFAULT_TIMEOUT, Fetcher
from digest.read.htmltext import visible_text
from digest.read.ingest import DEFAULT_MAX_BYTES, Ingested, parse_article
from digest.state.output import write_atomic

log = logging.getLogger(__name__)

TEASER_WORDS = 150  # an entry shorter than this is a teaser: its page is fetched


# --- the conditional-GET cache ----------------------------------------------------------


@dataclass(frozen=True)
class FeedCache:
    """Per feed URL: its last body and the validators (ETag, Last-Modified) that came with it."""

    folder: Path

    def fetch(self, url: str, fetcher: Fetcher, *, keep: bool = True) -> bytes:
        """The feed's current body: fetched, or the cached one when the server says 304.

        `keep=False` leaves the cache as it is (`digest check`)."""
        key = hashlib.sha256(url.encode()).hexdigest()[:24]
        body_path, meta_path = self.folder / f"{key}.xml", self.folder / f"{key}.json"
        meta = self._meta(meta_path) if body_path.is_file() else {}
        headers = {name: meta[field] for name, field in _VALIDATORS if meta.get(field)}
        response = fetcher.get(url, headers, trusted=True)
        if response.status == 304:
            log.info("feed %s: not modified since the last run", url)
            return body_path.read_bytes()
        if keep:
            write_atomic(body_path, response.body)
            kept = {field: response.headers.get(answer, "") for answer, field in _ANSWERS}
            write_atomic(meta_path, json.dumps({"url": url, **kept}))
        return response.body

    @staticmethod
    def _meta(path: Path) -> dict[str, str]:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


_VALIDATORS = (("If-None-Match", "etag"), ("If-Modified-Since", "last_modified"))
_ANSWERS = (("etag", "etag"), ("last-modified", "last_modified"))


# --- feeds → articles -------------------------------------------------------------------


def fetch_feeds(
    urls: Sequence[str],
    *,
    cache: Path,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    known_urls: Collection[str] = frozenset(),
    allow_private: bool = False,
) -> Ingested:
    """Every entry of every feed as an Article, in feed order; failures become Skipped.

    `allow_private`: also fetch teasers' pages from loopback and private addresses."""
    fetcher, store = Fetcher(timeout, max_bytes, allow_private), FeedCache(cache)
    articles: list[Article] = []
    skipped: list[Skipped] = []
    unread: list[str] = []
    for url in urls:
        try:
            parsed = parse_feed(url, store.fetch(url, fetcher))
        except IngestError as exc:
            skipped.append(_skip(url, str(exc)))
            unread.append(url)
            continue
        read, failed = _feed_entries(url, parsed, fetcher=fetcher, known_urls=known_urls)
        for article in read:
            articles.append(replace(article, index=len(articles) + 1))
        skipped.extend(failed)
    entries = "entry" if len(articles) == 1 else "entries"
    log.info("feeds: %d %s read from %d feed(s)", len(articles), entries, len(urls))
    return Ingested(tuple(articles), tuple(skipped), tuple(unread))


def _feed_entries(
    url: str, parsed: Any, *, fetcher: Fetcher, known_urls: Collection[str]
) -> tuple[list[Article], list[Skipped]]:
    """One parsed feed's entries: the articles read, in feed order and not yet numbered,
    and the entries that failed."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    outlet = parsed.feed.get("title") or urllib.parse.urlsplit(url).hostname
    for number, entry in enumerate(parsed.entries, 1):
        name = entry.get("link") or f"{url} (entry {number})"
        try:
            article = _entry_article(
                entry, name=name, outlet=outlet, fetcher=fetcher, known_urls=known_urls
            )
        except IngestError as exc:
            skipped.append(_skip(name, str(exc)))
            continue
        except Exception as exc:
            # Hostile entries reach parsers we do not own (feedparser, trafilatura):
            # whatever one of them raises costs that entry, never the brief.
            log.debug("%s: unexpected failure", name, exc_info=True)
            skipped.append(_skip(name, f"cannot be read ({type(exc).__name__}: {exc})"))
            continue
        if article is not None:
            articles.append(article)
    return articles, skipped


def _skip(name: str, reason: str) -> Skipped:
    reason = reason.removeprefix(f"{name}: ")
    log.warning("skipped %s: %s", _one_line(name), _one_line(reason))
    return Skipped(name, reason)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """`text` with control characters escaped, so a hostile URL cannot forge log lines."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def parse_feed(url: str, body: bytes) -> Any:
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no entries"
        raise IngestError(f"{url}: not an RSS or Atom feed ({reason})")
    return parsed


def _entry_article(
    entry: Any, *, name: str, outlet: str | None, fetcher: Fetcher, known_urls: Collection[str]
) -> Article | None:
    link = entry.get("link")
    if link and link in known_urls:
        log.debug("%s: already briefed; not fetched again", link)
        return None
    body = _entry_html(entry)
    html = True  # the entry's own content: a fragment that holds only the article
    if len(" ".join(visible_text(body).blocks).split()) < TEASER_WORDS:
        if not link:
            raise IngestError(f"{name}: only a teaser, and no link to the whole article")
        body, html = page_text(link, fetcher), False
    meta = {
        "title": entry.get("title"),
        "url": link,
        "outlet": outlet,
        "published": _published(entry),
    }
    front = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True)
    data = f"---\n{front}---\n{body}".encode()
    return parse_article(data, name=name, html=html, fragment=html)


def _entry_html(entry: Any) -> str:
    """The entry's fullest text: its content (Atom content, content:encoded), else summary."""
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    return max(contents, key=len) if contents else str(entry.get("summary", ""))


def _published(entry: Any) -> str | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    if not moment:
        return None
    return time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm(moment)))


def page_text(url: str, fetcher: Fetcher) -> str:
    """Fetch an article page and extract its text with trafilatura (nothing else fetched)."""
    import trafilatura  # imported here: only runs that read feeds pay for it

    response = fetcher.get(url)
    kind = response.headers.get("content-type", "text/html").split(";")[0].strip().lower()
    if kind not in ("text/html", "application/xhtml+xml"):
        raise IngestError(f"{url}: the linked page is {kind}, not an HTML article")
    text = trafilatura.extract(
        response.body,
        url=response.url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=True,
        favor_precision=True,
    )
    if not text or not text.strip():
        raise IngestError(f"{url}: no article text found on the linked page")
    return str(text)
