"""Smoke test of the DUC 2004 benchmark (benchmarks/duc2004.py) on its first two clusters.

The data lives outside the repository (../shared/bench/duc2004) and is never copied in;
without it, or without py-rouge (the `bench` extra), these tests are skipped.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter

import pytest

from tests.conftest import benchmark

CLUSTERS = 2
pytestmark = pytest.mark.expect_warnings  # ingest names the few DUC files it skips


bench = benchmark("duc2004")
if not bench.DEFAULT_BENCH.is_dir():
    pytest.skip(f"DUC 2004 data not found at {bench.DEFAULT_BENCH}", allow_module_level=True)
if importlib.util.find_spec("rouge") is None:
    pytest.skip("py-rouge is not installed (pip install py-rouge)", allow_module_level=True)


@pytest.fixture(scope="module")
def scorer():
    return bench.Scorer()


@pytest.fixture(scope="module")
def clusters():
    return bench.load_clusters(bench.DEFAULT_BENCH, limit=CLUSTERS)


def _pooled_recall(summary: str, references: list[str], n: int) -> float:
    """ROUGE-N recall ×100 counted by hand: cut at 100 words, pool the references' counts."""
    from rouge import Rouge

    def grams(text: str, limit: int | None) -> Counter[tuple[str, ...]]:
        cut = " ".join(text.split()[:limit])
        tokens = Rouge.stem_tokens(re.sub("[^A-Za-z0-9]", " ", cut.lower()).split())
        return Counter(zip(*(tokens[k:] for k in range(n)), strict=False))

    ours = grams(summary, bench.WORDS)
    overlap = total = 0
    for reference in references:
        theirs = grams(reference, bench.WORDS)
        overlap += sum((ours & theirs).values())
        total += sum(theirs.values())
    return 100 * overlap / total


def test_scorer_matches_a_recount_of_the_published_summaries(scorer, clusters):
    peers = bench.score_peers(scorer, clusters)
    for system, scores in peers.items():
        for cluster, (r1, r2) in zip(clusters, scores, strict=True):
            summary = cluster.peer(system)
            assert r1 == pytest.approx(_pooled_recall(summary, cluster.references, 1), abs=0.01)
            assert r2 == pytest.approx(_pooled_recall(summary, cluster.references, 2), abs=0.01)


def test_default_method_beats_lead_and_quotes_verbatim(scorer, clusters):
    ours, _ = bench.run_method("coverage", clusters, scorer)
    lead = bench.score_peers(scorer, clusters)["Lead"]
    assert bench.mean(ours)[0] > bench.mean(lead)[0]
    assert bench.mean(ours)[1] > bench.mean(lead)[1]
    for cluster in clusters:
        text = bench.brief_text(cluster.articles, "coverage")
        sources = " ".join(" ".join(a.paragraphs) for a in cluster.articles)
        assert all(line in sources for line in text.splitlines())


def test_scorer_check_skips_on_a_subset_and_refuses_drift(scorer, clusters):
    peers = bench.score_peers(scorer, clusters)
    assert "skipped" in bench.check_scorer(peers, len(clusters))
    drifted = {s: [(r1 + 1.0, r2) for r1, r2 in v] for s, v in peers.items()}
    with pytest.raises(bench.BenchError, match="drifts"):
        bench.check_scorer(drifted, bench.FULL_SET)
