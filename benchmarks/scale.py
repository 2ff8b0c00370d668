"""How digest scales: briefs from 50, 500 and 5,000 articles, timed stage by stage.

The articles are made from the DUC 2004 benchmark's 350 (../shared/bench/duc2004, never
copied into the repository): clusters are combined into larger stories and every copy of
an article is varied (a different subset and order of its sentences), so no two files
are identical and ingest's duplicate check does not shrink the input.

For each size it reports wall time and peak traced memory (tracemalloc, a second pass)
for each stage — ingest, stories (sentences, grouping, each article's summary), summarize
(the shown stories' points, composed), render — and the ratios between
sizes. sumy's LexRank runs on the same input where it can finish (it compares every pair
of sentences), and digest's summarize stage is reported as a ratio to it.

    .venv/bin/python benchmarks/scale.py                 # 50, 500, 5000 articles
    .venv/bin/python benchmarks/scale.py --sizes 50,500  # a quicker run
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest import render
from digest.config import load_profile
from digest.corpus import Corpus
from digest.ingest import read_folder
from digest.pdf import html_to_pdf
from digest.pipeline.build import Day
from digest.summarize import rank
from digest.text import split_sentences

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench" / "duc2004"
STAGES = ("ingest", "stories", "summarize", "render")
LEXRANK_MAX_SENTENCES = 4000  # beyond this sumy's all-pairs LexRank runs for many minutes


def make_articles(bench: Path, count: int, target: Path, *, seed: int = 7) -> None:
    """Write `count` varied articles, drawn cluster by cluster, into `target`."""
    docs = [p.read_text("utf-8", "replace") for p in sorted(bench.glob("d*/docs/*.txt"))]
    rng = random.Random(seed)
    for n in range(count):
        sentences = split_sentences(" ".join(docs[n % len(docs)].split()))
        if n >= len(docs):  # a variant: drop a tenth of the sentences, rotate the rest
            keep = [s for s in sentences if rng.random() > 0.1] or sentences
            cut = rng.randrange(len(keep))
            sentences = keep[cut:] + keep[:cut]
        (target / f"a{n:05d}.txt").write_text(" ".join(sentences) + "\n", "utf-8")


def run_stages(folder: Path, measure: Callable[[str, Callable[[], Any]], Any]) -> dict[str, Any]:
    profile = load_profile("generic")
    ingested = measure("ingest", lambda: read_folder(folder, max_bytes=10**7))
    day = measure(
        "stories",  # sentences, grouping into stories, each article's own summary
        lambda: Day.of(ingested.articles, ingested.skipped, profile=profile, method="coverage"),
    )
    brief = measure(
        "summarize",  # the shown stories' points, composed
        lambda: day.brief(day.plan(pages=2), date=dt.date(2024, 7, 29), length=None),
    )
    measure("render", lambda: _render(brief))
    return {
        "articles": len(ingested.articles),
        "sentences": len(day.corpus.sentences),
        "stories": len(day.stories),
    }


def _render(brief: Any) -> None:
    html_to_pdf(render.render_print_html(brief), templates=render.templates_dir())
    render.render_email_html(brief)
    render.render_text(brief)
    render.render_json(brief)


def timed(folder: Path) -> tuple[dict[str, float], dict[str, Any]]:
    seconds: dict[str, float] = {}

    def measure(stage: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = work()
        seconds[stage] = time.perf_counter() - started
        return result

    return seconds, run_stages(folder, measure)


def traced(folder: Path) -> dict[str, float]:
    peaks: dict[str, float] = {}

    def measure(stage: str, work: Callable[[], Any]) -> Any:
        tracemalloc.reset_peak()
        result = work()
        peaks[stage] = tracemalloc.get_traced_memory()[1] / 2**20
        return result

    tracemalloc.start()
    try:
        run_stages(folder, measure)
    finally:
        tracemalloc.stop()
    return peaks


def lexrank_seconds(folder: Path, sentences: int) -> float | None:
    if sentences > LEXRANK_MAX_SENTENCES:
        return None
    corpus = Corpus.of(read_folder(folder, max_bytes=10**7).articles)
    started = time.perf_counter()
    rank(corpus, method="lexrank")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=BENCH, help="the DUC 2004 folder")
    parser.add_argument("--sizes", default="50,500,5000", help="article counts (comma-separated)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    args = parser.parse_args()
    if not args.bench.is_dir():
        print(f"benchmark data not found at {args.bench}; nothing to measure", file=sys.stderr)
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_articles(args.bench, size, folder)
            seconds, counts = timed(folder)
            peaks = {} if args.no_memory else traced(folder)
            lexrank = lexrank_seconds(folder, counts["sentences"])
        rows.append((size, counts, seconds, peaks, lexrank))
        print(f"{size} articles done: {sum(seconds.values()):.1f} s", file=sys.stderr, flush=True)
    report(rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory over the whole run: {peak:.0f} MiB")
    return 0


def report(
    rows: list[tuple[int, dict[str, Any], dict[str, float], dict[str, float], float | None]],
) -> None:
    print(
        "| articles | sentences | "
        + " | ".join(f"{s} s" for s in STAGES)
        + " | total s | peak MiB |"
    )
    print("|---" * (len(STAGES) + 4) + "|")
    for size, counts, seconds, peaks, _ in rows:
        cells = " | ".join(f"{seconds[s]:.2f}" for s in STAGES)
        peak = f"{max(peaks.values()):.0f}" if peaks else "–"
        print(
            f"| {size} | {counts['sentences']} | {cells} | {sum(seconds.values()):.2f} | {peak} |"
        )
    print()
    base_size, _, base_seconds, _, _ = rows[0]
    base_total = sum(base_seconds.values())
    for size, _, seconds, _, _ in rows[1:]:
        ratio = sum(seconds.values()) / base_total
        summarize = seconds["summarize"] / base_seconds["summarize"]
        print(
            f"{size} vs {base_size} articles: {size / base_size:.0f}x the input, "
            f"{ratio:.1f}x the total time, {summarize:.1f}x the summarize time"
        )
    for size, counts, seconds, _, lexrank in rows:
        if lexrank is None:
            print(
                f"{size} articles: sumy LexRank not run ({counts['sentences']} sentences; "
                f"it compares all {counts['sentences'] ** 2:,} pairs)"
            )
        else:
            print(
                f"{size} articles: digest summarize takes {seconds['summarize'] / lexrank:.2f}x "
                f"the time of sumy LexRank ({lexrank:.2f} s) on the same sentences"
            )


if __name__ == "__main__":
    sys.exit(main())
