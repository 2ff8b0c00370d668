"""Summarization methods: each turns a Corpus into a ranking of its sentences.

One name → callable registry. `coverage` is digest's own multi-document method (in
`digest.summarize.coverage`); `centroid` a one-pass one for single articles; the others
are sumy's algorithms run over all articles as one document, given digest's offline
tokenizer. sumy objects never leave this module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from digest.errors import ConfigError
from digest.read.text import SumyTokenizer
from digest.summarize.corpus import Corpus
from digest.summarize.coverage import Coverage

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
        raise ConfigError(
            f"unknown summarization method {name!r}; choose one of: {known}"
        ) from None


METHODS["coverage"] = Coverage()


@method("centroid")
def centroid(corpus: Corpus) -> Ranking:
    """Sentences by how close each is to the centroid of all of them (Radev et al., 2004).

    One pass over the sentences: cheap enough to condense every article of a large day
    on its own (the sources' summaries), where the coverage program would dominate."""
    total: dict[str, float] = {}
    for vec in corpus.vectors:
        for w, v in vec.items():
            total[w] = total.get(w, 0.0) + v
    scores = [sum(v * total[w] for w, v in vec.items()) for vec in corpus.vectors]
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return [(i, scores[i]) for i in order]


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
