"""Transform a grouping of articles into a refined one: each in the story it fits best.

Average linkage (see `digest.summarize.stories`) merges greedily and early, so an
article can end in the wrong one of two stories on one subject, or in a story it barely
belongs to. Refinement compares each article with its own story and its neighbours'
(the candidate pairs grouping found), by mean cosine, and moves it, or sets it apart,
round after round until none moves. Knows nothing of headlines or of how the first
grouping was made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from digest.summarize.vectors import Rows

# Rounds until no article moves: at most 7 on the DUC mixes (benchmarks/stories.py); the
# bound only guarantees an end.
REFINE_ROUNDS = 10
_PAIR_BLOCK = 8192  # (article, story) dot products computed at once, to bound memory


def refine(
    matrix: Rows,
    pairs: dict[tuple[int, int], float],
    members: list[list[int]],
    *,
    join: float,
    eject: float,
) -> list[list[int]]:
    """Move each article to the story it is most alike, where it is alike enough.

    An article is compared with its own story and with the stories of its candidate
    neighbours only (so the cost stays linear): by its mean cosine with their articles.
    It moves when another story of two or more articles is more alike than its own and
    at least `join` times that story's cohesion (mean cosine within). An article of a
    story of three or more that is less than `eject` times as alike as the rest of its
    story are among themselves, and fits no other, becomes a story of its own. All
    moves of a round are made together, then stories are measured again."""
    stories = _Labels(matrix, pairs, members)
    for _ in range(REFINE_ROUNDS):
        movers, targets, leaving = _moves(stories.measure(), join=join, eject=eject)
        if not len(movers) and not len(leaving):
            break
        stories.move(movers, targets, leaving)
    return stories.groups()


@dataclass(frozen=True)
class _Measured:
    """One round's view: each (article, story) pair compared, and each story's figures."""

    label: np.ndarray  # article → its story
    articles: np.ndarray  # the pairs' articles...
    stories: np.ndarray  # ...and stories
    dots: np.ndarray  # the article's vector · the story's summed vector
    size: np.ndarray  # story → articles in it
    norms: np.ndarray  # story → |summed vector|²


def _moves(
    seen: _Measured, *, join: float, eject: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The articles that move, the stories they move to, and the articles that leave."""
    size, articles, stories, dots = seen.size, seen.articles, seen.stories, seen.dots
    # Rows are unit vectors: the summed cosine within a story is |sum|² − size.
    cohesion = (seen.norms - size) / np.maximum(size * (size - 1), 1.0)
    own = stories == seen.label[articles]
    # An article's mean cosine with a story's articles, itself left out.
    mean = (dots - own) / np.maximum(size[stories] - own, 1.0)
    home = np.zeros(len(seen.label))
    home[articles[own]] = np.where(size[stories[own]] > 1, mean[own], 0.0)
    fits = ~own & (size[stories] >= 2) & (mean >= join * cohesion[stories])
    fits &= mean > home[articles]
    at = stories[own]
    rest = size[at] - 1
    rest_cohesion = (seen.norms[at] - 2 * dots[own] + 1 - rest) / np.maximum(rest * (rest - 1), 1)
    out = (size[at] >= 3) & (mean[own] < eject * rest_cohesion)
    order = np.lexsort((-mean[fits], articles[fits]))  # each article's best story first
    movers, first = np.unique(articles[fits][order], return_index=True)
    leaving = np.setdiff1d(articles[own][out], movers)
    return movers, stories[fits][order][first], leaving


class _Labels:
    """Which story each article is in, and what a round measured (reused when a pair's
    story did not change since)."""

    def __init__(
        self, matrix: Rows, pairs: dict[tuple[int, int], float], members: list[list[int]]
    ) -> None:
        n = len(matrix.indptr) - 1
        self.matrix = matrix
        self.label = np.empty(n, dtype=np.int64)
        for g, group_members in enumerate(members):
            self.label[group_members] = g
        self.ends = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
        self.width = 2 * n + 1  # labels stay below 2n: a story that is left keeps its number
        self.known = np.zeros(0, dtype=np.int64)  # (article, story) keys measured before
        self.known_dots = np.zeros(0)
        self.changed = np.ones(2 * n, dtype=bool)  # stories whose articles changed since

    def measure(self) -> _Measured:
        n, label, ends, width = len(self.label), self.label, self.ends, self.width
        k = int(label.max()) + 1
        sums = _Sums(self.matrix, label)
        articles = np.concatenate([np.arange(n), ends[:, 0], ends[:, 1]])
        stories = np.concatenate([label, label[ends[:, 1]], label[ends[:, 0]]])
        keys = np.unique(articles * width + stories)
        articles, stories = keys // width, keys % width
        # Only pairs with a story that changed, or new pairs, are measured again.
        known = self.known
        where = np.minimum(np.searchsorted(known, keys), max(len(known) - 1, 0))
        reuse = (known[where] == keys) & ~self.changed[stories] if len(known) else keys < 0
        dots = np.zeros(len(keys))
        dots[reuse] = self.known_dots[where[reuse]]
        dots[~reuse] = sums.dots(self.matrix, articles[~reuse], stories[~reuse])
        self.known, self.known_dots = keys, dots
        size = np.bincount(label, minlength=k).astype(np.float64)
        norms = np.bincount(sums.story, sums.values**2, minlength=k)
        return _Measured(label.copy(), articles, stories, dots, size, norms)

    def move(self, movers: np.ndarray, targets: np.ndarray, leaving: np.ndarray) -> None:
        before = self.label.copy()
        self.label[leaving] = len(self.label) + leaving  # a story of its own, apart
        self.label[movers] = targets
        moved = np.flatnonzero(self.label != before)
        self.changed[:] = False
        self.changed[before[moved]] = True
        self.changed[self.label[moved]] = True

    def groups(self) -> list[list[int]]:
        _, label = np.unique(self.label, return_inverse=True)
        found: dict[int, list[int]] = defaultdict(list)
        for i, g in enumerate(label.tolist()):
            found[g].append(i)
        return list(found.values())


class _Sums:
    """Each story's summed article vector, sparse: (story, feature) keys, sorted."""

    def __init__(self, matrix: Rows, label: np.ndarray) -> None:
        self.width = int(matrix.indices.max(initial=-1)) + 1
        rows = np.repeat(label, np.diff(matrix.indptr))
        keys, inverse = np.unique(rows * self.width + matrix.indices, return_inverse=True)
        self.keys = keys
        self.values = np.bincount(inverse, matrix.data, len(keys))
        self.story = keys // max(self.width, 1)

    def dots(self, matrix: Rows, articles: np.ndarray, stories: np.ndarray) -> np.ndarray:
        """The dot product of each article's vector with its paired story's sum."""
        found = np.zeros(len(articles))
        for s in range(0, len(articles), _PAIR_BLOCK):  # a block of pairs at a time
            a, g = articles[s : s + _PAIR_BLOCK], stories[s : s + _PAIR_BLOCK]
            starts, sizes = matrix.indptr[a], np.diff(matrix.indptr)[a]
            at = np.arange(sizes.sum()) + np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
            pair = np.repeat(np.arange(len(a)), sizes)
            keys = g[pair] * self.width + matrix.indices[at]
            where = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            hit = self.keys[where] == keys
            products = matrix.data[at] * np.where(hit, self.values[where], 0.0)
            found[s : s + len(a)] = np.bincount(pair, products, len(a))
        return found
