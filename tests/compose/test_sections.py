from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.compose.sections import Chosen, compose, section_of, sectionize
from digest.models import Point, Sentence, Story
from digest.pipeline import Built
from digest.profile import SectionSpec, load_profile, parse_profile
from digest.summarize.corpus import Corpus
from tests.conftest import make_article

PROFILE = load_profile("seeds")


def _point(text: str, rank: int, article: int = 1) -> Point:
    return Point(Sentence(article, 0, rank, text), (article,), 1.0, rank)


def test_seed_profile_has_the_four_sections_in_order() -> None:
    assert [s.title for s in PROFILE.sections] == [
        "Command structure",
        "Trilateral cooperation",
        "Defense industry",
        "Deterrence",
    ]


def test_points_go_to_the_section_whose_terms_they_match() -> None:
    assert (
        section_of("A three-star officer will head the joint force headquarters.", PROFILE)
        == "Command structure"
    )
    assert (
        section_of("Japan and South Korea signed a memorandum on trilateral drills.", PROFILE)
        == "Trilateral cooperation"
    )
    assert (
        section_of("Japan will raise co-production of PAC-3 interceptors.", PROFILE)
        == "Defense industry"
    )
    assert (
        section_of("The talks covered extended deterrence and nuclear threats.", PROFILE)
        == "Deterrence"
    )
    assert section_of("The weather in Tokyo was hot and humid all weekend.", PROFILE) is None


def test_unmatched_points_land_in_other_developments_never_dropped() -> None:
    points = [
        _point("The weather in Tokyo was hot all weekend long.", 0),
        _point("A three-star officer will lead the new headquarters.", 1),
    ]
    sections = sectionize(points, PROFILE)
    assert [s.title for s in sections] == ["Command structure", "Other developments"]


def test_within_a_section_the_most_important_point_comes_first() -> None:
    points = [
        _point("The new command will be led by a three-star general.", 3),
        _point("The headquarters will report to INDOPACOM in Hawaii.", 1),
    ]
    (section,) = sectionize(points, PROFILE)
    assert [p.rank for p in section.points] == [1, 3]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "A three-star officer will lead the headquarters.",
                "Japan and South Korea signed a memorandum.",
                "Missile co-production will grow.",
                "Nuclear deterrence was discussed.",
                "It rained in Tokyo.",
                "The trilateral nuclear command talks went on.",
            ]
        ),
        min_size=1,
        max_size=12,
    )
)
def test_each_point_sits_in_exactly_one_section(texts: list[str]) -> None:
    points = [_point(t, n) for n, t in enumerate(texts)]
    sections = sectionize(points, PROFILE)
    placed = [p.rank for s in sections for p in s.points]
    assert sorted(placed) == list(range(len(points)))
    order = [s.title for s in sections]
    expected = [s.title for s in PROFILE.sections] + [PROFILE.other]
    assert order == [t for t in expected if t in order]


def test_seed_brief_has_date_lead_sections_figures_and_sources(built: Built) -> None:
    brief = built.brief
    assert brief.date == dt.date(2024, 7, 29)
    assert brief.lead
    assert [s.title for s in brief.sections][:1] == ["Command structure"]
    assert len(brief.sources) == 5
    placed = [p for s in brief.sections for p in s.points]
    assert len(placed) == len(set(placed)) == len(brief.points)
    assert set(brief.lead) <= set(placed)


def test_compose_uses_the_profile_title() -> None:
    profile = parse_profile(
        'title = "Test brief"\n[[sections]]\ntitle = "Weather"\nterms = ["rain"]\n', source="t"
    )
    assert profile.sections == (SectionSpec("Weather", ("rain",)),)
    corpus = Corpus.of([make_article("It will rain in Tokyo on Monday and Tuesday this week.")])
    points = (Point(corpus.sentences[0], (1,), 1.0, 0),)
    brief = compose(
        [Chosen(Story(1, "Rain", (1,)), points, corpus)],
        articles=[make_article("x")],
        profile=profile,
        date=dt.date(2024, 1, 2),
        method="coverage",
    )
    assert brief.title == "Test brief"
    assert [s.title for s in brief.sections] == ["Weather"]


def test_a_dangling_point_follows_the_sentence_it_leans_on() -> None:
    lead_in = Point(
        Sentence(2, 0, 4, "Japan will expand missile production under a US licence next year."),
        (2,),
        1.0,
        0,
    )
    other = _point("The new command will be led by a three-star general.", 1)
    follower = Point(
        Sentence(2, 0, 5, "This initiative aims to deter nuclear threats from Russia and China."),
        (2,),
        1.0,
        2,
    )
    sections = sectionize([lead_in, other, follower], PROFILE)
    industry = next(s for s in sections if s.title == "Defense industry")
    assert [p.rank for p in industry.points] == [0, 2]
    assert all(follower not in s.points for s in sections if s.title != "Defense industry")


def test_number_words_count_only_with_a_unit() -> None:
    from digest.summarize.corpus import figures

    found = figures("A two-plus-two meeting named a three-star general and a four-star rank.")
    assert found == {"three-star", "four-star"}
