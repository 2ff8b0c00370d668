"""Transform a page budget into word budgets, before any layout: how many stories a brief
shows in full, how many words of points each one gets, and how many more stories it can
list by headline under "More stories".

An estimate in "line words": a printed word of a point counts 1, and every other part
of the page (a heading, a source line, a More-stories line) is counted as the words of
body text that would fill the same space. The figures were measured on briefs rendered
by WeasyPrint with the bundled print.css (A4, 9.6 pt body): see the comments.

Pure arithmetic; knows nothing of stories' contents, profiles or rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from digest.compose.sections import MAX_CITED_STORIES

# Words of points that fill one A4 page of the print template. Measured: briefs of 40
# and 70 points from DUC cluster d30001 differ by 844 words and 74 lines, 11.4 words a
# line, and a page holds 51 lines (pdftotext -layout): 580 words.
PAGE_WORDS = 580
# The masthead, "At a glance" label, key-figures grid and colophon: an estimate (about
# half a page); the seed brief and the 35-story DUC day fit their two pages with it.
FIXED_WORDS = 300
HEADING_WORDS = 24  # a story's heading (its headline, up to two lines)
SOURCE_WORDS = 26  # one entry of the Sources list with its summary (2-3 lines of 7.8 pt)
POINT_WORDS = 25  # words of a typical point (the 35-story DUC day: 386 words, 16 points)
MORE_LINE_WORDS = 14  # one line under "More stories"
SKIPPED_WORDS = 10  # each file named under "Not briefed" (at most ten are named)

# A story shown in full gets at least MIN_STORY_WORDS of points (two typical points),
# at most MAX_STORY_WORDS alone and MAX_SHARE_WORDS when it shares the brief with
# others; in between, more for stories more outlets report.
MIN_STORY_WORDS = 70
WORDS_PER_SOURCE = 35
MAX_STORY_WORDS = 480
MAX_SHARE_WORDS = 200


@dataclass(frozen=True)
class Plan:
    words: tuple[int, ...]  # words of points for each story shown in full, in order
    listed: int  # stories after those, listed by headline under "More stories"

    @property
    def shown(self) -> int:
        return len(self.words)


def cost(sources: int, words: int) -> int:
    """The line words a story takes: its heading, its points, and its source entries
    (each point prints up to MAX_CITED_STORIES source numbers)."""
    points = -(-words // POINT_WORDS)
    listed = min(sources, max(2, points * MAX_CITED_STORIES))
    return HEADING_WORDS + words + SOURCE_WORDS * listed


def plan(sources: Sequence[int], *, pages: int, skipped: int = 0, scale: float = 1.0) -> Plan:
    """Word budgets for stories ordered by importance, given each one's distinct sources.

    First as many stories as fit at their smallest (two points each), keeping room to
    list a few more by headline; then the room left goes to them, most important
    first, each up to what its sources call for."""
    fixed = FIXED_WORDS + SKIPPED_WORDS * min(skipped, 10)
    room = int((pages * PAGE_WORDS - fixed) * scale)
    if len(sources) == 1:
        listed = min(sources[0], 8)
        return Plan((max(MIN_STORY_WORDS, min(room - SOURCE_WORDS * listed, MAX_STORY_WORDS)),), 0)

    def reserve(shown: int) -> int:
        rest = len(sources) - shown
        return HEADING_WORDS + MORE_LINE_WORDS * min(rest, 3) if rest else 0

    shown = 1
    while shown < len(sources):
        need = sum(cost(c, MIN_STORY_WORDS) for c in sources[: shown + 1])
        if need + reserve(shown + 1) > room:
            break
        shown += 1
    words = [MIN_STORY_WORDS] * shown
    left = room - sum(cost(c, MIN_STORY_WORDS) for c in sources[:shown]) - reserve(shown)
    for k, count in enumerate(sources[:shown]):
        want = min(MAX_SHARE_WORDS, MIN_STORY_WORDS + WORDS_PER_SOURCE * (count - 1))
        while words[k] < want:
            step = min(10, want - words[k])
            extra = cost(count, words[k] + step) - cost(count, words[k])
            if extra > left:
                break
            words[k] += step
            left -= extra
    rest = len(sources) - shown
    listed = min(rest, max(left + reserve(shown) - HEADING_WORDS, 0) // MORE_LINE_WORDS)
    return Plan(tuple(words), int(listed))


def most_points(sources: Sequence[int], *, pages: int, skipped: int = 0) -> int:
    """The most points of typical length that `pages` hold, with the stories a plan shows
    in full: the room the fixed parts leave, less each story's heading and sources."""
    shown = plan(sources, pages=pages, skipped=skipped).shown
    room = pages * PAGE_WORDS - FIXED_WORDS - SKIPPED_WORDS * min(skipped, 10)
    room -= sum(HEADING_WORDS + SOURCE_WORDS * count for count in sources[:shown])
    return max(shown, room // POINT_WORDS)


SHRINK_MARGIN = 0.85


def shrink(sources: Sequence[int], *, pages: int, skipped: int, laid_out: int) -> Plan:
    """The one corrective re-plan after a layout ran to `laid_out` pages: the room cut
    in proportion, with a margin (0.85), so fewer stories and fewer words."""
    return plan(sources, pages=pages, skipped=skipped, scale=pages / laid_out * SHRINK_MARGIN)


# A first layout that fit but left more than a tenth of its pages empty gets one fuller
# layout, its room scaled by what the layout used, less this margin. On the 35-story DUC
# day the first plan filled 1.55 of 2 pages; the fuller one shows more stories and still
# fits (kept only when it does).
GROW_BELOW = 0.9
GROW_MARGIN = 0.95


def grow(sources: Sequence[int], *, pages: int, skipped: int, used: float) -> Plan:
    """The one corrective re-plan after a layout that fit in `used` pages (fractional):
    the room scaled up in proportion, with a margin. The same plan when it was full."""
    if used >= pages * GROW_BELOW or used <= 0:
        return plan(sources, pages=pages, skipped=skipped)
    return plan(sources, pages=pages, skipped=skipped, scale=pages / used * GROW_MARGIN)


def fewer_points(points: int, *, pages: int, laid_out: int) -> int:
    """A capped number of points after a layout ran to `laid_out` pages: cut the same way."""
    return max(1, int(points * pages / laid_out * SHRINK_MARGIN))
