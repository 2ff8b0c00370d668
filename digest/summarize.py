"""Transform Articles into ranked Points: verbatim sentences, each fact once, all sources.

A method (see `digest.methods`) ranks sentences, best first; selection then walks that
ranking, skips sentences that cannot stand alone, and drops any sentence that states a
fact already chosen, crediting its article to the point that states it.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.corpus import Corpus
from digest.methods import DEFAULT_METHOD, Ranking, get_method
from digest.models import Article, Point

DEFAULT_WORDS = 420


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
    ranking = get_method(method)(corpus)
    return select(corpus, ranking, points=points, words=words)


def select(
    corpus: Corpus,
    ranking: Ranking,
    *,
    points: int | None = None,
    words: int | None = None,
) -> tuple[Point, ...]:
    if points is None and words is None:
        words = DEFAULT_WORDS
    chosen: list[int] = []
    scores: dict[int, float] = {}
    covered: set[int] = set()  # sentences whose fact is already in the brief
    taken_keys: set[tuple[int, int]] = set()
    total = 0
    for i, score in ranking:
        if i in covered or not corpus.quotable[i]:
            continue
        s = corpus.sentences[i]
        if corpus.dangling[i] and (s.article, s.position - 1) not in taken_keys:
            continue
        same = corpus.neighbours(i)
        if any(j in scores for j in same):
            continue
        chosen.append(i)
        scores[i] = score
        covered.update(same)
        taken_keys.add((s.article, s.position))
        total += len(s.text.split())
        if (points is not None and len(chosen) >= points) or (words is not None and total >= words):
            break
    return tuple(
        Point(corpus.sentences[i], _sources(corpus, i), scores[i], rank)
        for rank, i in enumerate(chosen)
    )


def _sources(corpus: Corpus, i: int) -> tuple[int, ...]:
    own = corpus.sentences[i].article
    others = {corpus.sentences[j].article for j in corpus.neighbours(i)} - {own}
    return (own, *sorted(others))


