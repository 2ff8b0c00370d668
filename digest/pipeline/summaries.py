"""Summarize a folder: its articles → their summary, or each story's, best first.

What `digest summarize` prints. Renders nothing and writes nothing, so it imports none
of what a brief's pages, mail or feeds need (Jinja2, WeasyPrint, feedparser, feedgen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from digest.errors import NothingToBriefError
from digest.models import Article, Story
from digest.read.ingest import Ingested, read_folder
from digest.summarize.corpus import Corpus
from digest.summarize.methods import DEFAULT_METHOD
from digest.summarize.selection import rank, select
from digest.summarize.stories import stories as find_stories


def order_stories(found: Sequence[Story], articles: Sequence[Article]) -> list[Story]:
    """Most important first: more distinct sources, then more said; numbered 1.. again."""
    by_index = {a.index: a for a in articles}

    def weight(story: Story) -> tuple[int, int, int]:
        members = [by_index[i] for i in story.articles]
        outlets = {a.outlet or f"#{a.index}" for a in members}
        said = sum(len(a.text.split()) for a in members)
        return (-len(outlets), -said, story.n)

    ordered = sorted(found, key=weight)
    return [replace(s, n=n) for n, s in enumerate(ordered, 1)]


def summarize_folder(folder: Path, *, method: str = DEFAULT_METHOD, words: int = 100) -> list[str]:
    """The multi-document summary of a folder: sentences best first, up to `words` words."""
    ingested = _read_to_summarize(folder)
    corpus = Corpus.of(ingested.articles)
    ranking = rank(corpus, method=method, words=words)
    summary = [p.text for p in select(corpus, ranking, words=words)]
    if not summary:  # said, as `digest brief` says it, rather than an empty answer
        raise NothingToBriefError(f"{folder}: no sentence in the articles can be quoted")
    return summary


def summarize_stories(
    folder: Path, *, method: str = DEFAULT_METHOD, words: int = 100
) -> list[dict[str, Any]]:
    """The folder's stories, most important first, each with its own summary cut at
    `words` words: {"headline", "articles": [file names relative to folder], "summary"}."""
    ingested = _read_to_summarize(folder)
    articles = ingested.articles
    corpus = Corpus.of(articles)
    by_index = {a.index: a for a in articles}
    out = []
    for story in order_stories(find_stories(articles), articles):
        part = corpus.subset(set(story.articles))
        ranking = rank(part, method=method, words=words)
        summary = [p.text for p in select(part, ranking, words=words)]
        names = [_relative(by_index[i], folder) for i in story.articles]
        out.append({"headline": story.headline, "articles": names, "summary": summary})
    return out


def _read_to_summarize(folder: Path) -> Ingested:
    ingested = read_folder(folder)
    if not ingested.articles:
        raise NothingToBriefError(f"{folder}: no usable article to summarize")
    return ingested


def _relative(article: Article, folder: Path) -> str:
    if article.path is None:
        return article.title
    try:
        return article.path.relative_to(folder).as_posix()
    except ValueError:
        return article.path.name
