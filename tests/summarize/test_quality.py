"""Quality pinned in CI: the seed brief's facts and noise, and a DUC 2004 ROUGE floor.

The facts below were listed by reading the five seed articles (../shared/seeds, shipped
as seeds/): each is reported by two or more of them (the files are named after each).
The noise lines are page furniture or sentences that state no checkable fact.
"""

from __future__ import annotations

import re

import pytest

from digest.pipeline import Built
from digest.summarize.methods import DEFAULT_METHOD
from tests.conftest import SHARED, benchmark

# Each fact: what the seeds say, the seeds that say it, and the wordings that carry it
# (any one in the brief's points will do).
SEED_FACTS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "US Forces Japan becomes a joint force headquarters",
        "000 001 002 003 004",
        ("joint force headquarters",),
    ),
    ("led by a three-star officer", "000 001 003 004", ("three-star",)),
    (
        "counterpart of Japan's new Joint Operations Command",
        "000 001 002 003 004",
        ("joint operations command", "unified command", "new joint headquarters"),
    ),
    ("Blinken and Austin meet Kamikawa and Kihara (2+2)", "001 003 004", ("kamikawa",)),
    ("the first trilateral visit in 15 years", "000 002 003", ("15 years",)),
    ("South Korea's defense minister, Shin Won-sik", "003 004", ("shin won-sik",)),
    (
        "a memorandum to institutionalize trilateral cooperation",
        "002 003 004",
        ("memorandum", "institutionalize"),
    ),
    (
        "real-time sharing of missile-warning data",
        "000 004",
        ("missile warning data", "early warning missile data"),
    ),
    ("extended deterrence talks, a first", "001 002 003 004", ("extended deterrence",)),
    ("joint production of missiles", "001 002", ("co-production",)),
    (
        "defense industrial cooperation",
        "001 002 004",
        ("defense industrial cooperation", "defense industry collaboration"),
    ),
    ("54,000 US troops in Japan", "003 004", ("54,000",)),
]

NOISE = [
    "The upcoming talks in Tokyo represent a critical juncture",
    "This significant diplomatic engagement underscores the commitment",
    "Sopa Images",
    "Lightrocket",
    "Login",
    "Sikorsky SH-60 Seahawk",  # a photo caption
    "The Significance of the Trilateral Gathering",  # a subheading
]
MAX_POINT_WORDS = 500


def _points_text(built: Built) -> str:
    return " ".join(p.text for p in built.brief.points).lower()


# Not carried yet (issue 11). Shin Won-sik is named in two sentences: seed 003's states
# the fact of seed 000's opening sentence (the trilateral meeting, the first in 15
# years), which the ranking prefers for the concepts it covers, so it is ruled out as a
# repeat; seed 004's ranks too low to fit. Swapping a point for the wording that names
# most (names and figures) carried him, but cost 0.7 to 1.3 R-1 on DUC 2004, so it was
# not kept. Seed 001's and 002's co-production sentences rank too low to fit (27th and
# later of 106): "co-production" is a concept only two seeds share. Strict: when they
# pass, this set must shrink.
NOT_YET = {
    "South Korea's defense minister, Shin Won-sik",
    "joint production of missiles",
}


def _facts() -> list:
    return [
        pytest.param(*fact, id=fact[0], marks=pytest.mark.xfail(strict=True, reason="issue 11"))
        if fact[0] in NOT_YET
        else pytest.param(*fact, id=fact[0])
        for fact in SEED_FACTS
    ]


@pytest.mark.parametrize(("fact", "seeds", "wordings"), _facts())
def test_seed_brief_carries_every_fact_two_seeds_report(
    built: Built, fact: str, seeds: str, wordings: tuple[str, ...]
) -> None:
    assert any(w in _points_text(built) for w in wordings), f"{fact} ({seeds})"


@pytest.mark.parametrize("line", NOISE)
def test_seed_brief_carries_no_noise_line(built: Built, line: str) -> None:
    assert line.lower() not in _points_text(built)
    assert line.lower() not in " ".join(k.context for k in built.brief.key_figures).lower()


def test_seed_brief_points_fit_in_500_words(built: Built) -> None:
    assert sum(len(p.text.split()) for p in built.brief.points) <= MAX_POINT_WORDS


def test_no_seed_point_is_cut_after_an_abbreviation(built: Built) -> None:
    for point in built.brief.points:
        assert re.search(r"[.!?…][”\"’')]*$", point.text), point.text
        assert not re.search(r"\b(?:[A-Z]\.){1,3}$|\b(?:Mr|Mrs|Dr|Gen|Sen|Rep|St)\.$", point.text)


# DUC 2004 floor -------------------------------------------------------------------------
#
# The default method on all 35 shared DUC 2004 clusters, scored as benchmarks/duc2004.py
# scores them (its full-35 row in the README). 40 s measured on this 2-core machine while
# shared with other work; a subset would save little and pin less.
# The pinned figures are the default method's full-35 scores when the floor was set.

PINNED = (40.66, 10.75)  # ROUGE-1, ROUGE-2 recall ×100, all 35 clusters
SLACK = 0.3
BENCH_DIR = SHARED / "bench" / "duc2004"


@pytest.mark.expect_warnings  # ingest names the few DUC files it skips
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent (CI has it)")
def test_default_method_keeps_its_rouge_on_duc_2004() -> None:
    bench = benchmark("duc2004")
    clusters = bench.load_clusters(BENCH_DIR)
    assert len(clusters) == bench.FULL_SET
    scores, _ = bench.run_method(DEFAULT_METHOD, clusters, bench.Scorer())
    r1, r2 = bench.mean(scores)
    assert r1 >= PINNED[0] - SLACK, f"ROUGE-1 {r1:.2f} fell below {PINNED[0]} - {SLACK}"
    assert r2 >= PINNED[1] - SLACK, f"ROUGE-2 {r2:.2f} fell below {PINNED[1]} - {SLACK}"
