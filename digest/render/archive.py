"""Transform the briefs' JSON editions in a folder into an index page and an Atom feed.

`index.html` lists every brief in the folder, newest first: its date, title, top
headlines, and links to its HTML and PDF editions. `feed.xml` is an Atom feed with one
entry per brief, made by feedgen (nothing fetched). Both are rebuilt from the
`brief-DATE.json` files each time, so they can always be regenerated (`digest archive`);
`digest.pipeline.archiving` writes them, together atomically. A JSON file that cannot be
read is skipped by name.

Links are relative to the folder (they work where the folder is served or opened), or
absolute under `base_url` ([brief] base_url) when one is given. Knows nothing of how a
brief is made.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

import jinja2
from feedgen.feed import FeedGenerator

from digest.render.editions import templates_dir
from digest.version import __version__

log = logging.getLogger(__name__)

INDEX, FEED = "index.html", "feed.xml"
TOP_HEADLINES = 3
_BRIEF_JSON = re.compile(r"brief-(\d{4}-\d{2}-\d{2})\.json")
ARCHIVE_TITLE = "Briefs"


@dataclass(frozen=True)
class Entry:
    """One brief of the archive, as its JSON edition tells it."""

    date: dt.date
    title: str
    subtitle: str
    headlines: tuple[str, ...]  # the first stories shown, most important first
    html: str | None  # link to the HTML edition, if that file is there
    pdf: str | None
    generated: dt.datetime


def entries(folder: Path, *, base_url: str = "") -> list[Entry]:
    """The briefs in `folder`, newest first; a JSON file that does not parse is skipped."""
    found = []
    for path in sorted(folder.glob("brief-*.json")):
        match = _BRIEF_JSON.fullmatch(path.name)
        if match is None:
            continue
        try:
            found.append(_entry(path, match[1], base_url))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("archive: skipped %s: not a brief's JSON edition (%s)", path.name, exc)
    return sorted(found, key=lambda e: e.date, reverse=True)


def _entry(path: Path, day: str, base_url: str) -> Entry:
    data = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    date = dt.date.fromisoformat(day)
    stories = [s for s in data.get("stories", []) if s.get("shown", True)]
    headlines = [str(s["headline"]) for s in stories]
    if not headlines:  # a brief written before stories were recorded: its first points
        headlines = [str(p["text"]) for p in data.get("lead", [])]
    generated = dt.datetime.fromisoformat(str(data.get("generated") or f"{day}T00:00:00+00:00"))
    if generated.tzinfo is None:
        generated = generated.replace(tzinfo=dt.UTC)

    def link(ext: str) -> str | None:
        name = f"brief-{day}.{ext}"
        return href(name, base_url) if (path.parent / name).is_file() else None

    title = " ".join(str(data["title"]).split())
    if not title:
        raise ValueError("no title")
    return Entry(
        date=date,
        title=title,
        subtitle=str(data.get("subtitle") or ""),
        headlines=tuple(headlines[:TOP_HEADLINES]),
        html=link("html"),
        pdf=link("pdf"),
        generated=generated,
    )


def href(name: str, base_url: str = "") -> str:
    """A file of the folder as a link: relative, or under `base_url`."""
    return urllib.parse.urljoin(base_url, name) if base_url else name


def render_index(found: list[Entry], *, base_url: str = "") -> str:
    """The archive page: every brief, newest first (autoescaped: titles come from articles)."""
    return (
        _environment()
        .get_template("archive.html.j2")
        .render(
            entries=found,
            title=found[0].title if found else ARCHIVE_TITLE,
            feed=href(FEED, base_url),
            version=__version__,
        )
    )


def render_feed(found: list[Entry], *, base_url: str = "") -> bytes:
    """An Atom feed of the briefs, newest first."""
    feed = FeedGenerator()
    feed.id(href(FEED, base_url) if base_url else "urn:digest:briefs")
    feed.title(found[0].title if found else ARCHIVE_TITLE)
    feed.author({"name": "digest"})
    feed.generator("digest", version=__version__)
    feed.link(href=href(INDEX, base_url), rel="alternate", type="text/html")
    if base_url:
        feed.link(href=href(FEED, base_url), rel="self", type="application/atom+xml")
    newest = max((e.generated for e in found), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    feed.updated(newest)
    for entry in reversed(found):  # feedgen puts the last one added first
        item = feed.add_entry()
        item.id(entry.html if base_url and entry.html else f"urn:digest:brief:{entry.date}")
        item.title(f"{entry.title} — {entry.date:%-d %B %Y}")
        item.updated(entry.generated)
        item.published(entry.generated)
        # One link only: feedgen 1.0 drops the rel and type of an entry's links, so a
        # second one (the PDF) would read as another alternate; the summary links both.
        if entry.html or entry.pdf:
            item.link(href=entry.html or entry.pdf)
        else:  # Atom: an entry without a link has content
            item.content(_summary(entry), type="html")
        item.summary(_summary(entry), type="html")
    data: bytes = feed.atom_str(pretty=True)
    return data


def _summary(entry: Entry) -> str:
    """The entry's HTML: subtitle, top headlines, links to both editions (all escaped)."""
    parts = [f"<p>{escape(entry.subtitle)}</p>"] if entry.subtitle else []
    if entry.headlines:
        items = "".join(f"<li>{escape(h)}</li>" for h in entry.headlines)
        parts.append(f"<ul>{items}</ul>")
    editions = [
        f'<a href="{escape(url)}">{name}</a>'
        for name, url in (("HTML", entry.html), ("PDF", entry.pdf))
        if url
    ]
    if editions:
        parts.append(f"<p>{' · '.join(editions)}</p>")
    return "".join(parts)


def archive_files(
    folder: Path, *, base_url: str = "", found: list[Entry] | None = None
) -> dict[Path, bytes | str]:
    """The archive's files for `folder`, rendered from its briefs (`found`, else read;
    nothing written)."""
    found = entries(folder, base_url=base_url) if found is None else found
    return {
        folder / INDEX: render_index(found, base_url=base_url),
        folder / FEED: render_feed(found, base_url=base_url),
    }


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
