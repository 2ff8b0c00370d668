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

# Body words of points that fill one A4 page of the print template (measured: a full
# page of points holds 610-640 words; rounded down for the spacing between points).
PAGE_WORDS = 600
# The masthead, "At a glance" label, key-figures grid and colophon: about 0.55 page.
FIXED_WORDS = 300
HEADING_WORDS = 24  # a story's heading (its headline, up to two lines)
SOURCE_WORDS = 30  # one line of the Sources list with its one-sentence summary
MORE_LINE_WORDS = 14  # one line under "More stories"
SOURCES_PER_STORY = 5  # most source lines a story adds to the printed list

# A story shown in full gets at least this many words of points (two typical points),
# and at most MAX_STORY_WORDS; in between, more for stories more outlets report.
MIN_STORY_WORDS = 70
WORDS_PER_SOURCE = 35
MAX_STORY_WORDS = 480


@dataclass(frozen=True)
class Plan:
    words: tuple[int, ...]  # words of points for each story shown in full, in order
    listed: int  # stories after those, listed by headline under "More stories"

    @property
    def shown(self) -> int:
        return len(self.words)


def plan(sources: Sequence[int], *, pages: int, scale: float = 1.0) -> Plan:
    """Word budgets for stories ordered by importance, given each one's distinct sources.

    First as many stories as fit at their smallest (two points each), keeping room to
    list a few more by headline; then what is left goes to them in proportion to what
    each would take (more for stories more outlets report), most important first."""
    room = int((pages * PAGE_WORDS - FIXED_WORDS) * scale)
    if len(sources) == 1:
        return Plan((min(room - SOURCE_WORDS * min(sources[0], 8), MAX_STORY_WORDS),), 0)
    overheads = [HEADING_WORDS + SOURCE_WORDS * min(c, SOURCES_PER_STORY) for c in sources]
    shown = 0
    while shown < len(sources):
        rest = len(sources) - shown - 1
        reserve = HEADING_WORDS + MORE_LINE_WORDS * min(rest, 3) if rest else 0
        need = sum(overheads[: shown + 1]) + MIN_STORY_WORDS * (shown + 1) + reserve
        if need > room and shown:
            break
        shown += 1
    wants = [
        min(MAX_STORY_WORDS, MIN_STORY_WORDS + WORDS_PER_SOURCE * (c - 1)) for c in sources[:shown]
    ]
    rest = len(sources) - shown
    reserve = HEADING_WORDS + MORE_LINE_WORDS * min(rest, 3) if rest else 0
    spare = max(room - sum(overheads[:shown]) - MIN_STORY_WORDS * shown - reserve, 0)
    extra = sum(w - MIN_STORY_WORDS for w in wants) or 1
    words = [
        MIN_STORY_WORDS + min(w - MIN_STORY_WORDS, spare * (w - MIN_STORY_WORDS) // extra)
        for w in wants
    ]
    left = room - sum(overheads[:shown]) - sum(words) - (HEADING_WORDS if rest else 0)
    listed = min(rest, max(left, 0) // MORE_LINE_WORDS)
    return Plan(tuple(words), int(listed))


def shrink(sources: Sequence[int], *, pages: int, laid_out: int) -> Plan:
    """The one corrective re-plan after a layout ran to `laid_out` pages: the room cut
    in proportion, with a margin (0.85: the second layout of the 35-story DUC day then
    fits), so fewer stories and fewer words."""
    return plan(sources, pages=pages, scale=pages / laid_out * 0.85)
