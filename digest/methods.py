"""Summarization methods: each turns a Corpus into a ranking of its sentences.

One name → callable registry. `coverage` is digest's own multi-document method; the
others are sumy's algorithms run over all articles as one document, given digest's
offline tokenizer. sumy objects never leave this module.
"""

from __future__ import annotations

import heapq
import importlib
from collections.abc import Callable
from typing import Any

from digest.corpus import Corpus
from digest.errors import ConfigError
from digest.text import SumyTokenizer

DEFAULT_METHOD = "coverage"

Ranking = list[tuple[int, float]]  # (sentence index, score), best first
Method = Callable[[Corpus], Ranking]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    def register(func: Method) -> Method:
        METHODS[name] = func
        return func

    return register


def get_method(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        known = ", ".join(sorted(METHODS))
        raise ConfigError(f"unknown summarization method {name!r}; choose one of: {known}") from None



# coverage: digest's own multi-document method ---------------------------------------
#
# A concept is a pair of neighbouring content stems (a bigram) or a single stem. A
# concept counts for as many articles as mention it, so facts several outlets report
# weigh most. Sentences are chosen greedily by the weight of concepts they add per word
# (a submodular objective: each concept counts once, so repeats earn nothing), which
# ranks the sentences and removes redundancy in one pass.

_UNIGRAM_WEIGHT = 0.3
_LENGTH_EXPONENT = 0.6
_LEAD_BONUS = 0.5  # extra weight for concepts met in the first sentences of an article
_DANGLING_FACTOR = 0.3


def _concepts(stems: tuple[str, ...]) -> set[str]:
    bigrams = {f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)}
    return bigrams | set(stems)


def _concept_weights(corpus: Corpus, concepts: list[set[str]]) -> dict[str, float]:
    articles: dict[str, set[int]] = {}
    lead: dict[str, float] = {}
    for sentence, found in zip(corpus.sentences, concepts, strict=True):
        bonus = _LEAD_BONUS / (1 + sentence.position)
        for c in found:
            articles.setdefault(c, set()).add(sentence.article)
            lead[c] = max(lead.get(c, 0.0), bonus)
    several = len({s.article for s in corpus.sentences}) > 1
    weights = {}
    for c, where in articles.items():
        df = len(where)
        if several and df < 2:
            continue
        scale = 1.0 if " " in c else _UNIGRAM_WEIGHT
        weights[c] = scale * (df + lead[c])
    return weights


@method("coverage")
def coverage(corpus: Corpus) -> Ranking:
    concepts = [_concepts(stems) for stems in corpus.stems]
    weights = _concept_weights(corpus, concepts)
    prior = [
        (_DANGLING_FACTOR if dangling else 1.0) / max(len(s.words), 1) ** _LENGTH_EXPONENT
        for s, dangling in zip(corpus.sentences, corpus.dangling, strict=True)
    ]
    covered: set[str] = set()

    def gain(i: int) -> float:
        return prior[i] * sum(weights.get(c, 0.0) for c in concepts[i] - covered)

    heap = [(-gain(i), i) for i in range(len(concepts)) if corpus.quotable[i]]
    heapq.heapify(heap)
    ranking: Ranking = []
    while heap:
        _, i = heapq.heappop(heap)
        fresh = gain(i)
        if heap and fresh < -heap[0][0]:
            heapq.heappush(heap, (-fresh, i))  # lazy greedy: gains only ever shrink
            continue
        if fresh <= 0:
            break
        ranking.append((i, fresh))
        covered |= concepts[i]
    ranked = {i for i, _ in ranking}
    rest = [i for i in range(len(concepts)) if i not in ranked]
    return ranking + [(i, 0.0) for i in rest]


# sumy's algorithms -------------------------------------------------------------------

_SUMY = {
    "lexrank": ("sumy.summarizers.lex_rank", "LexRankSummarizer"),
    "textrank": ("sumy.summarizers.text_rank", "TextRankSummarizer"),
    "lsa": ("sumy.summarizers.lsa", "LsaSummarizer"),
    "luhn": ("sumy.summarizers.luhn", "LuhnSummarizer"),
    "kl": ("sumy.summarizers.kl", "KLSummarizer"),
    "sumbasic": ("sumy.summarizers.sum_basic", "SumBasicSummarizer"),
    "edmundson": ("sumy.summarizers.edmundson", "EdmundsonSummarizer"),
}


def _build_sumy(name: str) -> Any:
    """A sumy summarizer configured the way sumy's own command line configures it."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.utils import get_stop_words

    module, cls_name = _SUMY[name]
    summarizer = getattr(importlib.import_module(module), cls_name)(Stemmer("english"))
    stop_words = get_stop_words("english")
    if name == "edmundson":
        summarizer.null_words = stop_words
        summarizer.bonus_words = PlaintextParser.SIGNIFICANT_WORDS
        summarizer.stigma_words = PlaintextParser.STIGMA_WORDS
    else:
        summarizer.stop_words = stop_words
    return summarizer


def _sumy_document(corpus: Corpus) -> Any:
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    tokenizer = SumyTokenizer()
    groups: dict[tuple[int, int], list[Any]] = {}
    for s in corpus.sentences:
        groups.setdefault((s.article, s.paragraph), []).append(SumySentence(s.text, tokenizer))
    return ObjectDocumentModel(Paragraph(group) for group in groups.values())


def _sumy_ranking(name: str, corpus: Corpus) -> Ranking:
    document = _sumy_document(corpus)
    recorded: list[Any] = []

    def keep_all(infos: list[Any]) -> list[Any]:
        # sumy hands its count callable every sentence sorted best first: record it.
        recorded.extend(infos)
        return infos

    if document.sentences:
        _build_sumy(name)(document, keep_all)
    return [(info.order, float(info.rating)) for info in recorded]


def _register_sumy(name: str) -> None:
    METHODS[name] = lambda corpus: _sumy_ranking(name, corpus)


for _name in _SUMY:
    _register_sumy(_name)
