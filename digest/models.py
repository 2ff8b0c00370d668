"""The data that flows between stages: Article → Sentence → Point → Section → Brief → Layout.

Frozen dataclasses with tuples inside, so a stage can never change what an earlier
stage produced. No I/O here and nothing beyond the standard library.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Article:
    """One cleaned article: its paragraphs hold only article text, no boilerplate."""

    index: int  # 1-based number in the brief's source list
    title: str
    paragraphs: tuple[str, ...]
    path: Path | None = None
    url: str | None = None
    outlet: str | None = None
    published: dt.date | None = None
    dateline: str | None = None
    encoding: str = "utf-8"
    content_hash: str = ""
    removed: tuple[str, ...] = ()  # lines cleaned away, kept for logs and tests
    story: int = 0  # Story.n once articles are grouped (0: not grouped yet)
    summary: tuple[str, ...] = ()  # its own best sentences, quoted, in document order

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Sentence:
    """A sentence exactly as it stands in an article's paragraph."""

    article: int  # Article.index
    paragraph: int  # 0-based paragraph number within the article
    position: int  # 0-based sentence number within the article
    text: str
    words: tuple[str, ...] = ()  # lower-cased word tokens


@dataclass(frozen=True)
class FigureValue:
    """One value sources give for a thing, and the sources (article numbers) giving it."""

    value: str  # as written: "54,000", "three-star"
    sources: tuple[int, ...]


@dataclass(frozen=True)
class Conflict:
    """Sources give different figures for the same thing."""

    about: str  # what the figures count, as written: "US troops", "star commander"
    figures: tuple[FigureValue, ...]  # two or more, the point's own value first


@dataclass(frozen=True)
class Point:
    """A sentence chosen for the brief, with every article that reports the same fact."""

    sentence: Sentence
    sources: tuple[int, ...]  # Article.index values; sentence.article first
    score: float
    rank: int  # 0 = most important point of the brief
    story: int = 0  # Story.n of the story it was chosen for
    conflicts: tuple[Conflict, ...] = ()  # figures in it that other sources give otherwise

    @property
    def text(self) -> str:
        return self.sentence.text


@dataclass(frozen=True)
class Section:
    title: str
    points: tuple[Point, ...]
    story: int | None = None  # set when the section is one story, titled by its headline


@dataclass(frozen=True)
class KeyFigure:
    """A number quoted from a source, with the words around it."""

    figure: str  # e.g. "54,000 US troops"
    context: str  # a verbatim span of the sentence, with "…" where it was cut
    sources: tuple[int, ...]
    conflicts: tuple[Conflict, ...] = ()  # other sources give this figure otherwise


@dataclass(frozen=True)
class Story:
    """The articles that report one news event, with a headline quoted from one of them."""

    n: int  # 1-based number, in order of importance once the brief is composed
    headline: str
    articles: tuple[int, ...]  # Article.index values
    shown: bool = True  # False: listed under "More stories" only


@dataclass(frozen=True)
class Skipped:
    """An input file that was not briefed, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class Previous:
    """The brief a daily brief follows: its date and links to its HTML and PDF editions
    (file names beside it, or absolute URLs under [brief] base_url)."""

    date: dt.date
    html: str
    pdf: str


@dataclass(frozen=True)
class Brief:
    title: str
    date: dt.date
    lead: tuple[Point, ...]
    sections: tuple[Section, ...]
    key_figures: tuple[KeyFigure, ...]
    sources: tuple[Article, ...]
    method: str
    skipped: tuple[Skipped, ...] = ()
    subtitle: str = ""
    articles_read: int = 0
    stories: tuple[Story, ...] = ()  # every story found, most important first
    listed: int = 0  # stories not shown in full but listed under "More stories"
    previous: Previous | None = None  # the brief this one follows (daily runs)
    generated: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0)
    )

    @property
    def points(self) -> tuple[Point, ...]:
        """Every point, each once: the lead's points sit in their sections too."""
        return tuple(p for s in self.sections for p in s.points)

    @property
    def word_count(self) -> int:
        return sum(len(p.text.split()) for p in self.points)


@dataclass(frozen=True)
class Layout:
    """A brief laid out as PDF: its bytes, its pages, and how far down the last page its
    content reaches (0 to 1): what the brief can still hold without a new page."""

    pdf: bytes
    pages: int
    fill: float
