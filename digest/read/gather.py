"""Transform a daily run's sources — RSS/Atom feeds and an inbox folder — into new Articles.

New means not briefed on another date: an article whose content hash or URL is in `Seen`
(the run ledger's record of the briefs sent, see `digest.state.run_ledger`) is left out, and an
article met twice (in two feeds, or in a feed and the inbox) is kept once. Writes only the
feeds' conditional-GET cache; knows nothing of summaries, briefs or mail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from digest.config import SourceSettings
from digest.errors import IngestError
from digest.models import Article
from digest.read.feeds import fetch_feeds
from digest.read.ingest import Ingested, read_folder
from digest.state.run_ledger import Seen

log = logging.getLogger(__name__)


def gather(
    sources: SourceSettings,
    *,
    cache: Path,
    seen: Seen | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> Ingested:
    """The feeds' new entries, then the inbox's new files, numbered from 1.

    `on_stage` is told "fetching" once the feeds are read. A feed or a file that cannot be
    used is in `skipped`; an inbox that is not a folder is an IngestError, and so is a
    run whose every source is a feed that could not be read (an outage: nothing new is
    not known then, and the run must be tried again)."""
    seen = seen or Seen()
    parts: list[Ingested] = []
    if sources.feeds:
        feeds = _read_feeds(sources, cache=cache, seen=seen)
        parts.append(feeds)
    if on_stage is not None:
        on_stage("fetching")
    if sources.inbox is not None:
        parts.append(read_folder(sources.inbox))
    gathered = Ingested(
        tuple(a for p in parts for a in p.articles), tuple(s for p in parts for s in p.skipped)
    )
    return fresh(gathered, seen)


def _read_feeds(sources: SourceSettings, *, cache: Path, seen: Seen) -> Ingested:
    """The feeds' entries; an IngestError when the feeds are the only source and not one
    of them could be read."""
    feeds = fetch_feeds(
        sources.feeds,
        cache=cache,
        timeout=sources.timeout,
        known_urls=seen.urls,
        allow_private=sources.allow_private,
    )
    if sources.inbox is None and len(feeds.unread) == len(sources.feeds):
        first = next(s for s in feeds.skipped if s.name == feeds.unread[0])
        more = len(feeds.unread) - 1
        raise IngestError(
            f"no feed could be read: {first.name}: {first.reason}"
            + (f" (and {more} more feed(s))" if more else "")
            + "; check the network and the feeds' addresses (`digest check`), then run "
            "again"
        )
    return feeds


def fresh(gathered: Ingested, seen: Seen) -> Ingested:
    """Only articles not in `seen` (by content hash or URL), each once, renumbered."""
    hashes, urls = set(seen.hashes), set(seen.urls)
    kept: list[Article] = []
    for article in gathered.articles:
        if article.content_hash in hashes or (article.url and article.url in urls):
            continue
        hashes.add(article.content_hash)
        if article.url:
            urls.add(article.url)
        kept.append(replace(article, index=len(kept) + 1))
    log.info(
        "%d new article(s); %d read were briefed before or met twice",
        len(kept),
        len(gathered.articles) - len(kept),
    )
    return Ingested(tuple(kept), gathered.skipped)
