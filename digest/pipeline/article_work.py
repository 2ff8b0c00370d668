"""Transform each Article into what the day needs of it alone: its sentences with their
flags, and its own summary.

None of this depends on another article, so a large day hands it to worker processes
(`digest.pipeline.workers`), one per core, each a share of the articles in order, and
groups the articles into stories meanwhile, which needs none of it; a small day does it
all here. Either way the same function splits and condenses, so the results are the same
to the bit.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from digest.models import Article, Sentence
from digest.pipeline.workers import Shared
from digest.read.text import article_sentences, sentences_of
from digest.summarize.corpus import Corpus, Folding, is_dangling, is_quotable
from digest.summarize.selection import condense

log = logging.getLogger(__name__)

# From this many articles the work is shared out. Day.of on copies of DUC 2004 articles
# (benchmarks/scale.py's input), 2 cores, one worker, two runs each: 600 articles 2.4 s
# either way, 1,000 articles 3.9 s alone against 4.0 s shared (starting a worker costs
# about 0.6 s, a new interpreter importing digest), 1,500 articles 5.8 s against 4.8 s,
# 2,000 articles 9.7 s against 7.0 s. So from between the last size that gained nothing
# and the first that gained.
PARALLEL_FROM = 1200

T = TypeVar("T")


@dataclass(frozen=True)
class ArticleWork:
    """One article's sentences, with their flags, and its own summary (`condense`)."""

    sentences: tuple[Sentence, ...]
    quotable: tuple[bool, ...]
    dangling: tuple[bool, ...]
    summary: tuple[str, ...]
    # The sentences' stems and terms, where this process worked them out (Corpus.stems,
    # Corpus.terms), so that the day's corpus need not again.
    stems: tuple[tuple[str, ...], ...] | None = None
    terms: tuple[tuple[tuple[str, bool], ...], ...] | None = None


def article_work(article: Article, folding: Folding) -> ArticleWork:
    sentences = article_sentences(article)
    corpus = Corpus(
        sentences,
        tuple(is_quotable(s.text) for s in sentences),
        tuple(is_dangling(s.text) for s in sentences),
        folding,
    )
    summary = condense(corpus)
    return ArticleWork(
        sentences, corpus.quotable, corpus.dangling, summary, corpus.stems, corpus.terms
    )


def each_article(
    articles: Sequence[Article],
    folding: Folding,
    meanwhile: Callable[[], T],
    *,
    workers: int | None = None,
) -> tuple[list[ArticleWork], T]:
    """`article_work` for every article, in order, and what `meanwhile()` returns.

    From PARALLEL_FROM articles on, the articles are shared among `workers` processes
    (default: one per core this process may use, but one: this process calls
    `meanwhile` meanwhile, which keeps a core busy; none on a machine of one core)."""
    if workers is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        workers = cores - 1
    if workers < 1 or len(articles) < PARALLEL_FROM:
        return [article_work(a, folding) for a in articles], meanwhile()
    size = math.ceil(len(articles) / workers)
    runs = [(articles[i : i + size], folding) for i in range(0, len(articles), size)]
    log.info(
        "%d articles: their sentences split by %d worker process(es)", len(articles), len(runs)
    )
    with Shared(split_run, runs) as shared:
        also = meanwhile()
        done = shared.results()
    works = []
    for n, (run, _) in enumerate(runs):
        if n not in done:
            works += [article_work(a, folding) for a in run]
            continue
        for article, (texts, quotable, dangling, summary) in zip(run, done[n], strict=True):
            works.append(ArticleWork(sentences_of(article, texts), quotable, dangling, summary))
    return works, also


Split = tuple[tuple[tuple[int, str], ...], tuple[bool, ...], tuple[bool, ...], tuple[str, ...]]


def split_run(articles: Sequence[Article], folding: Folding) -> list[Split]:
    """A worker's run: each article's work, as little as the caller needs to rebuild it.
    Sentence texts, not their tokens, stems or terms: made again by the caller, tokens
    are interned, one string for a word all day long; read from a worker, each run's
    would be copies of their own (a first try that sent them peaked at 1.9 GiB at 20,000
    articles; this way 1.0 GiB, and 1.2-1.3 GiB with no worker)."""
    found = []
    for article in articles:
        work = article_work(article, folding)
        texts = tuple((s.paragraph, s.text) for s in work.sentences)
        found.append((texts, work.quotable, work.dangling, work.summary))
    return found


def joined(works: Sequence[ArticleWork], folding: Folding) -> Corpus:
    """One corpus of all the articles' sentences; their stems and terms carried over
    where every article has them (all were worked out in this process)."""
    corpus = Corpus(
        tuple(s for w in works for s in w.sentences),
        tuple(q for w in works for q in w.quotable),
        tuple(d for w in works for d in w.dangling),
        folding,
    )
    if all(w.stems is not None and w.terms is not None for w in works):
        corpus.__dict__["stems"] = tuple(s for w in works for s in w.stems or ())
        corpus.__dict__["terms"] = tuple(t for w in works for t in w.terms or ())
    return corpus
