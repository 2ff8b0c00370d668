"""Transform Articles into ranked Points: verbatim sentences, each fact once, all sources.

A method (see `digest.summarize.methods`) ranks sentences, best first; selection then walks that
ranking, skips sentences that cannot stand alone, and drops any sentence that states a
fact already chosen, crediting its article to the point that states it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from digest.models import Article, Point, Sentence
from digest.read.text import word_count
from digest.summarize.corpus import OVERLAP, SAME_FACT, YEAR, Corpus, is_ordinal
from digest.summarize.methods import DEFAULT_METHOD, Coverage, Ranking, get_method

DEFAULT_WORDS = 420
ARTICLE_METHOD = "centroid"  # condenses one article: cheap, see digest.summarize.methods
ARTICLE_WORDS = 35  # an article's own summary: one or two sentences


def summarize(
    articles: Sequence[Article],
    *,
    method: str = DEFAULT_METHOD,
    points: int | None = None,
    words: int | None = None,
) -> tuple[Point, ...]:
    """The brief's points, most important first: at most `points` points, or as many
    as reach `words` words (the sentence that reaches the limit is included)."""
    corpus = Corpus.of(articles)
    ranking = rank(corpus, method=method, words=words)
    return select(corpus, ranking, points=points, words=words)


def condense(
    corpus: Corpus, *, method: str = ARTICLE_METHOD, words: int = ARTICLE_WORDS
) -> tuple[str, ...]:
    """One article's own summary: its best sentences up to about `words` words (the
    first always, a next one only while within the limit), in the article's order.

    Each stands alone and repeats none before it, as a brief's points do; the check is
    made pair by pair, which is cheaper than `select` for the few sentences of one
    article."""
    chosen: list[int] = []
    size = 0
    for i, _ in rank(corpus, method=method):
        if not corpus.quotable[i] or corpus.dangling[i]:
            continue
        if any(corpus.similarity(i, j) >= OVERLAP for j in chosen):
            continue
        length = len(corpus.sentences[i].text.split())
        if chosen and size + length > words:
            break
        chosen.append(i)
        size += length
        if size >= words:
            break
    return tuple(corpus.sentences[i].text for i in sorted(chosen))


def rank(corpus: Corpus, *, method: str = DEFAULT_METHOD, words: int | None = None) -> Ranking:
    """The method's ranking of the corpus, best first.

    `words`, when given, is how many words will be quoted from the top of it: a method
    that solves its top exactly in blocks (coverage) then solves only the blocks those
    words need, and ranks the rest greedily."""
    ranker = get_method(method)
    if words is not None and isinstance(ranker, Coverage):
        ranker = replace(ranker, blocks=min(ranker.blocks, max(1, words // ranker.budget)))
    return ranker(corpus)


def select(
    corpus: Corpus,
    ranking: Ranking,
    *,
    points: int | None = None,
    words: int | None = None,
    group: Callable[[Sentence], str | None] | None = None,
    minimum: int = 0,
    ceiling: int | None = None,
) -> tuple[Point, ...]:
    """Walk the ranking and keep what a brief can quote: standalone, new facts only.

    Stops at `points` points or at the sentence that reaches `words` words. With `group`
    and `minimum`, each group (a profile section) that has fewer than `minimum` points is
    then topped up from further down the ranking, and what room is left up to `ceiling`
    words is then filled from the ranking, best first, with points that fit.
    """
    if points is None and words is None:
        words = DEFAULT_WORDS
    picker = _Picker(corpus)
    for i, score in ranking:
        if picker.take(i, score) and picker.full(points, words):
            break
    if group is not None and minimum > 0 and points is None:
        ceiling = ceiling or words or DEFAULT_WORDS
        picker.top_up(ranking, group, minimum, ceiling)
        picker.fill(ranking, ceiling)
    return tuple(
        Point(corpus.sentences[i], _sources(corpus, i), picker.scores[i], rank)
        for rank, i in enumerate(picker.chosen)
    )


class _Picker:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.chosen: list[int] = []
        self.scores: dict[int, float] = {}
        self.keys: set[tuple[int, int]] = set()
        self.words = 0

    def allowed(self, i: int) -> bool:
        corpus = self.corpus
        if i in self.scores or not corpus.quotable[i]:
            return False
        if corpus.dangling[i] and not corpus.checkable[i]:
            return False  # commentary on the sentence before, naming nothing itself
        s = corpus.sentences[i]
        if corpus.dangling[i] and (s.article, s.position - 1) not in self.keys:
            return False  # it leans on a sentence the brief does not carry
        return not any(j in self.scores for j in corpus.neighbours(i, OVERLAP))

    def take(self, i: int, score: float) -> bool:
        if not self.allowed(i):
            return False
        s = self.corpus.sentences[i]
        self.chosen.append(i)
        self.scores[i] = score
        self.keys.add((s.article, s.position))
        self.words += word_count(s.text)
        return True

    def full(self, points: int | None, words: int | None) -> bool:
        if points is not None and len(self.chosen) >= points:
            return True
        return words is not None and self.words >= words

    def top_up(
        self, ranking: Ranking, group: Callable[[Sentence], str | None], minimum: int, ceiling: int
    ) -> None:
        counts = Counter(group(self.corpus.sentences[i]) for i in self.chosen)
        for i, score in ranking:
            name = group(self.corpus.sentences[i])
            if name is None or counts[name] >= minimum:
                continue
            size = word_count(self.corpus.sentences[i].text)
            if self.words + size > ceiling:
                continue
            if self.take(i, score):
                counts[name] += 1

    def fill(self, ranking: Ranking, ceiling: int) -> None:
        for i, score in ranking:
            if self.words + word_count(self.corpus.sentences[i].text) <= ceiling:
                self.take(i, score)


def _sources(corpus: Corpus, i: int) -> tuple[int, ...]:
    """The article quoted, then the others that state the same fact (Corpus.neighbours).
    A point that gives a figure credits only outlets whose sentence gives it too: one
    that gives another ("in 1994" against "in 1995") or none ("a plan for a withdrawal"
    against "a withdrawal from 13 percent") may not report it, however alike the words."""
    own = corpus.sentences[i].article
    figures = _amounts(corpus, i)
    others = set()
    for j in corpus.neighbours(i):
        shared = figures & corpus.figures[j]
        if corpus.similarity(i, j) >= SAME_FACT:
            if not figures or shared:
                others.add(corpus.sentences[j].article)
        elif {f for f in shared if not YEAR.fullmatch(f)}:
            # Alike only a little, the same amount makes it the same fact ("killed 12"); the
            # same year does not: "in 1995" is in many sentences about other things.
            others.add(corpus.sentences[j].article)
    return (own, *sorted(others - {own}))


def _amounts(corpus: Corpus, i: int) -> frozenset[str]:
    """Sentence i's figures that are amounts: not an ordinal or a code, which a letter
    follows ("an 11th-hour warning" is a last-minute one, "5G" a kind of network)."""
    text = corpus.sentences[i].text
    return frozenset(f for f in corpus.figures[i] if not is_ordinal(f, text))
