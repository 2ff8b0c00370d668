"""Transform the chosen stories' points into the brief's key figures, each with its context.

A key figure is a number a point quotes that counts something ("54,000 US military
personnel"), never a year, a date, an age or an ordinal; it comes with the clause that
holds it, verbatim, and the articles of its story that state the same fact. Pure
functions; knows nothing of sections or rendering.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from digest.models import Conflict, KeyFigure
from digest.read.text import STOPWORDS
from digest.summarize.conflicts import conflicts
from digest.summarize.corpus import YEAR, Corpus, is_ordinal

if TYPE_CHECKING:
    from digest.compose.sections import Chosen

MAX_KEY_FIGURES = 6

_DATE_LIKE = re.compile(r"^\d{1,2}(?:[-–]\d{1,2})?$")  # a day, or days: "Dec. 6-20"
_CLAUSE = re.compile(r"[,;:—–]\s+|\s+[—–]\s+")


def key_figures(shown: Sequence[Chosen]) -> tuple[KeyFigure, ...]:
    """The figures the brief's points quote, each once, with the clause around it.

    A figure's sources are the point's own article and every other article of its story
    that gives the same figure in a sentence stating the same fact; figures more outlets
    report come first, then the more important point's."""
    chosen: list[tuple[int, int, str, str, str, tuple[int, ...], tuple[Conflict, ...]]] = []
    seen: set[str] = set()
    for c in shown:
        corpus = c.corpus
        at = {s: i for i, s in enumerate(corpus.sentences)}
        for p in c.points:
            anchor = at[p.sentence]
            # In reading order: "64 of the 122 seats" is found at 64 and covers the 122.
            text = p.text.lower()
            for figure in sorted(corpus.figures[anchor], key=lambda f: (text.find(f), f)):
                if figure in seen or not _is_key(figure, p.text):
                    continue
                phrase, context = _in_context(p.text, figure)
                if not _names_a_thing(phrase, figure):
                    continue
                seen.update(f for f in corpus.figures[anchor] if f in phrase.lower())
                seen.add(figure)
                where = [i for i, found in enumerate(corpus.figures) if figure in found]
                sources = _figure_sources(corpus, anchor, where)
                differ = conflicts(corpus, anchor, figure=figure)
                chosen.append((-len(sources), p.rank, figure, phrase, context, sources, differ))
    chosen.sort(key=lambda entry: entry[:3])
    return tuple(
        KeyFigure(phrase, context, sources, differ)
        for _, _, _, phrase, context, sources, differ in chosen[:MAX_KEY_FIGURES]
    )


def _figure_sources(corpus: Corpus, anchor: int, where: list[int]) -> tuple[int, ...]:
    own = corpus.sentences[anchor].article
    others = {
        corpus.sentences[j].article for j in where if j != anchor and corpus.same_fact(anchor, j)
    }
    return (own, *sorted(others - {own}))


def _is_key(figure: str, text: str) -> bool:
    if is_ordinal(figure, text):
        return False  # an ordinal or a code: "20th century", "5G"
    if re.search(rf"(?<![\w.,]){re.escape(figure)}s?-old\b", text.lower()):
        return False  # an age, which describes someone: "27-year-old Ruslan Linkov"
    bare = figure.replace(",", "")
    if YEAR.fullmatch(bare):
        return False  # a year is a date, not a figure
    if _DATE_LIKE.match(bare):
        month = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
        if re.search(rf"{month}\s+{bare}\b|\b{bare}\s+{month}", text):
            return False
    return True


_WEEKDAYS_MONTHS = re.compile(
    r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day$|^(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december)$",
    re.I,
)
_COMPARATIVES = {"more", "fewer", "less"}  # "2,500 more troops": part of what is counted
# Prepositions the stopword list lacks: one ends what is counted ("40,000 households
# across the region"). English grammar, not any beat's vocabulary. Not "per" ("$80 per
# barrel", "40 per cent"), nor those that are adjectives too ("3 past champions", "12
# outside directors").
_PREPOSITIONS = frozenset(
    "across along amid amidst among amongst around behind beside besides beyond despite "
    "onto since toward towards via within without throughout till unlike versus".split()
)
_ENDS_UNIT = STOPWORDS | _PREPOSITIONS
_UNIT_WORD = re.compile(r"^[A-Za-z][A-Za-z’'-]*$")
_JOINING = {"and", "or"}  # two things counted together: "10 misconduct and corruption charges"
_UNIT_MOST = 5  # words after a number: three, or five when "and"/"or" joins two of them
_NUMBER = r"\d+(?:[.,]\d+)*"  # "122", "3,100", "2.5": never the punctuation after it
# Words a key figure's context holds at least, where its sentence has them: a reading
# choice, not a measured one (a clause of six words can say who did what to how many;
# "along with 45 Democrats" cannot). Below the eight words a quoted sentence has at least.
_CONTEXT_LEAST = 6


def _in_context(text: str, figure: str) -> tuple[str, str]:
    """The figure with the words that say what it counts, and its clause, verbatim.

    "54,000 US military personnel", "64 of the 122 parliamentary seats", "$35 million":
    up to three words after the number, never a function word, a day or a month, nor
    a word that ends like a verb form ('-ed', '-ing') at the end."""
    phrase, start, end = _counted(text, figure)
    return phrase, _clause(text, start, end)


def _counted(text: str, figure: str) -> tuple[str, int, int]:
    """The figure with what it counts, and where that phrase starts and ends in `text`.

    A currency sign before the number belongs to it; so does a whole after a part
    ("64 of the 122") and, when a unit follows, a second number ("13 and 11 years")."""
    start = text.lower().find(figure)
    end = start + len(figure)
    if start > 0 and text[start - 1] in "$€£¥":
        start -= 1
    alone = end
    share = re.match(rf"\s+of\s+(?:the\s+)?{_NUMBER}", text[end:])
    pair = None if share else re.match(rf"\s+(?:and|or)\s+{_NUMBER}(?=\s)", text[end:])
    if share:  # "64 of the 122 …": the part and the whole
        end += share.end()
    elif pair:  # "13 and 11 years": two numbers of one unit, if a unit follows
        end += pair.end()
    tail = _unit(text[end:])
    if pair and not tail:
        end = alone  # "won 2 and 3 of the races": no unit, so no pair either
    phrase = (text[start:end] + tail).strip()
    end += len(tail)
    return phrase, start, end


def _unit(after: str) -> str:
    """The words at the start of `after` that say what the number before them counts."""
    unit: list[str] = []
    at = 0
    for match in re.finditer(r"\s+([^\s]+)", after):
        if match.start() != at:
            break  # punctuation first: "122, officials said" counts nothing
        at = match.end()
        word = match[1]
        bare = word.rstrip(".,;:!?”\"’')")
        joined = any(u.strip().lower() in _JOINING for u in unit)
        if not _UNIT_WORD.match(bare) or len(unit) == (_UNIT_MOST if joined else 3):
            break
        if unit and bare.lower() in _JOINING and len(unit) < _UNIT_MOST - 1:
            unit.append(match[0])  # "10 sexual misconduct and corruption charges"
            continue
        if bare.lower() not in _COMPARATIVES and (
            bare.lower() in _ENDS_UNIT or _WEEKDAYS_MONTHS.match(bare)
        ):
            break
        if unit and re.search(r"(?:ed|ing)$", bare):
            break  # most likely a verb: "355 inventions included dynamite"
        unit.append(match[0])
        if bare != word:
            break  # punctuation closes the phrase
    while unit and (
        re.search(r"(?:ed|ing)\W*$", unit[-1])
        or unit[-1].strip().lower() in _COMPARATIVES | _JOINING
    ):
        unit.pop()
    return "".join(unit).rstrip(".,;:!?”\"’')")


def _clause(text: str, start: int, end: int) -> str:
    """The clause of `text` that holds text[start:end], with "…" where it was cut.

    Widened by the clause before it (else after it) while it says too little to stand
    alone: "…along with 45 Democrats" becomes "…there are only 55 Republicans in the
    Senate, along with 45 Democrats"."""
    lefts = [0, *(m.end() for m in _CLAUSE.finditer(text, 0, start))]
    rights = [m.start() for m in _CLAUSE.finditer(text, end)] + [len(text)]
    left, right = lefts.pop(), rights.pop(0)
    while len(text[left:right].split()) < _CONTEXT_LEAST and (lefts or rights):
        if lefts:
            left = lefts.pop()
        else:
            right = rights.pop(0)
    context = text[left:right].strip().rstrip(".")
    if left > 0:
        context = "…" + context
    if right < len(text):
        context = context + "…"
    return context


def _names_a_thing(phrase: str, figure: str) -> bool:
    """Does the phrase say what the number counts ('54,000 troops', 'three-star', '2%')?"""
    return phrase.lstrip("$€£¥") != figure or bool(re.search(r"[%-]", figure))
