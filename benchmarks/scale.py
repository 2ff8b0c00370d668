"""How digest scales: briefs from 50 to 20,000 articles, timed stage by stage.

The articles are made from the DUC 2004 benchmark's 350 (../shared/bench/duc2004, never
copied into the repository): clusters are combined into larger stories and every copy of
an article is varied (a different subset and order of its sentences), so that few files
are identical and ingest's duplicate check shrinks the input little.

Each size runs in a fresh process, so its peak resident memory (`resource.getrusage`,
ru_maxrss) is its own: the true peak, imports included, not a traced estimate. For each
stage — ingest, stories (sentences, grouping, each article's summary), summarize (the
shown stories' points, composed), render — it reports wall and CPU seconds and the peak
resident memory reached by the end of the stage; then, between successive sizes, the
growth exponent k of time and memory (time ∝ articles^k: 1 is linear, 2 quadratic).
sumy's LexRank runs on the same input where it can finish (it compares every pair of
sentences), and digest's summarize stage is reported as a ratio to it.

    .venv/bin/python benchmarks/scale.py                     # 50, 500, 5,000, 20,000 articles
    .venv/bin/python benchmarks/scale.py --sizes 50,500      # a quicker run
    .venv/bin/python benchmarks/scale.py --sizes 50000       # the largest day measured
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import logging
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest.config import load_profile
from digest.pipeline.article_work import PARALLEL_FROM
from digest.pipeline.day import Day
from digest.read.ingest import read_folder
from digest.read.text import split_sentences
from digest.render import editions
from digest.render.pdf import html_to_pdf
from digest.summarize.corpus import Corpus
from digest.summarize.selection import rank

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
    html_to_pdf(editions.render_print_html(brief), templates=editions.templates_dir())
    editions.render_email_html(brief)
    editions.render_text(brief)
    editions.render_json(brief)


def peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB); with
    RUSAGE_CHILDREN, the largest of its ended children's."""
    return resource.getrusage(who).ru_maxrss / 1024


def measure_one(folder: Path) -> dict[str, Any]:
    """Run every stage on `folder` in this process: what a fresh process reports."""
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    rss: dict[str, float] = {"imports": peak_mib()}
    workers: float | None = None

    def measure(stage: str, work: Callable[[], Any]) -> Any:
        nonlocal workers
        started, used = time.perf_counter(), time.process_time()
        result = work()
        wall[stage] = time.perf_counter() - started
        cpu[stage] = time.process_time() - used
        rss[stage] = peak_mib()
        if stage == "stories":
            # The worker processes that split a large day's sentences have ended here;
            # the layout process that renders the PDF, forked later, has not.
            workers = peak_mib(resource.RUSAGE_CHILDREN)
        return result

    counts = run_stages(folder, measure)
    if counts["articles"] < PARALLEL_FROM:
        workers = None  # no worker ran: whatever ended before was no worker
    # LexRank last, once the peak is recorded: it adds its own memory.
    lexrank = lexrank_seconds(folder, counts["sentences"])
    return {
        "counts": counts,
        "wall": wall,
        "cpu": cpu,
        "rss": rss,
        "workers_rss": workers,
        "lexrank": lexrank,
    }


def lexrank_seconds(folder: Path, sentences: int) -> float | None:
    if sentences > LEXRANK_MAX_SENTENCES:
        return None
    corpus = Corpus.of(read_folder(folder, max_bytes=10**7).articles)
    started = time.perf_counter()
    rank(corpus, method="lexrank")
    return time.perf_counter() - started


def in_fresh_process(folder: Path) -> dict[str, Any]:
    """measure_one in a new Python process, so that no size inherits another's peak."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", str(folder)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=BENCH, help="the DUC 2004 folder")
    parser.add_argument(
        "--sizes", default="50,500,5000,20000", help="article counts (comma-separated)"
    )
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the child's folder
    args = parser.parse_args()
    if args.one is not None:
        logging.disable(logging.WARNING)  # the skipped duplicates are expected
        print(json.dumps(measure_one(args.one)))
        return 0
    if not args.bench.is_dir():
        print(f"benchmark data not found at {args.bench}; nothing to measure", file=sys.stderr)
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_articles(args.bench, size, folder)
            row = in_fresh_process(folder)
        rows.append((size, row))
        total = sum(row["wall"].values())
        print(f"{size} articles done: {total:.1f} s", file=sys.stderr, flush=True)
    report(rows)
    return 0


def report(rows: list[tuple[int, dict[str, Any]]]) -> None:
    print(
        "| articles | read | sentences | stories | "
        + " | ".join(f"{s} s" for s in STAGES)
        + " | total s | CPU s | peak RSS MiB | worker's peak RSS MiB |"
    )
    print("|---" * (len(STAGES) + 8) + "|")
    for size, row in rows:
        counts, wall = row["counts"], row["wall"]
        cells = " | ".join(f"{wall[s]:.2f}" for s in STAGES)
        print(
            f"| {size:,} | {counts['articles']:,} | {counts['sentences']:,} | "
            f"{counts['stories']:,} | {cells} | {sum(wall.values()):.2f} | "
            f"{sum(row['cpu'].values()):.2f} | {max(row['rss'].values()):,.0f} | "
            + (f"{row['workers_rss']:,.0f} |" if row["workers_rss"] else "none |")
        )
    print()
    print(
        "CPU seconds by stage, this process's (a day of 1,200 articles or more also has a"
        " worker process split its sentences; the machine's other load moves these less"
        " than wall time):"
    )
    for size, row in rows:
        print(f"- {size:,} articles: " + ", ".join(f"{s} {row['cpu'][s]:.2f}" for s in STAGES))
    print()
    print("Peak resident memory (MiB) by the end of each stage, imports first:")
    for size, row in rows:
        steps = ", ".join(f"{stage} {mib:,.0f}" for stage, mib in row["rss"].items())
        print(f"- {size:,} articles: {steps}")
    print()
    for (small, before), (large, after) in itertools.pairwise(rows):
        grow = math.log(large / small)
        k_wall = math.log(sum(after["wall"].values()) / sum(before["wall"].values())) / grow
        k_cpu = math.log(sum(after["cpu"].values()) / sum(before["cpu"].values())) / grow
        k_rss = math.log(max(after["rss"].values()) / max(before["rss"].values())) / grow
        print(
            f"{small:,} → {large:,} articles ({large / small:.0f}x): growth exponent "
            f"{k_wall:.2f} in wall time, {k_cpu:.2f} in CPU time, {k_rss:.2f} in peak memory"
        )
    for size, row in rows:
        sentences, lexrank = row["counts"]["sentences"], row["lexrank"]
        if lexrank is None:
            print(
                f"{size:,} articles: sumy LexRank not run ({sentences:,} sentences; "
                f"it compares all {sentences**2:,} pairs)"
            )
        else:
            print(
                f"{size:,} articles: digest summarize takes "
                f"{row['wall']['summarize'] / lexrank:.2f}x the time of sumy LexRank "
                f"({lexrank:.2f} s) on the same sentences"
            )


if __name__ == "__main__":
    sys.exit(main())
