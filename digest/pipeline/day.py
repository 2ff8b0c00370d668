"""Group a day's articles into stories, and choose each story's points: articles → a
Day (its stories, most important first, and their sentences) → a Brief for a page plan.

The page budget's plan says which stories are shown and how many words each gets; a Day
fills it with ranked points, none that repeats a point already sent. It knows nothing of
layout, editions or files.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from digest.compose import budget
from digest.compose.sections import Chosen, compose, section_of
from digest.models import Article, Brief, Point, Skipped, Story
from digest.pipeline.article_work import ArticleWork, article_work, each_article, joined
from digest.pipeline.summaries import order_stories
from digest.profile import Profile
from digest.read.ingest import Ingested
from digest.summarize.conflicts import conflicts
from digest.summarize.corpus import OVERLAP, Corpus, fold_synonyms
from digest.summarize.selection import condense, rank, select
from digest.summarize.stories import grouped
from digest.summarize.stories import stories as find_stories

log = logging.getLogger(__name__)

TARGET_WORDS = 380  # the points' words before thin sections are topped up
CEILING_WORDS = 480  # the most words of points a default brief carries
SECTION_MINIMUM = 2


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
