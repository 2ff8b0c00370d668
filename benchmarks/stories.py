"""Score digest's story grouping on mixes of DUC 2004 clusters, and its per-story summaries.

Each mix puts the articles of several shared DUC 2004 clusters (../shared/bench/duc2004,
never copied into the repository) into one folder under opaque file names, an identical
file kept once (it counts for the first cluster in id order). Mixes: 2, 5 and 10
clusters (several draws each) and all 35. For each it reports:

- ARI and V-measure of the stories found against the true clusters, raw and "pairs
  allowed": five pairs of clusters follow one event arc, so merging or splitting each
  pair both count as right (the best over every choice of merging them);
- for the all-35 mix, each story's ROUGE-1/2 (recall, 100 words) against its cluster's
  references, beside the same cluster summarized alone;
- the time of the brief's selection with stories (group, condense each article, rank
  and select the stories a two-page brief shows), as a ratio to selecting the brief's
  points from the same articles as one story.

`--cv` chooses the grouping threshold by cross-validation: the 35 clusters are split
into folds; for each fold the threshold is chosen on mixes of the other folds' clusters
and the mix of the fold's own clusters is scored with it (held out). The default
threshold in digest/summarize/stories.py is the median of the folds' choices, so no figure for
the all-35 mix was used to set it.

    .venv/bin/python benchmarks/stories.py            # mixes with the default threshold
    .venv/bin/python benchmarks/stories.py --cv       # cross-validation of the threshold

Needs scikit-learn (for the metrics) and py-rouge: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import logging
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from digest.models import Article
from digest.pipeline.day import Day
from digest.profile import load_profile
from digest.read.ingest import read_folder
from digest.summarize.selection import summarize
from digest.summarize.stories import DEFAULT, Grouping, group

sys.path.insert(0, str(Path(__file__).resolve().parent))
from duc2004 import DEFAULT_BENCH, Scorer, load_clusters

PAIRS = (
    ("d30022", "d31050"),
    ("d30008", "d30011"),
    ("d30024", "d30046"),
    ("d30010", "d30053"),
    ("d30031", "d30047"),
)
MIX_SIZES = (2, 5, 10)
DRAWS = 5
FOLDS = 5
# The grid `--cv` searches: (threshold, floor, relative) of digest.summarize.stories.Grouping.
GRID = tuple(
    (round(0.03 + 0.01 * k, 2), floor, relative, 0.0, 0.0)
    for k in range(4)
    for floor in (200, 1000)
    for relative in (0.0, 0.4, 0.6, 0.7)
)
KEYS = ("threshold", "floor", "relative", "join", "eject")
# Then, with those chosen, `join` and `eject` (the refinement after linkage; 0 = none),
# on the same mixes and on mixes with lone articles.
REFINES = tuple(
    (join, eject)
    for join in (0.0, 0.3, 0.4, 0.5)
    for eject in (0.0, 0.3, 0.35, 0.4, 0.5)
    if eject <= join
)


def metrics() -> tuple:
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    return adjusted_rand_score, v_measure_score


def read_mix(
    clusters: dict[str, list[Article]], names: Sequence[str], *, seed: int
) -> tuple[list[Article], list[str]]:
    """The mix's articles, in the order a folder of opaque names gives, and their truth."""
    seen: set[str] = set()
    entries: list[tuple[str, Article]] = []
    for name in sorted(names):
        for article in clusters[name]:
            if article.content_hash in seen:
                continue  # an identical file is kept once, for the first cluster
            seen.add(article.content_hash)
            entries.append((name, article))
    random.Random(seed).shuffle(entries)
    with tempfile.TemporaryDirectory() as folder:
        for k, (_, article) in enumerate(entries):
            (Path(folder) / f"{k:04d}.txt").write_text(article.text + "\n", "utf-8")
        articles = list(read_folder(Path(folder)).articles)
    truth = [entries[int(a.path.stem)][0] for a in articles if a.path]
    return articles, truth


def labels(stories: list[list[int]], n: int) -> list[int]:
    out = [0] * n
    for s, members in enumerate(stories):
        for i in members:
            out[i] = s
    return out


def scores(found: list[int], truth: list[str]) -> tuple[float, float, float, float]:
    """Raw ARI and V-measure, then the best of each over the allowed pair merges."""
    ari, vm = metrics()
    raw = (ari(truth, found), vm(truth, found))
    present = [p for p in PAIRS if p[0] in truth and p[1] in truth]
    best_a, best_v = raw
    for k in range(1, len(present) + 1):
        for chosen in itertools.combinations(present, k):
            merged = dict(chosen)
            relabelled = [merged.get(t, t) for t in truth]
            best_a = max(best_a, ari(relabelled, found))
            best_v = max(best_v, vm(relabelled, found))
    return raw[0], raw[1], best_a, best_v


def mixes(names: Sequence[str], *, seed: int) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    out = []
    for size in MIX_SIZES:
        if size >= len(names):
            continue
        for draw in range(DRAWS):
            out.append((f"{size} clusters #{draw + 1}", rng.sample(list(names), size)))
    out.append((f"all {len(names)}", list(names)))
    return out


def evaluate(
    clusters: dict[str, list[Article]], names: Sequence[str], params: Grouping, *, seed: int
) -> list[tuple[str, tuple[float, float, float, float]]]:
    rows = []
    for label, chosen in mixes(names, seed=seed):
        articles, truth = read_mix(clusters, chosen, seed=seed)
        found = labels(group(articles, params), len(articles))
        rows.append((label, scores(found, truth)))
    return rows


def mean_score(
    clusters: dict[str, list[Article]],
    train_mixes: list[list[str]],
    params: Grouping,
    cache: dict[tuple[str, ...], tuple[list[Article], list[str]]],
) -> float:
    """The mean ARI (pairs allowed) of these mixes grouped with `params`."""
    total = 0.0
    for chosen in train_mixes:
        key = tuple(sorted(chosen))
        if key not in cache:
            cache[key] = read_mix(clusters, chosen, seed=5)
        articles, truth = cache[key]
        total += scores(labels(group(articles, params), len(articles)), truth)[2]
    return total / len(train_mixes)


LONE = 10  # clusters that give one article each to a lone-article mix


def read_lone(
    clusters: dict[str, list[Article]], names: Sequence[str], *, draw: int
) -> tuple[list[Article], list[str], list[str]]:
    """A mix of these clusters where a third of them (LONE at most) give one article each;
    also returns those clusters' names."""
    rng = random.Random(draw)
    order = rng.sample(list(names), len(names))
    count = min(LONE, len(order) // 3)
    lone = order[len(order) - count :]
    chosen = {n: clusters[n] for n in order[: len(order) - count]}
    chosen.update({n: [rng.choice(clusters[n])] for n in lone})
    articles, truth = read_mix(chosen, sorted(chosen), seed=draw)
    return articles, truth, lone


def lone_articles(
    clusters: dict[str, list[Article]], *, draws: int = 4
) -> list[tuple[str, float, int]]:
    """Mixes where LONE clusters give one article each: a story of one article.

    A real day has many such stories, and DUC's clusters (10 articles each) have none;
    so these mixes check that a lone article stays alone rather than joining a story on
    its subject. Returns each draw's label, ARI (pairs allowed) and lone articles kept
    alone."""
    names = sorted(clusters)
    rows = []
    for draw in range(draws):
        articles, truth, lone = read_lone(clusters, names, draw=draw)
        found = labels(group(articles), len(articles))
        sizes = Counter(found)
        alone = sum(1 for i, t in enumerate(truth) if t in lone and sizes[found[i]] == 1)
        label = f"{len(names) - LONE} clusters + {LONE} lone articles #{draw + 1}"
        rows.append((label, scores(found, truth)[2], alone))
    return rows


def cross_validate(clusters: dict[str, list[Article]]) -> float:
    names = sorted(clusters)
    rng = random.Random(11)
    shuffled = rng.sample(names, len(names))
    folds = [sorted(shuffled[k::FOLDS]) for k in range(FOLDS)]
    cache: dict[tuple[str, ...], tuple[list[Article], list[str]]] = {}
    chosen_values = []
    print(
        "| fold | chosen (threshold, floor, relative, join, eject) | held-out ARI | V "
        "| ARI (pairs) | V (pairs) | with lone articles: ARI (pairs) |"
    )
    print("|---|---|---|---|---|---|---|")
    held = []
    for k, fold in enumerate(folds):
        train = [n for n in names if n not in fold]
        train_mixes = [m for _, m in mixes(train, seed=100 + k)]
        # Ties go to the first in grid order (max keeps the first of equal keys).
        scored = (
            (mean_score(clusters, train_mixes, replace(DEFAULT, **named), cache), v)
            for v in GRID
            for named in [dict(zip(KEYS, v, strict=True))]
        )
        threshold, floor, relative, _, _ = max(scored, key=lambda found: found[0])[1]
        base = replace(DEFAULT, threshold=threshold, floor=floor, relative=relative)
        lone = [read_lone(clusters, train, draw=100 * k + d) for d in range(2)]
        refined = (
            (
                mean_score(clusters, train_mixes, replace(base, join=j, eject=e), cache)
                + sum(
                    scores(labels(group(a, replace(base, join=j, eject=e)), len(a)), t)[2]
                    for a, t, _ in lone
                )
                / len(lone),
                (j, e),
            )
            for j, e in REFINES
        )
        join, eject = max(refined, key=lambda found: found[0])[1]
        chosen_values.append((threshold, floor, relative, join, eject))
        articles, truth = read_mix(clusters, fold, seed=5)
        params = replace(base, join=join, eject=eject)
        result = scores(labels(group(articles, params), len(articles)), truth)
        # And a held-out mix of the fold's clusters where two of them give one article.
        a, t, _ = read_lone(clusters, fold, draw=k)
        result = (*result, scores(labels(group(a, params), len(a)), t)[2])
        held.append(result)
        cells = " | ".join(f"{x:.3f}" for x in result)
        print(
            f"| {k + 1} | {threshold:.2f}, {floor}, {relative}, {join}, {eject} | {cells} |",
            flush=True,
        )
    means = [statistics.fmean(r[j] for r in held) for j in range(5)]
    print("| mean | | " + " | ".join(f"{x:.3f}" for x in means) + " |")
    median, floor, relative, join, eject = (
        statistics.median(v[j] for v in chosen_values) for j in range(5)
    )
    print(
        f"\nmedian of the folds' choices: threshold {median:.2f}, floor {floor:.0f}, "
        f"relative {relative}, join {join}, eject {eject} (digest uses {DEFAULT.threshold}, "
        f"{DEFAULT.floor}, {DEFAULT.relative}, {DEFAULT.join}, {DEFAULT.eject})"
    )
    return median


def summaries(clusters: dict[str, list[Article]]) -> None:
    """Per-story ROUGE in the all-35 mix beside each cluster summarized alone."""
    scorer = Scorer()
    names = sorted(clusters)
    articles, truth = read_mix(clusters, names, seed=5)
    refs = {c.name: c.references for c in load_clusters(DEFAULT_BENCH)}
    found = group(articles)
    mixed, alone = [], []
    for name in names:
        members = max(found, key=lambda m: sum(truth[i] == name for i in m))
        points = summarize([articles[i] for i in members], words=100)
        mixed.append(scorer.score("\n".join(p.text for p in points), refs[name]))
        own = "\n".join(p.text for p in summarize(clusters[name], words=100))
        alone.append(scorer.score(own, refs[name]))
    m1, m2 = statistics.fmean(s[0] for s in mixed), statistics.fmean(s[1] for s in mixed)
    a1, a2 = statistics.fmean(s[0] for s in alone), statistics.fmean(s[1] for s in alone)
    print("\n| summaries (all-35 mix, 100 words) | R-1 | R-2 |\n|---|---|---|")
    print(f"| the story found for each cluster, against its references | {m1:.2f} | {m2:.2f} |")
    print(f"| each cluster summarized alone | {a1:.2f} | {a2:.2f} |")


def timing(clusters: dict[str, list[Article]], runs: int = 3) -> None:
    """The brief's selection with stories against the same articles as one story.

    With stories: group, condense every article, rank and select the stories a
    two-page brief shows, compose. As one story: rank and select the brief's words from
    all articles. Both start from the read articles and split their sentences; runs
    alternate, and the medians of process time are compared."""
    articles, _ = read_mix(clusters, sorted(clusters), seed=5)
    profile = load_profile("generic")

    def with_stories() -> None:
        day = Day.of(articles, profile=profile, method="coverage")
        day.brief(day.plan(pages=2), date=dt.date(2024, 8, 1), length=None)

    def as_one() -> None:
        summarize(articles)

    times: dict[str, list[float]] = {"stories": [], "one": []}
    for _ in range(runs):
        for name, job in (("stories", with_stories), ("one", as_one)):
            start = time.process_time()
            job()
            times[name].append(time.process_time() - start)
    grouped, one = statistics.median(times["stories"]), statistics.median(times["one"])
    print(
        f"\ntime ({len(articles)} articles, median of {runs} alternating runs, process "
        f"time): the brief's selection with stories {grouped:.2f} s, as one story "
        f"{one:.2f} s; ratio {grouped / one:.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--cv", action="store_true", help="cross-validate the threshold")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--no-rouge", action="store_true", help="skip the summaries")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # DUC's duplicate files are skipped by design
    if not args.bench.is_dir():
        print(f"stories: {args.bench}: no benchmark data here; give --bench", file=sys.stderr)
        return 1
    loaded = load_clusters(args.bench)
    clusters = {c.name: list(c.articles) for c in loaded}
    if args.cv:
        cross_validate(clusters)
        return 0
    params = DEFAULT if args.threshold is None else replace(DEFAULT, threshold=args.threshold)
    print(f"threshold {params.threshold}\n")
    print("| mix | ARI | V | ARI (pairs) | V (pairs) |\n|---|---|---|---|---|")
    rows = evaluate(clusters, sorted(clusters), params, seed=3)
    for label, (a, v, pa, pv) in rows:
        print(f"| {label} | {a:.3f} | {v:.3f} | {pa:.3f} | {pv:.3f} |")
    print(f"\n| mix | ARI (pairs) | lone articles kept alone (of {LONE}) |\n|---|---|---|")
    for label, ari_pairs, alone in lone_articles(clusters):
        print(f"| {label} | {ari_pairs:.3f} | {alone} |")
    if not args.no_rouge:
        summaries(clusters)
    timing(clusters)
    return 0


if __name__ == "__main__":
    sys.exit(main())
