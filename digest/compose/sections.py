"""Transform ranked Points into a Brief: lead, sections from a profile, key figures, sources.

Pure functions. Each point sits in exactly one section (the one whose profile terms it
matches best; ties go to the earlier section); a point that matches none goes under
the profile's "Other developments" section, never dropped. Knows nothing of rendering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from digest.compose.figures import key_figures
from digest.models import (
    Article,
    Brief,
    Conflict,
    FigureValue,
    KeyFigure,
    Point,
    Section,
    Skipped,
    Story,
)
from digest.profile import Profile
from digest.read.text import stem, words
from digest.summarize.conflicts import conflicts
from digest.summarize.corpus import Corpus, is_dangling

LEAD_POINTS = 2
LEAD_STORIES = 3  # several stories: "at a glance" holds one point of each of the top ones
MAX_CITED = 6  # source numbers printed per point; the JSON edition keeps every source
MAX_CITED_STORIES = 2  # ...when a brief shows several stories: their Sources list
# (an entry with its summary per number) would otherwise take the room of the stories
OTHER_STORIES = "Other stories"


@dataclass(frozen=True)
class Chosen:
    """One story with the points chosen for it and the corpus they were chosen from."""

    story: Story
    points: tuple[Point, ...]
    corpus: Corpus


def compose(
    chosen: Sequence[Chosen],
    *,
    articles: Sequence[Article],
    profile: Profile,
    date: dt.date,
    method: str,
    skipped: Sequence[Skipped] = (),
    unshown: Sequence[Story] = (),
    listed: int = 0,
) -> Brief:
    """Arrange the stories shown in full (most important first) into a brief for `date`.

    `unshown` are the stories the page budget leaves out, in order; the first `listed`
    of them are printed by headline under "More stories", and the JSON has them all. A
    chosen story with no point to quote (its headline was all it said) is listed first,
    in the room it would have taken."""
    shown = [_with_conflicts(c) for c in chosen if c.points]
    empty = [c.story for c in chosen if not c.points]
    unshown = [*empty, *unshown]
    listed += len(empty)
    shown = _ranked(shown)
    stories = tuple(c.story for c in shown) + tuple(replace(s, shown=False) for s in unshown)
    brief = Brief(
        title=profile.title,
        subtitle=profile.subtitle,
        date=date,
        lead=choose_lead(shown),
        sections=arrange(shown, profile),
        key_figures=key_figures(shown),
        sources=tuple(articles),
        method=method,
        skipped=tuple(skipped),
        articles_read=len(articles),
        stories=stories,
        listed=min(listed, len(unshown)),
    )
    return numbered(brief)


def _with_conflicts(c: Chosen) -> Chosen:
    """The story's points, each with the figures in it that other sources give otherwise;
    a source that gives another figure is not credited with the point's."""
    at = {s: i for i, s in enumerate(c.corpus.sentences)}
    points = []
    for p in c.points:
        found = conflicts(c.corpus, at[p.sentence])
        other = {n for x in found for f in x.figures[1:] for n in f.sources}
        sources = (p.sources[0], *(n for n in p.sources[1:] if n not in other))
        points.append(replace(p, conflicts=found, sources=sources))
    return replace(c, points=tuple(points))


def _ranked(shown: Sequence[Chosen]) -> list[Chosen]:
    """Points ranked across the brief: story by story, each story's best first."""
    out, rank = [], 0
    for c in shown:
        points = []
        for p in sorted(c.points, key=lambda p: p.rank):
            points.append(replace(p, rank=rank, story=c.story.n))
            rank += 1
        out.append(replace(c, points=tuple(points)))
    return out


def choose_lead(shown: Sequence[Chosen]) -> tuple[Point, ...]:
    """The top points for "at a glance": each stands alone and has no follower.

    One story: its best LEAD_POINTS points (none when it has few). Several: the best
    point of each of the top LEAD_STORIES stories. Lead points stay in their sections
    too (the JSON lists them there); the printed editions show them once, at a glance."""
    if len(shown) == 1:
        ranked = shown[0].points
        if len(ranked) <= LEAD_POINTS + 2:
            return ()
        return tuple(_standalone(ranked)[:LEAD_POINTS])
    lead = []
    for c in shown[:LEAD_STORIES]:
        alone = _standalone(c.points)
        if len(c.points) > 1 and alone:
            lead.append(alone[0])
    return tuple(lead)


def _standalone(ranked: Sequence[Point]) -> list[Point]:
    followed = set(_followers(ranked))
    return [p for p in ranked if id(p) not in followed and not is_dangling(p.text)]


def arrange(shown: Sequence[Chosen], profile: Profile) -> tuple[Section, ...]:
    """Sections: a profile's where they apply, else one per story under its headline.

    With a profile's sections, a story most of whose points match them fills them; every
    other story is a section of its own, after the profile's."""
    if not profile.sections:
        return tuple(_story_section(c) for c in shown)
    if len(shown) == 1:
        return sectionize(shown[0].points, profile)
    fitting = [c for c in shown if _fits(c.points, profile)]
    own = [_story_section(c) for c in shown if c not in fitting]
    points = [p for c in fitting for p in c.points]
    return (sectionize(points, profile) if points else ()) + tuple(own)


def _story_section(c: Chosen) -> Section:
    return Section(c.story.headline, c.points, story=c.story.n)


def _fits(points: Sequence[Point], profile: Profile) -> bool:
    matched = sum(section_of(p.text, profile) is not None for p in points)
    return matched * 2 > len(points)


def numbered(brief: Brief) -> Brief:
    """Number every article read, in order of first citation as printed.

    Sources cited in the printed editions (the first MAX_CITED of each point and key
    figure) come first, then the other sources of the stories shown, then the rest; so
    the printed Sources list is 1..k with no gaps, and the JSON lists every article."""
    number = {old: new for new, old in enumerate(dict.fromkeys(_citation_order(brief)), 1)}
    by_index = {a.index: a for a in brief.sources}
    return replace(
        brief,
        lead=tuple(_renumbered_point(p, number) for p in brief.lead),
        sections=tuple(
            replace(s, points=tuple(_renumbered_point(p, number) for p in s.points))
            for s in brief.sections
        ),
        key_figures=tuple(_renumbered_figure(k, number) for k in brief.key_figures),
        sources=tuple(replace(by_index[old], index=new) for old, new in number.items()),
        stories=tuple(
            replace(s, articles=tuple(sorted(number[a] for a in s.articles))) for s in brief.stories
        ),
    )


def _citation_order(brief: Brief) -> list[int]:
    """Every article's index, in the order numbered() gives them numbers (repeats kept)."""
    order: list[int] = []
    shown = cited_per_point(brief)
    for p in _printed_order(brief):
        order.extend(p.sources[:shown])
    for k in brief.key_figures:
        order.extend(k.sources[:shown])
    differing = [p.conflicts for p in brief.points] + [k.conflicts for k in brief.key_figures]
    for found in differing:  # "sources differ: …" names every source it counts
        order.extend(n for c in found for f in c.figures for n in f.sources)
    for p in brief.points:
        order.extend(p.sources)
    story_rank = {s.n: r for r, s in enumerate(brief.stories)}
    rest = sorted(brief.sources, key=lambda a: (story_rank.get(a.story, len(story_rank)), a.index))
    order.extend(a.index for a in rest)
    return order


def _renumbered_point(p: Point, number: dict[int, int]) -> Point:
    """The point with its article and sources under their new numbers."""
    sentence = replace(p.sentence, article=number[p.sentence.article])
    sources = tuple(number[n] for n in p.sources)
    differ = _renumbered_conflicts(p.conflicts, number)
    return replace(p, sentence=sentence, sources=sources, conflicts=differ)


def _renumbered_figure(k: KeyFigure, number: dict[int, int]) -> KeyFigure:
    """The key figure with its sources under their new numbers."""
    sources = tuple(number[n] for n in k.sources)
    return replace(k, sources=sources, conflicts=_renumbered_conflicts(k.conflicts, number))


def _renumbered_conflicts(
    found: tuple[Conflict, ...], number: dict[int, int]
) -> tuple[Conflict, ...]:
    """The conflicts with each figure's sources under their new numbers, in number order."""
    return tuple(
        replace(
            c,
            figures=tuple(
                FigureValue(f.value, tuple(sorted(number[n] for n in f.sources))) for f in c.figures
            ),
        )
        for c in found
    )


def cited_per_point(brief: Brief) -> int:
    """How many source numbers the printed editions show per point."""
    several = len({s.story for s in brief.sections if s.story is not None}) > 1
    return MAX_CITED_STORIES if several else MAX_CITED


def _printed_order(brief: Brief) -> list[Point]:
    """Points in the order a reader meets them: at a glance, then section by section."""
    return [*brief.lead, *(p for s in brief.sections for p in s.points if p not in brief.lead)]


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
    present = set(stems)  # a term whose first stem is absent cannot occur: not counted
    best, best_score = None, 0
    for spec in profile.sections:
        terms = _profile_terms(profile, spec.title)
        score = sum(len(t) * _count(stems, t) for t in terms if t and t[0] in present)
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
