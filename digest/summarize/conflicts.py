"""Find where a story's sources give different figures for the same thing.

A figure's *thing* is the words that say what it counts: "54,000 US troops" counts
troops, "a three-star commander" a rank in stars. Two figures conflict when they count
the same thing (the same head word, after the profile's synonyms) in sentences about the
same fact (similar enough, and neither naming a place or person the other lacks), and
different outlets give them. An outlet that gives both ("a three-star general, not the
four-star rank Japan had requested") reports a difference, not a conflict.

Knows sentences and their articles (Corpus), nothing of sections or rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.models import Conflict, FigureValue
from digest.read.text import STOPWORDS, content_stems, words
from digest.summarize.corpus import SAME_FIGURE, Corpus

# Sentences that give different figures share less than ones that give the same: the
# figure itself is one of their rarer words. So the weaker same-figure cut applies.
SIMILAR = SAME_FIGURE
_UNIT_WORDS = 3  # words after a number that may say what it counts ("US military personnel")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]+")
_WORD = re.compile(r"\s+([A-Za-z][A-Za-z’'-]*)([^\sA-Za-z]*)")  # a word, then punctuation


@dataclass(frozen=True)
class _Found:
    sentence: int
    figure: str
    about: str  # the words that say what it counts, as written
    head: str  # their last content stem, synonyms folded: what is compared


def value_key(figure: str) -> str:
    """A figure as compared: '54,000' and '54000' are one value."""
    return figure.lower().replace(",", "")


def conflicts(corpus: Corpus, i: int, *, figure: str | None = None) -> tuple[Conflict, ...]:
    """The conflicts over the figures of sentence i (or only over `figure`), with the
    sources (Article.index) that give each value, the sentence's own value first."""
    out = []
    for own in _counted(corpus, i):
        if figure is not None and value_key(own.figure) != value_key(figure):
            continue
        found = _conflict(corpus, own)
        if found is not None:
            out.append(found)
    return tuple(out)


def _conflict(corpus: Corpus, own: _Found) -> Conflict | None:
    given: dict[str, set[int]] = {}  # value → articles giving it for this thing
    shown: dict[str, str] = {}  # value → as first written
    sentences = corpus.sentences
    for j in [own.sentence, *_alike(corpus, own.sentence)]:
        for other in _counted(corpus, j):
            if other.head != own.head:
                continue
            key = value_key(other.figure)
            given.setdefault(key, set()).add(sentences[j].article)
            shown.setdefault(key, other.figure)
    both = {a for key in given for a in given[key] if _in_several(given, a)}
    # An outlet that gives the point's own value for this thing anywhere in its article
    # reports two facts, not another figure for this one: "the 45 Democrats" and, later,
    # "12 Democrats would have to defect" (found reading many-story DUC days).
    mine = value_key(own.figure)
    both |= {
        a
        for key, articles in given.items()
        if key != mine
        for a in articles
        if _gives(corpus, a, mine, own.head)
    }
    values = {key: articles - both for key, articles in given.items() if articles - both}
    if len(values) < 2 or value_key(own.figure) not in values:
        return None
    first = value_key(own.figure)
    ordered = [first, *sorted(k for k in values if k != first)]
    return Conflict(
        about=own.about,
        figures=tuple(FigureValue(shown[k], tuple(sorted(values[k]))) for k in ordered),
    )


def _gives(corpus: Corpus, article: int, value: str, head: str) -> bool:
    """Does the article give this value for this thing in any of its sentences?"""
    return any(
        value_key(found.figure) == value and found.head == head
        for k in corpus.by_article.get(article, ())
        for found in _counted(corpus, k)
    )


def _in_several(given: dict[str, set[int]], article: int) -> bool:
    return sum(article in found for found in given.values()) > 1


def _alike(corpus: Corpus, i: int) -> list[int]:
    """Sentences of other articles about the same fact as sentence i."""
    own = corpus.sentences[i]
    names = _names(own.text)
    out = []
    for j in corpus.neighbours(i, SIMILAR):
        other = corpus.sentences[j]
        if other.article == own.article:
            continue
        theirs = _names(other.text)
        if names - theirs and theirs - names:
            continue  # each names someone or somewhere the other does not: two things
        out.append(j)
    return out


def _names(text: str) -> set[str]:
    """Stems of its capitalised words, the first one too unless a function word."""
    found = [w.lower() for w in _CAPITALISED.findall(text)]
    return set(content_stems(tuple(w for w in found if w not in STOPWORDS)))


def _counted(corpus: Corpus, i: int) -> list[_Found]:
    """The figures of sentence i that say what they count."""
    text = corpus.sentences[i].text
    out = []
    for figure in sorted(corpus.figures[i]):
        unit, about = _about(text, figure)
        stems = content_stems(words(unit))
        if stems:
            out.append(_Found(i, figure, about, corpus.folded(stems)[-1]))
    return out


def _about(text: str, figure: str) -> tuple[str, str]:
    """What the figure counts (its unit) and the words that say so, as written.

    'three-star commander' counts stars ('star commander'); '54,000 US troops' counts
    troops: up to three words after the number, stopping at a function word or at
    punctuation."""
    start = text.lower().find(figure)
    if start < 0:
        return "", ""
    after: list[str] = []
    pos = start + len(figure)
    while len(after) < _UNIT_WORDS:
        match = _WORD.match(text, pos)
        if match is None or match[1].lower() in STOPWORDS:
            break
        after.append(match[1])
        pos = match.end()
        if match[2]:
            break
    if "-" in figure:  # "three-star", "5-year": the unit is joined to the number
        unit = figure.split("-", 1)[1]
        return unit, " ".join([unit, *after])
    return " ".join(after), " ".join(after)
