"""Transform files in an input folder into clean Articles.

Decoding (`digest.read.encodings`: UTF-8, BOM, else cp1252 or charset-normalizer's
guess), front matter, HTML text
extraction (trafilatura, in `digest.read.htmltext`) and the removal of everything that is not
article text (log-in prompts, photo captions and credits, tables of contents, subheadings,
datelines, invisible format characters) all live here. A file that cannot be used is
reported by name and skipped; it never stops the other files. File names are shown with
control characters escaped (`shown_name`), so a name cannot forge a log line. This module
knows nothing of sentences, summaries or rendering.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from digest.errors import IngestError
from digest.models import Article, Skipped
from digest.read.cleaning import Cleaned, clean_text
from digest.read.encodings import INVISIBLE, decode
from digest.read.htmltext import extract_html, visible_text
from digest.read.text import sentence_spans, unsupported_script, word_count

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# The most words one article may hold: more is a book, a report or a log, not a news
# article, and selection grows faster than linearly in one article's sentences (each is
# compared with those it overlaps). Measured on text of short sentences from a
# 20-word vocabulary, every sentence overlapping the others (a hostile-user test):
# 17,000 words brief in 5 s and 220 MB, 51,000 in 8.4 s and 270 MB, 172,000 in 19 s
# and 830 MB, 429,000 in 99 s and 4.3 GB. DUC 2004's longest article has 2,446 words.
MAX_WORDS = 20_000
_PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Ingested:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    # Sources that could not be read at all (a feed that failed), of those `skipped` names.
    unread: tuple[str, ...] = ()


def read_folder(folder: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Ingested:
    """Read every article file directly inside `folder`, in name order."""
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "no such folder"
        raise IngestError(f"{folder}: {what}; give the folder that holds the articles")
    articles: list[Article] = []
    skipped: list[Skipped] = []
    seen: dict[str, str] = {}
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise IngestError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from exc
    for number, path in enumerate(entries, 1):
        if number % _PROGRESS_EVERY == 0:
            log.info("reading %s: %d of %d files", folder, number, len(entries))
        if path.name.startswith("."):
            continue
        name = shown_name(path.name)
        try:
            article = _read_entry(path, folder, max_bytes=max_bytes)
        except IngestError as exc:
            skipped.append(_skip(name, str(exc).removeprefix(f"{name}: ")))
            continue
        except OSError as exc:  # e.g. no permission to look at the entry
            skipped.append(_skip(name, f"cannot be read ({exc.strerror or exc})"))
            continue
        if article is None:
            continue
        if article.content_hash in seen:
            skipped.append(_skip(name, f"duplicate of {seen[article.content_hash]}"))
            continue
        seen[article.content_hash] = name
        articles.append(replace(article, index=len(articles) + 1))
        words = sum(word_count(p) for p in article.paragraphs)  # Chinese: no spaces
        log.debug("read %s (%s): %d words, title %r", name, article.encoding, words, article.title)
    return Ingested(tuple(articles), tuple(skipped))


def _skip(name: str, reason: str) -> Skipped:
    log.warning("skipped %s: %s", name, reason)
    return Skipped(name, reason)


def _read_entry(path: Path, root: Path, *, max_bytes: int) -> Article | None:
    name = shown_name(path.name)
    suffix = path.suffix.lower()
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except FileNotFoundError:
            target = None
        except (OSError, RuntimeError) as exc:  # RuntimeError: a loop, before Python 3.13
            why = getattr(exc, "strerror", None)
            if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
                why = "a loop of links that never reaches a file"
            raise IngestError(f"{name}: symbolic link cannot be followed ({why or exc})") from exc
        if target is None:
            if suffix in ARTICLE_SUFFIXES:
                raise IngestError(f"{name}: broken symbolic link")
        elif not target.is_relative_to(root.resolve()):
            raise IngestError(f"{name}: symbolic link points outside the input folder")
    if path.is_dir():
        if suffix in ARTICLE_SUFFIXES:
            raise IngestError(f"{name}: is a folder, not an article file")
        return None
    if suffix not in ARTICLE_SUFFIXES:
        raise IngestError(
            f"{name}: not an article file (digest reads {', '.join(ARTICLE_SUFFIXES)})"
        )
    if not path.exists():
        raise IngestError(f"{name}: broken symbolic link")
    if not path.is_file():
        raise IngestError(f"{name}: not a regular file (a pipe, socket or device)")
    return read_article(path, max_bytes=max_bytes)


def read_article(path: Path, *, index: int = 0, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read and clean one article file; IngestError says why it cannot be used."""
    name = shown_name(path.name)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"{name}: {_size(size)} is over the {_size(max_bytes)} limit")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    html = path.suffix.lower() in (".html", ".htm")
    return parse_article(data, name=name, html=html, index=index, path=path)


def parse_article(
    data: bytes,
    *,
    name: str,
    html: bool = False,
    fragment: bool = False,
    index: int = 0,
    path: Path | None = None,
) -> Article:
    """Turn the bytes of one article into a clean Article, or raise IngestError.

    A `fragment` is HTML (or plain text) that holds only the article, as a feed entry's
    content does: where trafilatura finds no article in it (one paragraph, or no markup
    at all), its visible text is the article."""
    meta, body, encoding = _read_text(data, name=name, html=html, fragment=fragment)
    cleaned = _clean(body, name=name)
    title = _opt(meta.get("title")) or cleaned.title or _first_sentence(cleaned.paragraphs[0])
    return Article(
        index=index,
        title=_one_line(title),
        paragraphs=cleaned.paragraphs,
        path=path,
        url=_opt(meta.get("url") or meta.get("link")),
        outlet=_opt(meta.get("outlet") or meta.get("source") or meta.get("publisher")),
        published=_date(meta.get("published") or meta.get("date")),
        dateline=cleaned.dateline,
        encoding=encoding,
        content_hash=_fingerprint(cleaned.paragraphs),
        removed=cleaned.removed,
    )


def _read_text(
    data: bytes, *, name: str, html: bool, fragment: bool
) -> tuple[dict[str, object], str, str]:
    """The article's front matter (and HTML metadata), its body text and its encoding."""
    if not data.strip():
        raise IngestError(f"{name}: empty file")
    text, encoding = decode(data, name=name)
    meta, body = split_front_matter(text, name=name)
    if html:
        page = extract_html(body)
        if fragment and not page.blocks:
            page = visible_text(body)
        meta = {**page.meta, **meta}
        body = "\n".join(page.blocks)
    body = INVISIBLE.sub("", body)  # HTML may name them as entities
    return meta, body, encoding


def _clean(body: str, *, name: str) -> Cleaned:
    """The body's article text, or IngestError when digest cannot use it: a script it cannot
    split into sentences, nothing left after cleaning, or more words than an article holds."""
    script = unsupported_script(body)
    if script is not None:
        raise IngestError(
            f"{name}: written in the {script} script, which digest cannot split into "
            "sentences yet (it reads Latin, Greek, Cyrillic, Hebrew, Arabic, Chinese, "
            "Japanese and Korean)"
        )
    cleaned = clean_text(body)
    if not cleaned.paragraphs:
        raise IngestError(f"{name}: no article text left after cleaning")
    size = sum(word_count(p) for p in cleaned.paragraphs)  # Chinese: two characters a word
    if size > MAX_WORDS:
        raise IngestError(
            f"{name}: {size:,} words, more than one article holds (at most {MAX_WORDS:,}): "
            "split it into its articles"
        )
    return cleaned


_FRONT = {
    "---": re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S),
    "+++": re.compile(r"\A\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.S),
}


def split_front_matter(text: str, *, name: str) -> tuple[dict[str, object], str]:
    """Split YAML (---) or TOML (+++) front matter from the body."""
    stripped = text.lstrip("\n")
    for fence, pattern in _FRONT.items():
        match = pattern.match(stripped) if stripped.startswith(fence) else None
        if not match:
            continue
        try:
            meta = yaml.safe_load(match[1]) if fence == "---" else tomllib.loads(match[1])
        except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
            log.warning("%s: front matter ignored, it does not parse (%s)", name, exc)
            return {}, stripped[match.end() :]
        if not isinstance(meta, dict):
            return {}, stripped[match.end() :]
        return {str(k).lower(): v for k, v in meta.items()}, stripped[match.end() :]
    return {}, text


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _opt(value: object) -> str | None:
    """A front-matter value as one line of text; a list or a table (YAML gives them for
    `title: [a, b]`) is no title, URL or outlet, so it counts as absent."""
    if isinstance(value, dt.date):  # YAML reads `title: 2024-07-29` as a date
        return value.isoformat()
    if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
        return _one_line(str(value)) or None
    return None


def _one_line(text: str) -> str:
    return " ".join(INVISIBLE.sub("", text).split())[:300]


def shown_name(name: str) -> str:
    """A file name fit for one log line: control and format characters (newlines, ESC,
    bidi overrides) and backslashes written as Python escapes; other names unchanged."""
    return _UNPRINTABLE.sub(_escape, name)


_UNPRINTABLE = re.compile(f"[\\\\\x00-\x1f\x7f-\x9f\u2028\u2029{INVISIBLE.pattern[1:-1]}]")


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _first_sentence(paragraph: str) -> str:
    # Only the first span is split: Punkt finds the sentences one by one.
    for start, end in sentence_spans(paragraph[:600]):  # a title needs no more
        return paragraph[start:end].strip()
    return paragraph


def _fingerprint(paragraphs: Iterable[str]) -> str:
    normal = " ".join(" ".join(paragraphs).lower().split())
    return hashlib.sha256(normal.encode()).hexdigest()
