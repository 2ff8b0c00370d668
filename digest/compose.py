"""Transform ranked Points into a Brief: lead, sections from a profile, key figures, sources.

Pure functions. Each point sits in exactly one section (the one whose profile terms it
matches best; ties go to the earlier section); a point that matches none goes under
the profile's "Other developments" section, never dropped. Knows nothing of rendering.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from digest.config import Profile
from digest.corpus import Corpus, is_dangling
from digest.models import Article, Brief, KeyFigure, Point, Section, Skipped
from digest.text import stem, words

LEAD_POINTS = 2
MAX_KEY_FIGURES = 6


def compose(
    points: Sequence[Point],
    *,
    corpus: Corpus,
    articles: Sequence[Article],
    profile: Profile,
    date: dt.date,
    method: str,
    skipped: Sequence[Skipped] = (),
) -> Brief:
    """Arrange points (most important first) into a brief for `date`."""
    ranked = sorted(points, key=lambda p: p.rank)
    brief = Brief(
        title=profile.title,
        subtitle=profile.subtitle,
        date=date,
        lead=choose_lead(ranked),
        sections=sectionize(ranked, profile),
        key_figures=key_figures(corpus, ranked),
        sources=tuple(articles),
        method=method,
        skipped=tuple(skipped),
        articles_read=len(articles),
    )
    return cited_only(brief)


def choose_lead(ranked: Sequence[Point]) -> tuple[Point, ...]:
    """The top points for "at a glance": each stands alone and has no follower.

    Lead points stay in their sections too (the JSON lists them there); the printed
    editions show them once, at a glance."""
    if len(ranked) <= LEAD_POINTS + 2:
        return ()
    followed = set(_followers(ranked))
    alone = [p for p in ranked if id(p) not in followed and not is_dangling(p.text)]
    return tuple(alone[:LEAD_POINTS])


def cited_only(brief: Brief) -> Brief:
    """Keep the sources the brief cites, numbered 1..n in input order.

    A brief of thousands of articles lists the few it quotes, not all it read."""
    cited = {n for p in brief.points for n in p.sources}
    cited |= {n for k in brief.key_figures for n in k.sources}
    kept = [a for a in brief.sources if a.index in cited]
    number = {a.index: new for new, a in enumerate(kept, 1)}

    def point(p: Point) -> Point:
        sentence = replace(p.sentence, article=number[p.sentence.article])
        return replace(p, sentence=sentence, sources=tuple(number[n] for n in p.sources))

    return replace(
        brief,
        lead=tuple(point(p) for p in brief.lead),
        sections=tuple(
            replace(s, points=tuple(point(p) for p in s.points)) for s in brief.sections
        ),
        key_figures=tuple(
            replace(k, sources=tuple(number[n] for n in k.sources)) for k in brief.key_figures
        ),
        sources=tuple(replace(a, index=number[a.index]) for a in kept),
    )


# Sections ----------------------------------------------------------------------------


def sectionize(points: Sequence[Point], profile: Profile) -> tuple[Section, ...]:
    """Group points under the profile's sections, in profile order, best point first.

    A point that leans on the sentence before it (see corpus.is_dangling) follows that
    sentence's point, in its section, so the pair reads as the source wrote it."""
    buckets: dict[str, list[Point]] = {spec.title: [] for spec in profile.sections}
    buckets[profile.other] = []
    followers = _followers(points)
    led = {id(f) for f in followers.values()}
    for point in sorted(points, key=lambda p: p.rank):
        if id(point) not in led:
            buckets[section_of(point.text, profile) or profile.other].append(point)
    sections = []
    for title, found in buckets.items():
        chain: list[Point] = []
        for head in found:
            link: Point | None = head
            while link is not None:
                chain.append(link)
                link = followers.get(id(link))
        if chain:
            sections.append(Section(title, tuple(chain)))
    return tuple(sections)


def _followers(points: Sequence[Point]) -> dict[int, Point]:
    """id(point) → the dangling point that continues it in the same article."""
    at = {(p.sentence.article, p.sentence.position): p for p in points}
    follows = {}
    for p in points:
        before = at.get((p.sentence.article, p.sentence.position - 1))
        if before is not None and is_dangling(p.text):
            follows[id(before)] = p
    return follows


def section_of(text: str, profile: Profile) -> str | None:
    """The profile section whose terms this text matches best (None: it matches none).

    Longer terms weigh more; a tie goes to the section listed first."""
    stems = tuple(stem(w) for w in words(text))
    best, best_score = None, 0
    for spec in profile.sections:
        score = sum(len(t) * _count(stems, t) for t in _profile_terms(profile, spec.title))
        if score > best_score:
            best, best_score = spec.title, score
    return best


@lru_cache(maxsize=256)
def _profile_terms(profile: Profile, title: str) -> tuple[tuple[str, ...], ...]:
    spec = next(s for s in profile.sections if s.title == title)
    return tuple(_term_stems(t) for t in spec.terms)


def _term_stems(term: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(term))


def _count(stems: tuple[str, ...], term: tuple[str, ...]) -> int:
    n = len(term)
    if n == 0:
        return 0
    return sum(1 for i in range(len(stems) - n + 1) if stems[i : i + n] == term)


# Key figures -------------------------------------------------------------------------

_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_DATE_LIKE = re.compile(r"^\d{1,2}$")
_CLAUSE = re.compile(r"[,;:—–]\s+|\s+[—–]\s+")


def key_figures(corpus: Corpus, points: Sequence[Point]) -> tuple[KeyFigure, ...]:
    """The figures the sources report, each once, quoted with the clause around it.

    A figure qualifies when it is in a point of the brief or two articles report it;
    figures more outlets report come first. Its context comes from the brief's own point
    when there is one, so the reader finds it again below.
    """
    in_points = {corpus.sentences.index(p.sentence): p.rank for p in points}
    mentions: dict[str, list[int]] = {}
    for i, found in enumerate(corpus.figures):
        if not corpus.quotable[i]:
            continue
        for figure in found:
            if _is_key(figure, corpus.sentences[i].text):
                mentions.setdefault(figure, []).append(i)
    chosen = []
    for figure, where in mentions.items():
        anchor = min(
            where, key=lambda i: (in_points.get(i, len(corpus.sentences)), corpus.dangling[i], i)
        )
        sources = _figure_sources(corpus, anchor, where)
        rank = in_points.get(anchor)
        if rank is None and len(sources) < 2:
            continue
        chosen.append(
            (-len(sources), rank if rank is not None else len(in_points), figure, anchor, sources)
        )
    chosen.sort()
    out = []
    for _, _, figure, anchor, sources in chosen[:MAX_KEY_FIGURES]:
        phrase, context = _in_context(corpus.sentences[anchor].text, figure)
        out.append(KeyFigure(phrase, context, sources))
    return tuple(out)


def _figure_sources(corpus: Corpus, anchor: int, where: list[int]) -> tuple[int, ...]:
    own = corpus.sentences[anchor].article
    others = {
        corpus.sentences[j].article for j in where if j != anchor and corpus.same_fact(anchor, j)
    }
    return (own, *sorted(others - {own}))


def _is_key(figure: str, text: str) -> bool:
    bare = figure.replace(",", "")
    if _YEAR.match(bare):
        return False  # a year is a date, not a figure
    if _DATE_LIKE.match(bare):
        month = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
        if re.search(rf"{month}\s+{bare}\b|\b{bare}\s+{month}", text):
            return False
    return True


def _in_context(text: str, figure: str) -> tuple[str, str]:
    """The figure with the words that say what it counts, and its clause, verbatim."""
    start = text.lower().find(figure)
    end = start + len(figure)
    tail = re.match(r"(?:\s+[A-Za-z][\w’'-]*){0,2}", text[end:])
    unit = tail[0] if tail else ""
    unit = re.split(r"\s+(?:of|in|to|for|and|from|that|which|who|with|by|at|on)\b", unit)[0]
    phrase = (text[start:end] + unit).strip()
    left = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    right_match = _CLAUSE.search(text, end + len(unit))
    right = right_match.start() if right_match else len(text)
    context = text[left:right].strip().rstrip(".")
    if left > 0:
        context = "…" + context
    if right < len(text):
        context = context + "…"
    return phrase, context
