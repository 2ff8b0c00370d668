"""Conflicting figures: sources that give different figures for the same thing."""

from __future__ import annotations

import json
from pathlib import Path

from digest.models import Article
from digest.pipeline import build_from_articles
from digest.profile import load_profile
from digest.summarize.conflicts import conflicts
from digest.summarize.corpus import Corpus
from tests.conftest import BRIEF_DATE, make_article

TROOPS_54 = "Japan hosts 54,000 US troops, hundreds of US aircraft and a carrier strike group."
TROOPS_50 = "Japan hosts about 50,000 US troops, along with dozens of warships and aircraft."
KOREA = "South Korea hosts 28,500 US troops, according to the latest Pentagon figures."
THREE = "The new headquarters in Tokyo will be led by a three-star general, officials said."
FOUR = "The new headquarters in Tokyo will be led by a four-star general, officials said."
BOTH = "The command in Tokyo will be led by a three-star general, not the four-star rank asked."
SAILORS = "The naval exercise off Okinawa drew 3,000 sailors from six navies this summer."


def _corpus(*texts: str) -> Corpus:
    return Corpus.of([make_article(t, index=n) for n, t in enumerate(texts, 1)])


def _at(corpus: Corpus, start: str) -> int:
    return next(i for i, s in enumerate(corpus.sentences) if s.text.startswith(start))


def _found(corpus: Corpus, start: str) -> list[tuple[str, list[tuple[str, tuple[int, ...]]]]]:
    return [
        (c.about, [(f.value, f.sources) for f in c.figures])
        for c in conflicts(corpus, _at(corpus, start))
    ]


def test_two_outlets_giving_different_troop_numbers_conflict() -> None:
    corpus = _corpus(TROOPS_54, TROOPS_50)
    assert _found(corpus, "Japan hosts 54,000") == [
        ("US troops", [("54,000", (1,)), ("50,000", (2,))])
    ]
    assert _found(corpus, "Japan hosts about") == [
        ("US troops", [("50,000", (2,)), ("54,000", (1,))])
    ]


def test_a_three_star_against_a_four_star_commander_conflicts() -> None:
    corpus = _corpus(THREE, FOUR)
    assert _found(corpus, "The new headquarters in Tokyo will be led by a three") == [
        ("star general", [("three-star", (1,)), ("four-star", (2,))])
    ]


def test_a_different_thing_with_a_different_number_is_no_conflict() -> None:
    # Troops in South Korea are not troops in Japan; sailors in an exercise are neither.
    corpus = _corpus(TROOPS_54, KOREA, SAILORS)
    assert _found(corpus, "Japan hosts 54,000") == []
    assert _found(corpus, "South Korea hosts") == []
    assert _found(corpus, "The naval exercise") == []


def test_an_outlet_that_gives_both_figures_reports_no_conflict() -> None:
    # One article says three-star, not four-star: a difference it reports, not a conflict.
    corpus = _corpus(THREE, BOTH)
    assert _found(corpus, "The new headquarters") == []


def test_a_third_outlet_agreeing_is_credited_with_its_value() -> None:
    corpus = _corpus(TROOPS_54, TROOPS_50, TROOPS_54.replace("a carrier", "an aircraft carrier"))
    assert _found(corpus, "Japan hosts about") == [
        ("US troops", [("50,000", (2,)), ("54,000", (1, 3))])
    ]


def test_the_brief_says_sources_differ_next_to_the_point_and_the_key_figure(
    tmp_path: Path,
) -> None:
    filler = [
        "Defense ministers from both countries met in Tokyo on Sunday to discuss the plan.",
        "Officials said the change would take several years to complete in full.",
    ]
    articles = [
        Article(index=n, title=f"Report {n}", paragraphs=(lead, *filler), content_hash=str(n))
        for n, lead in enumerate([TROOPS_54, TROOPS_50, KOREA], 1)
    ]
    built = build_from_articles(
        articles, out=tmp_path, date=BRIEF_DATE, profile=load_profile("generic"), length=3
    )
    brief = json.loads(built.files["json"].read_text())
    number = {s["title"]: s["n"] for s in brief["sources"]}
    points = [p for s in brief["sections"] for p in s["points"]]
    by_text = {p["text"]: p for p in points}
    assert TROOPS_54 in by_text or TROOPS_50 in by_text
    expected = [
        {"value": "54,000", "sources": [number["Report 1"]]},
        {"value": "50,000", "sources": [number["Report 2"]]},
    ]
    for point in points:
        if point["text"] in (TROOPS_54, TROOPS_50):
            (found,) = point["conflicts"]
            # the outlet that gives the other figure is not credited with this one
            other = number["Report 2" if point["text"] == TROOPS_54 else "Report 1"]
            assert other not in point["sources"]
            assert found["about"] == "US troops"
            assert sorted(found["figures"], key=lambda f: f["value"]) == sorted(
                expected, key=lambda f: f["value"]
            )
        else:
            assert "conflicts" not in point, point["text"]
    troops = [k for k in brief["key_figures"] if k["figure"].startswith(("54,000", "50,000"))]
    assert troops and all(k["conflicts"] for k in troops)
    assert all(k["conflicts"] == [] for k in brief["key_figures"] if k not in troops)
    text = " ".join(built.files["txt"].read_text().split())  # the text part wraps lines
    assert "\u00a0" not in built.files["txt"].read_text()
    n1, n2 = number["Report 1"], number["Report 2"]
    assert (
        f"sources differ: 54,000 [{n1}], 50,000 [{n2}]" in text
        or f"sources differ: 50,000 [{n2}], 54,000 [{n1}]" in text
    )


def test_an_outlet_that_gives_both_figures_in_different_sentences_is_no_conflict() -> None:
    """A many-story DUC day said "45 Democrats (sources differ: 45 [8], 12 [19])", where
    [19] wrote "the 45 Democrats" and, of another fact, "12 Democrats would have to…"."""
    said = "The measure passed with the votes of 45 Democrats in the Senate on Friday."
    other = (
        "The measure passed on Friday, and 12 Democrats in the Senate voted against it.\n"
        "Over dinner at his home on Thursday, the party whip counted 45 Democrats."
    )
    corpus = _corpus(said, other)
    assert _found(corpus, "The measure passed with") == []
    # Without its own 45, the second outlet would give another figure for the same thing.
    assert _found(_corpus(said, other.splitlines()[0]), "The measure passed with") == [
        ("Democrats", [("45", (1,)), ("12", (2,))])
    ]
