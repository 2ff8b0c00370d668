"""Build a brief: articles in a folder → the brief's four files in out/.

Everything is rendered in memory first; only then are the files written, each
atomically, so a failed run leaves no partial brief behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.compose import budget
from digest.compose.sections import Chosen, compose, section_of
from digest.errors import ConfigError, NothingToBriefError
from digest.models import Article, Brief, Layout, Point, Previous, Skipped, Story
from digest.pipeline.archiving import update_archive
from digest.pipeline.article_work import ArticleWork, article_work, each_article, joined
from digest.pipeline.summaries import order_stories
from digest.profile import Profile, load_profile
from digest.read.ingest import DEFAULT_MAX_BYTES, Ingested, read_folder
from digest.render import editions
from digest.render.layout_process import lay_out
from digest.state.output import write_all
from digest.summarize.conflicts import conflicts
from digest.summarize.corpus import OVERLAP, Corpus, fold_synonyms
from digest.summarize.methods import DEFAULT_METHOD
from digest.summarize.selection import condense, rank, select
from digest.summarize.stories import grouped
from digest.summarize.stories import stories as find_stories

log = logging.getLogger(__name__)

TARGET_WORDS = 380  # the points' words before thin sections are topped up
CEILING_WORDS = 480  # the most words of points a default brief carries
MAX_PAGES = 2
SECTION_MINIMUM = 2
EDITIONS = ("pdf", "html", "txt", "json")
_NAMED = 10  # files an error names, of all those skipped: it stays one readable line


@dataclass(frozen=True)
class Built:
    brief: Brief
    files: dict[str, Path]
    pages: int
    ingested: Ingested


def default_input() -> Path:
    """The seed articles shipped with digest, whatever the working directory.

    A wheel carries them in the package (digest/seeds); an editable install reads the
    repository's seeds/ beside the package."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "seeds", package.parent / "seeds"):
        if folder.is_dir():
            return folder
    raise ConfigError(
        f"the bundled seed articles are missing from {package}: reinstall digest, "
        "or pass --input DIR"
    )


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
    pages: int = MAX_PAGES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    base_url: str = "",
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
        found = ", ".join(f"{s.name} ({s.reason})" for s in ingested.skipped[:_NAMED]) or "no files"
        if len(ingested.skipped) > _NAMED:  # the log names every one
            found += f" and {len(ingested.skipped) - _NAMED:,} more"
        raise NothingToBriefError(f"{input_dir}: no usable article to brief; found {found}")
    return build_from_articles(
        ingested.articles,
        ingested.skipped,
        out=out,
        date=date,
        profile=profile,
        method=method,
        length=length,
        pages=pages,
        where=str(input_dir),
        base_url=base_url,
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
    pages: int = MAX_PAGES,
    exclude: Sequence[str] = (),
    where: str = "the articles",
    on_stage: Callable[[str], None] | None = None,
    previous: Previous | None = None,
    base_url: str = "",
) -> Built:
    """Brief these articles, render every edition and write them to `out`.

    The articles are grouped into stories; the page budget decides how many stories are
    shown in full and how many words each gets, before any layout (one corrective
    re-layout at most). No sentence that states the same fact as one of the `exclude`
    texts (points already sent) is quoted. `on_stage` is told "rendering", then
    "writing" after the first file. `previous` is the brief this one follows; once
    written, the archive (index.html, feed.xml) is rebuilt, its links under `base_url`.
    """
    profile = profile or load_profile()
    stage = on_stage or (lambda name: None)
    day = Day.of(articles, skipped, profile=profile, method=method, exclude=exclude)
    brief, editions, laid_out = _fitted(
        day, date=date, length=length, pages=pages, previous=previous, where=where
    )
    stage("rendering")
    files = brief_paths(out, date)
    write_all(
        {path: editions[ext] for ext, path in files.items()}, after_first=lambda: stage("writing")
    )
    update_archive(out, base_url=base_url)
    return Built(brief, files, laid_out, day.ingested)


_Rendered = tuple[Brief, dict[str, bytes | str], int]  # a brief, its editions, its pages


def _fitted(
    day: Day,
    *,
    date: dt.date,
    length: int | None,
    pages: int,
    previous: Previous | None,
    where: str,
) -> _Rendered:
    """The day's brief fitted to `pages`: laid out to the page budget's plan, then at
    most once again, shorter or fuller."""
    plan = day.plan(pages=pages)
    log.debug(
        "page plan for %d page(s): words of points per story %s, %d more listed",
        pages,
        list(plan.words),
        plan.listed,
    )
    asked, length = length, _fitting(length, day, pages=pages)
    brief = replace(day.brief(plan, date=date, length=length), previous=previous)
    if not brief.points:
        raise NothingToBriefError(f"{where}: no sentence in the articles can be quoted as a point")
    log.info("rendering %d points (%d words)", len(brief.points), brief.word_count)
    editions, laid = _render_all(brief)
    laid_out = laid.pages
    if laid_out > pages and (asked is None or length != asked):  # not an asked length that fits
        log.info("%d pages is over %d: one shorter layout", laid_out, pages)
        plan = day.plan(pages=pages, laid_out=laid_out)
        if length is not None:
            length = budget.fewer_points(length, pages=pages, laid_out=laid_out)
        brief = replace(day.brief(plan, date=date, length=length), previous=previous)
        editions, laid = _render_all(brief)
        laid_out = laid.pages
        if laid_out > pages:
            log.warning("the brief runs to %d pages, over the %d asked for", laid_out, pages)
    elif length is None and len(day.stories) > plan.shown:
        fuller = _fuller(day, plan, laid, date=date, pages=pages, previous=previous)
        if fuller is not None:
            brief, editions, laid_out = fuller
    return brief, editions, laid_out


def _fuller(
    day: Day,
    plan: budget.Plan,
    laid: Layout,
    *,
    date: dt.date,
    pages: int,
    previous: Previous | None,
) -> _Rendered | None:
    """One fuller layout of a brief that left room on its pages (`laid`, made to `plan`),
    if the page budget shows more and it still fits them."""
    used = laid.pages - 1 + laid.fill
    grown = day.plan(pages=pages, used=used)
    if grown == plan:
        return None
    log.info("%.2f of %d pages used: one fuller layout", used, pages)
    fuller = replace(day.brief(grown, date=date, length=None), previous=previous)
    more, laid_more = _render_all(fuller)
    if laid_more.pages <= pages:
        return fuller, more, laid_more.pages
    log.info("the fuller layout ran to %d pages: the first stands", laid_more.pages)
    return None


@dataclass
class Day:
    """A day's articles grouped into stories, ordered by importance, ready to brief."""

    ingested: Ingested
    corpus: Corpus
    stories: list[Story]  # most important first
    profile: Profile
    method: str

    @classmethod
    def of(
        cls,
        articles: Sequence[Article],
        skipped: Sequence[Skipped] = (),
        *,
        profile: Profile,
        method: str,
        exclude: Sequence[str] = (),
    ) -> Day:
        folding = fold_synonyms(profile.synonyms)
        # Grouping needs no sentence: on a large day it runs while workers split them.
        works, grouping = each_article(articles, folding, lambda: grouped(articles))
        whole = joined(works, folding)
        corpus = _excluding(whole, works, exclude)
        openings = {s.article: s.text for s in corpus.sentences if s.position == 0}
        found = order_stories(
            find_stories(articles, openings=openings, grouping=grouping), articles
        )
        story_of = {a: s.n for s in found for a in s.articles}
        # An article that lost a sentence to the points already sent is condensed again.
        repeated = {
            s.article
            for s, was, now in zip(corpus.sentences, whole.quotable, corpus.quotable, strict=True)
            if was != now
        }
        condensed = [
            replace(
                a,
                story=story_of[a.index],
                summary=condense(corpus.subset({a.index})) if a.index in repeated else w.summary,
            )
            for a, w in zip(articles, works, strict=True)
        ]
        stories = "story" if len(found) == 1 else "stories"
        log.info("%d article(s) in %d %s", len(articles), len(found), stories)
        return cls(Ingested(tuple(condensed), tuple(skipped)), corpus, found, profile, method)

    def plan(
        self, *, pages: int, laid_out: int | None = None, used: float | None = None
    ) -> budget.Plan:
        """The page budget's plan; given a first layout's length (`laid_out` pages, or
        `used` pages of a layout that fit), the corrective one."""
        sources = [len(s.articles) for s in self.stories]
        skipped = len(self.ingested.skipped)
        if laid_out is not None:
            return budget.shrink(sources, pages=pages, skipped=skipped, laid_out=laid_out)
        if used is not None:
            return budget.grow(sources, pages=pages, skipped=skipped, used=used)
        return budget.plan(sources, pages=pages, skipped=skipped)

    def brief(self, plan: budget.Plan, *, date: dt.date, length: int | None) -> Brief:
        """Points for the stories the plan shows, composed into a brief."""
        chosen = self._choose(plan, length=length, restating=False)
        if not any(c.points for c in chosen):  # each story said nothing but its headline
            chosen = self._choose(plan, length=length, restating=True)
        return compose(
            chosen,
            articles=self.ingested.articles,
            profile=self.profile,
            date=date,
            method=self.method,
            skipped=self.ingested.skipped,
            unshown=self.stories[len(chosen) :],
            listed=plan.listed,
        )

    def _choose(self, plan: budget.Plan, *, length: int | None, restating: bool) -> list[Chosen]:
        """Each shown story's points; with `restating`, a story may quote its headline."""
        chosen = []
        total = sum(plan.words) or 1
        for story, words in zip(self.stories, plan.words, strict=False):
            whole = self.corpus.subset(set(story.articles))
            alone = len(self.stories) == 1
            share = None if length is None else max(1, round(length * words / total))
            headed = not (alone and self.profile.sections)
            points: tuple[Point, ...] = ()
            tries = _tries(whole, story.headline if headed else None, restating=restating)
            for n, corpus in enumerate(tries):
                log.log(
                    logging.DEBUG if n or restating else logging.INFO,
                    "story %d: ranking %d sentences",
                    story.n,
                    len(corpus.sentences),
                )
                ranking = rank(corpus, method=self.method, words=None if alone else words)
                points = _points(
                    corpus, ranking, self.profile, length=share, words=words, alone=alone
                )
                if points:
                    break
            chosen.append(Chosen(story, points, corpus))
            said = sum(len(p.text.split()) for p in points)
            log.debug(
                "story %d: %d point(s), %d words: %s", story.n, len(points), said, story.headline
            )
        return chosen


def _fitting(length: int | None, day: Day, *, pages: int) -> int | None:
    """`length`, capped to the points the pages hold (a warning says so)."""
    sources = [len(s.articles) for s in day.stories]
    fits = budget.most_points(sources, pages=pages, skipped=len(day.ingested.skipped))
    if length is None or length <= fits:
        return length
    log.warning(
        "a length of %d points is more than %d page(s) hold: capped to what fits "
        "(give more --pages for more points)",
        length,
        pages,
    )
    return fits


def printed_texts(brief: Brief) -> list[str]:
    """What a reader of the printed brief saw, which counts as sent for tomorrow's
    novelty: the points in full, and the headlines listed under More stories."""
    listed = [s.headline for s in brief.stories if not s.shown][: brief.listed]
    return [p.text for p in brief.points] + listed


def _tries(whole: Corpus, headline: str | None, *, restating: bool) -> Iterator[Corpus]:
    """The story's sentences to choose points from, first choice first. A story shown
    under its headline does not state it again: in another outlet's words only when that
    is all it has to say, in the headline's own words only when `restating` (the second
    pass, when no story of the day had anything else to say: only what the first pass
    did not try). Otherwise a story whose only sentence is its headline has no point,
    and is listed by that headline under More stories."""
    if restating:
        if headline is not None:
            yield whole
        return
    if headline is not None:
        yield _without(whole, headline)
        yield _without(whole, headline, restated=False)
    else:
        yield whole


def _without(corpus: Corpus, headline: str, *, restated: bool = True) -> Corpus:
    """The corpus with its story's headline unquotable and, when `restated`, every
    sentence that overlaps it (as two points may not), whether the headline is one of
    the story's sentences or an article's title: a story shown under its headline does
    not state that fact again in other words, unless that sentence gives a figure the
    sources differ on, which its point flags."""
    said = {i for i, s in enumerate(corpus.sentences) if s.text == headline}
    if restated:
        near = set(corpus.overlapping(headline)) - said
        said |= {j for j in near if not conflicts(corpus, j)}
    quotable = tuple(q and i not in said for i, q in enumerate(corpus.quotable))
    return replace(corpus, quotable=quotable)


def _excluding(corpus: Corpus, works: Sequence[ArticleWork], exclude: Sequence[str]) -> Corpus:
    """The corpus (`works`, joined), with every sentence that repeats an excluded text
    made unquotable.

    The excluded texts join the articles in one corpus, so both share word weights; a
    sentence that overlaps one of them (similarity at or above OVERLAP, or the same figure
    at SAME_FIGURE) states a fact already sent. The articles' sentences are the ones
    already split (splitting a day of 5,000 articles again took 5 s)."""
    if not exclude:
        return corpus
    sent = Article(index=0, title="points already sent", paragraphs=tuple(exclude))
    both = joined([*works, article_work(sent, corpus.folding)], corpus.folding)
    n = len(corpus.sentences)
    repeats = {
        i for j in range(n, len(both.sentences)) for i in both.neighbours(j, OVERLAP) if i < n
    }
    log.info("%d sentence(s) repeat a point already sent: not quoted", len(repeats))
    return replace(
        corpus, quotable=tuple(q and i not in repeats for i, q in enumerate(corpus.quotable))
    )


def _points(
    corpus: Corpus,
    ranking: list[tuple[int, float]],
    profile: Profile,
    *,
    length: int | None,
    words: int,
    alone: bool,
) -> tuple[Point, ...]:
    """A story's points: `length` points if asked, else about `words` words.

    The only story of a day with a profile's sections also tops up thin sections."""
    if length is not None:
        return select(corpus, ranking, points=length)
    if alone and profile.sections:
        target = words * TARGET_WORDS // CEILING_WORDS
        return select(
            corpus,
            ranking,
            words=target,
            minimum=SECTION_MINIMUM,
            group=lambda s: section_of(s.text, profile),
            ceiling=words,
        )
    return select(corpus, ranking, words=words)


def _render_all(brief: Brief) -> tuple[dict[str, bytes | str], Layout]:
    laid = lay_out(editions.render_print_html(brief), templates=editions.templates_dir())
    return {
        "pdf": laid.pdf,
        "html": editions.render_email_html(brief),
        "txt": editions.render_text(brief),
        "json": editions.render_json(brief),
    }, laid
