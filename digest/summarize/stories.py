"""Transform Articles into Stories: the articles that report one news event, found offline.

Each article becomes a tf-idf vector of its content stems and of pairs of neighbouring
ones (idf from the day's own articles, so words every story uses weigh little; features
only one article has are dropped, since they link it to nothing). Articles are then
merged bottom-up by average linkage: the two groups whose articles are, on average, most
alike join, until no two groups are alike enough (`Grouping.threshold`). Refinement
then moves each article that fits another story better, or its own too loosely
(`digest.summarize.refine`). Each article ends in exactly one story.

Comparing every pair of articles would cost n² at 20,000 articles, so candidate pairs
come from each article's most distinctive features only (its `probe` highest-weighted
ones), as the same-fact lookup in `corpus` does for sentences. Pairs that share none of
them count as unalike (similarity 0) in the averages: only what is distinctive links two
articles, which is also what keeps two stories on one subject apart.

A story's headline is quoted, never written: the real title or opening sentence of one
of its articles, the one closest to what the story's articles say in common.

Knows nothing of profiles, sections, ranking or output.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from digest.models import Article, Story
from digest.read.text import content_stems, split_sentences, words
from digest.summarize.refine import refine
from digest.summarize.vectors import Rows

# Bounds that keep grouping linear (see _candidate_similarities). On the 35-story DUC day
# (334 articles, stories of up to 30) neither changes a single story: no distinctive
# feature is in more than CROWD articles, and the pairs each article keeps hold all its
# story's (measured with benchmarks/stories.py). On 5,000 near-copies of DUC articles
# (benchmarks/scale.py) they keep grouping's memory near a gigabyte instead of seven.
CROWD = 100
NEIGHBOURS = 40
_BLOCK = 256  # rows of candidates found at once


@dataclass(frozen=True)
class Grouping:
    """How articles are grouped; the values are explained where they are set."""

    # Mean similarity at or above which two groups are one story, and the idf floor
    # below: both chosen by cross-validation over folds of DUC 2004's 35 clusters
    # (benchmarks/stories.py --cv, the median of the folds' choices; figures in README).
    threshold: float = 0.03
    # idf as if the day had at least this many articles. On a small day, the words one
    # story's articles share are in half the input, and plain idf would weigh them as
    # little as words every story uses; so two small stories split into many.
    floor: int = 1000
    # Distinctive features per article that find its candidate pairs. Set before the
    # cross-validation, with the threshold tuned for it: it keeps 3,082 of the 55,337
    # pairs of the 35-story DUC day; comparing all pairs instead adds many small
    # similarities of shared common features, and that day then merges into 10 groups.
    probe: int = 12
    # Two stories of at least `established` articles each merge only when alike by
    # `relative` times the looser one's cohesion. `relative` is chosen by the same
    # cross-validation; `established` = 5 scored above 4 and 6 on the DUC mixes.
    relative: float = 0.6
    established: int = 5
    # After linkage, an article moves to the story it is most alike (mean cosine of all
    # its features, not only the distinctive ones) when that story is at least `join`
    # times as cohesive with it as within itself: merges taken greedily, early, can put
    # an article in the wrong one of two stories on one subject. Chosen by the same
    # cross-validation (benchmarks/stories.py --cv); 0 turns refinement off.
    join: float = 0.4
    # ...and an article less alike than `eject` times its story's own cohesion leaves it
    # (a story of one article, which DUC's clusters lack and a real day has many of).
    # Chosen with `join` by the same cross-validation; at most `join`, so that an
    # article that leaves does not come straight back.
    eject: float = 0.4
    # Words read per article: the opening says what the story is. 400 scored above
    # 200 and 1,000 on the DUC mixes at every threshold tried (benchmarks/stories.py).
    words: int = 400


def group(articles: Sequence[Article], params: Grouping | None = None) -> list[list[int]]:
    """Partition the articles into stories: lists of positions in `articles`.

    Stories come in the order of their first article; articles keep their order within
    a story."""
    return grouped(articles, params).groups


def _group(stems: list[list[str]], params: Grouping) -> list[list[int]]:
    n = len(stems)
    if n <= 1:
        return [list(range(n))]
    matrix = _vectors(stems, params)
    pairs = _candidate_similarities(matrix, params.probe)
    members = _average_linkage(n, pairs, params)
    if params.join > 0:
        members = refine(matrix, pairs, members, join=params.join, eject=params.eject)
    return sorted((sorted(m) for m in members), key=lambda m: m[0])


@dataclass(frozen=True)
class Grouped:
    """Articles partitioned into stories, before the stories are named and numbered."""

    stems: list[list[str]]  # each article's `feature_stems`, as grouping read them
    groups: list[list[int]]  # positions in the articles, as `group` returns them


def grouped(articles: Sequence[Article], params: Grouping | None = None) -> Grouped:
    """The articles' stems and their grouping: the work of `stories` that needs no
    sentence of theirs, so a caller can do it while the sentences are being split."""
    params = params or DEFAULT
    stems = [feature_stems(a, params.words) for a in articles]
    return Grouped(stems, _group(stems, params))


def stories(
    articles: Sequence[Article],
    params: Grouping | None = None,
    *,
    openings: Mapping[int, str] | None = None,
    grouping: Grouped | None = None,
) -> tuple[Story, ...]:
    """The stories of these articles, numbered 1.. in order of their first article.

    `openings` gives each article's first sentence (by Article.index) where the caller
    has split it already; otherwise the first paragraph is split here. `grouping` is
    `grouped(articles, params)`, where the caller has it."""
    grouping = grouping or grouped(articles, params)
    stems = grouping.stems
    weights = _distinctive(stems)
    found = []
    for n, positions in enumerate(grouping.groups, 1):
        members = [articles[p] for p in positions]
        line = headline(members, openings or {}, [stems[p] for p in positions], weights)
        found.append(Story(n=n, headline=line, articles=tuple(a.index for a in members)))
    return tuple(found)


def feature_stems(article: Article, limit: int) -> list[str]:
    """The content stems of the article's first `limit` words: what grouping reads."""
    tokens = words(article.text, limit=limit)
    return list(content_stems(tokens))


def _features(stems: list[str]) -> Counter[str]:
    """Content stems and pairs of neighbouring content stems ('hun sen', 'death toll')."""
    found = Counter(stems)
    found.update(f"{a} {b}" for a, b in itertools.pairwise(stems))
    return found


def _vectors(stems: list[list[str]], params: Grouping) -> Rows:
    """Unit tf-idf rows (log tf, smoothed idf from these articles)."""
    counts = [_features(s) for s in stems]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    # A stem only one article uses links it to nothing; it would only dilute its cosines.
    kept = sorted(w for w, d in df.items() if d >= 2)
    columns = {w: k for k, w in enumerate(kept)}
    n = len(stems)
    base = max(n, params.floor)
    idf = np.array([math.log((base + 1) / (df[w] + 1)) + 1.0 for w in kept])
    found: list[int] = []
    tf: list[int] = []
    ends = np.zeros(n + 1, dtype=np.int64)  # where each row's features end in `found`
    for r, c in enumerate(counts):
        for w, t in c.items():
            k = columns.get(w)
            if k is not None:
                found.append(k)
                tf.append(t)
        ends[r + 1] = len(found)
        c.clear()  # each article's counts go once its row is read
    sizes = np.diff(ends)
    cols, counted = np.array(found, dtype=np.int64), np.array(tf, dtype=np.int64)
    logs = {t: math.log(t) for t in np.unique(counted).tolist()}  # math.log: as before
    log_tf = np.array([logs[t] for t in counted.tolist()], dtype=np.float64)
    values = (1.0 + log_tf) * idf[cols]
    rows = np.repeat(np.arange(n), sizes)
    # Squares summed row by row in the order of the row's features, as sum() did.
    norms = np.sqrt(np.bincount(rows, values * values, minlength=n))
    norms[norms == 0] = 1.0
    data = values / norms[rows]
    order = np.lexsort((cols, rows))
    return Rows(ends, cols[order], data[order], len(kept))


def _candidate_similarities(matrix: Rows, probe: int) -> dict[tuple[int, int], float]:
    """Cosine similarity of the pairs that share one of either's `probe` best features.

    Memory and time stay linear in the number of articles: a feature more than CROWD
    articles share finds no candidates (within a story of thousands, every pair would),
    and each article keeps its NEIGHBOURS most similar candidates; a pair is kept when
    either of its articles keeps it."""
    n = len(matrix.indptr) - 1
    keep_rows, keep_cols = [], []
    for i in range(n):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        row = matrix.data[start:end]
        top = np.argsort(-row, kind="stable")[:probe]
        keep_rows.extend([i] * len(top))
        keep_cols.extend(matrix.indices[start:end][top].tolist())
    rows, columns = np.asarray(keep_rows, dtype=np.int64), np.asarray(keep_cols, dtype=np.int64)
    crowded = np.bincount(columns) > CROWD
    rows, columns = rows[~crowded[columns]], columns[~crowded[columns]]
    # Each marked feature → the articles that mark it, in order (a column-wise copy).
    by_column = np.argsort(columns, kind="stable")
    marked_by = np.split(rows[by_column], np.cumsum(np.bincount(columns))[:-1])
    starts = np.searchsorted(rows, np.arange(n + 1))
    pairs: dict[tuple[int, int], float] = {}
    for first in range(0, n, _BLOCK):
        block = range(first, min(first + _BLOCK, n))  # a block of rows at a time
        shared = [_sharing(columns[starts[i] : starts[i + 1]], marked_by) for i in block]
        for r in range(len(shared)):
            i = first + r
            found = shared[r]
            found = found[found != i]
            if len(found) == 0:
                continue
            sims = matrix.dots(found, i)
            if len(found) > NEIGHBOURS:
                best = np.argpartition(-sims, NEIGHBOURS)[:NEIGHBOURS]
                found, sims = found[best], sims[best]
            for j, value in zip(found.tolist(), sims.tolist(), strict=True):
                if value > 0:
                    pairs[(i, j) if i < j else (j, i)] = value
    return pairs


def _sharing(marked: np.ndarray, marked_by: list[np.ndarray]) -> np.ndarray:
    """The articles that mark one of these features, in the order scipy's sparse product
    listed them (the reverse of first finding, features in column order), which decides
    ties among NEIGHBOURS."""
    if len(marked) == 0:
        return marked
    found = np.concatenate([marked_by[c] for c in sorted(marked.tolist())])
    first = np.sort(np.unique(found, return_index=True)[1])
    return found[first][::-1]


def _average_linkage(
    n: int, pairs: dict[tuple[int, int], float], params: Grouping
) -> list[list[int]]:
    """Merge the most alike groups (mean pairwise similarity) until none reach threshold.

    Two established stories (each of at least `params.established` articles) merge only
    when they are also alike by `params.relative` times the cohesion (mean similarity
    within) of the looser one: two tight stories that share a subject, such as two
    events in one country, stay apart, whatever the day's size."""
    threshold = params.threshold
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    inner: dict[int, float] = dict.fromkeys(range(n), 0.0)  # summed similarity within
    links: dict[int, dict[int, float]] = defaultdict(dict)  # group → group → summed sim
    for (a, b), s in pairs.items():
        links[a][b] = links[b][a] = s
    heap = [(-s, a, b) for (a, b), s in pairs.items() if s >= threshold]
    heapq.heapify(heap)
    next_id = n
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue  # one of them has merged since: its pairs were pushed anew
        if -negative < params.relative * _looser(inner, members, a, b, params.established):
            continue
        between = links[a].get(b, 0.0)
        merged = members.pop(a) + members.pop(b)
        new = next_id
        next_id += 1
        members[new] = merged
        inner[new] = inner.pop(a) + inner.pop(b) + between
        neighbours = (links.pop(a, {}).keys() | links.pop(b, {}).keys()) - {a, b}
        for x in neighbours:
            total = links[x].pop(a, 0.0) + links[x].pop(b, 0.0)
            links[new][x] = links[x][new] = total
            mean = total / (len(merged) * len(members[x]))
            if mean >= threshold:
                heapq.heappush(heap, (-mean, min(new, x), max(new, x)))
    return list(members.values())


def _looser(
    inner: dict[int, float], members: dict[int, list[int]], a: int, b: int, established: int
) -> float:
    """The lower cohesion of two established stories; 0 when either is still small."""
    sizes = len(members[a]), len(members[b])
    if min(sizes) < established:
        return 0.0
    return min(inner[g] / (k * (k - 1) / 2) for g, k in zip((a, b), sizes, strict=True))


# Headlines ----------------------------------------------------------------------------

HEADLINE_WORDS = 30  # a longer opening sentence is a paragraph, not a headline


def _distinctive(stems: Sequence[list[str]]) -> dict[str, float]:
    """Each stem's idf over the day's articles: 'said' and 'Friday' weigh little."""
    df = Counter(w for found in stems for w in set(found))
    return {w: math.log((len(stems) + 1) / (d + 1)) + 1.0 for w, d in df.items()}


def headline(
    members: Sequence[Article],
    openings: Mapping[int, str],
    stems: Sequence[list[str]],
    weights: Mapping[str, float] | None = None,
) -> str:
    """The title or opening sentence of one article that best says what they share.

    `stems` are the members' content stems, as grouping read them; `weights` (the
    day's idf) make words that tell this story from the day's others count more."""
    weights = weights or {}
    shared = Counter(w for found in stems for w in set(found))
    candidates: list[tuple[float, int, str]] = []
    for order, article in enumerate(members):
        options = [article.title]
        if article.index in openings:
            options.append(openings[article.index])
        elif article.paragraphs:
            options += split_sentences(article.paragraphs[0])[:1]
        for text in dict.fromkeys(o.strip() for o in options if o.strip()):
            size = len(text.split())
            if size > HEADLINE_WORDS:
                continue
            own = set(content_stems(words(text)))
            if not own:
                continue
            # How many of the story's articles use each of its words, per word, each word
            # weighed by its idf over the day. Measured on the 35-story DUC day: the
            # headlines' ROUGE-1 against their clusters' references 13.88 without the
            # idf, 13.95 with it (and two headlines about the story's main event).
            score = sum(shared[w] * weights.get(w, 1.0) for w in own) / (len(own) + 2)
            candidates.append((-score, order, text))
    if not candidates:
        return members[0].title
    return min(candidates)[2]


DEFAULT = Grouping()
