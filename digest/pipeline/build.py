"""Build a brief: articles in a folder → the brief's four files in out/.

Everything is rendered in memory first; only then are the files written, each
atomically, so a failed run leaves no partial brief behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest import render
from digest.compose import compose, section_of
from digest.config import (
    Profile,
    load_profile,
)
from digest.corpus import OVERLAP, Corpus
from digest.errors import NothingToBriefError
from digest.ingest import DEFAULT_MAX_BYTES, Ingested, read_folder
from digest.methods import DEFAULT_METHOD
from digest.models import Article, Brief, Point, Skipped
from digest.output import write_all
from digest.pdf import html_to_pdf
from digest.summarize import rank, select

log = logging.getLogger(__name__)

TARGET_WORDS = 380  # the points' words before thin sections are topped up
CEILING_WORDS = 480  # the most words of points a default brief carries
MAX_PAGES = 2
SECTION_MINIMUM = 2
EDITIONS = ("pdf", "html", "txt", "json")


@dataclass(frozen=True)
class Built:
    brief: Brief
    files: dict[str, Path]
    pages: int
    ingested: Ingested


def default_input() -> Path:
    """`./seeds` when it exists, else the seed articles shipped inside the package."""
    local = Path("seeds")
    if local.is_dir():
        return local
    packaged = Path(__file__).resolve().parent.parent / "seeds"
    return packaged if packaged.is_dir() else local


def brief_paths(out: Path, date: dt.date) -> dict[str, Path]:
    return {ext: out / f"brief-{date.isoformat()}.{ext}" for ext in EDITIONS}


def build_brief(
    *,
    input_dir: Path,
    out: Path,
    date: dt.date,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    length: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Built:
    """Read the articles, brief them, render every edition and write them to `out`."""
    ingested = read_folder(input_dir, max_bytes=max_bytes)
    log.info(
        "read %d article(s) from %s, skipped %d",
        len(ingested.articles),
        input_dir,
        len(ingested.skipped),
    )
    if not ingested.articles:
        found = ", ".join(f"{s.name} ({s.reason})" for s in ingested.skipped) or "no files"
        raise NothingToBriefError(f"{input_dir}: no usable article to brief; found {found}")
    return build_from_articles(
        ingested.articles,
        ingested.skipped,
        out=out,
        date=date,
        profile=profile,
        method=method,
        length=length,
        where=str(input_dir),
    )


def build_from_articles(
    articles: Sequence[Article],
    skipped: Sequence[Skipped] = (),
    *,
    out: Path,
    date: dt.date,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    length: int | None = None,
    exclude: Sequence[str] = (),
    where: str = "the articles",
    on_stage: Callable[[str], None] | None = None,
) -> Built:
    """Brief these articles, render every edition and write them to `out`.

    No sentence that states the same fact as one of the `exclude` texts (points already
    sent) is quoted. `on_stage` is told "rendering", then "writing" after the first file.
    """
    profile = profile or load_profile()
    stage = on_stage or (lambda name: None)
    ingested = Ingested(tuple(articles), tuple(skipped))
    corpus = _excluding(Corpus.of(ingested.articles), ingested.articles, exclude)
    log.info("ranking %d sentences with %s", len(corpus.sentences), method)
    ranking = rank(corpus, method=method)
    points = _points(corpus, ranking, profile, length)
    if not points:
        raise NothingToBriefError(f"{where}: no sentence in the articles can be quoted as a point")
    while True:
        brief = compose(
            points,
            corpus=corpus,
            articles=ingested.articles,
            profile=profile,
            date=date,
            method=method,
            skipped=ingested.skipped,
        )
        log.info("rendering %d points (%d words)", len(brief.points), brief.word_count)
        editions, pages = _render_all(brief)
        if pages <= MAX_PAGES or length is not None or len(points) <= 3:
            break
        log.info("%d pages is over %d: dropping the least important point", pages, MAX_PAGES)
        points = _drop_last(points)
    stage("rendering")
    files = brief_paths(out, date)
    write_all(
        {path: editions[ext] for ext, path in files.items()}, after_first=lambda: stage("writing")
    )
    return Built(brief, files, pages, ingested)


def _excluding(corpus: Corpus, articles: Sequence[Article], exclude: Sequence[str]) -> Corpus:
    """The corpus, with every sentence that repeats an excluded text made unquotable.

    The excluded texts join the articles in one corpus, so both share word weights; a
    sentence that overlaps one of them (similarity at or above OVERLAP, or the same figure
    at SAME_FIGURE) states a fact already sent."""
    if not exclude:
        return corpus
    sent = Article(index=0, title="points already sent", paragraphs=tuple(exclude))
    both = Corpus.of([*articles, sent])
    n = len(corpus.sentences)
    repeats = {
        i for j in range(n, len(both.sentences)) for i in both.neighbours(j, OVERLAP) if i < n
    }
    log.info("%d sentence(s) repeat a point already sent: not quoted", len(repeats))
    return replace(
        corpus, quotable=tuple(q and i not in repeats for i, q in enumerate(corpus.quotable))
    )


def _points(
    corpus: Corpus, ranking: list[tuple[int, float]], profile: Profile, length: int | None
) -> tuple[Point, ...]:
    if length is not None:
        return select(corpus, ranking, points=length)
    return select(
        corpus,
        ranking,
        words=TARGET_WORDS,
        minimum=SECTION_MINIMUM,
        group=lambda s: section_of(s.text, profile),
        ceiling=CEILING_WORDS,
    )


def _drop_last(points: Sequence[Point]) -> tuple[Point, ...]:
    ranked = sorted(points, key=lambda p: p.rank)[:-1]
    return tuple(replace(p, rank=n) for n, p in enumerate(ranked))


def _render_all(brief: Brief) -> tuple[dict[str, bytes | str], int]:
    pdf, pages = html_to_pdf(render.render_print_html(brief), templates=render.templates_dir())
    return {
        "pdf": pdf,
        "html": render.render_email_html(brief),
        "txt": render.render_text(brief),
        "json": render.render_json(brief),
    }, pages


def summarize_folder(folder: Path, *, method: str = DEFAULT_METHOD, words: int = 100) -> list[str]:
    """The multi-document summary of a folder: sentences best first, up to `words` words."""
    ingested = read_folder(folder)
    if not ingested.articles:
        raise NothingToBriefError(f"{folder}: no usable article to summarize")
    corpus = Corpus.of(ingested.articles)
    return [p.text for p in select(corpus, rank(corpus, method=method), words=words)]
