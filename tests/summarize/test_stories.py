"""Stories: articles grouped by event, briefs of several stories, their JSON and editions."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from digest.compose.budget import plan
from digest.compose.figures import _in_context
from digest.models import Article
from digest.pipeline import build_brief, build_from_articles
from digest.read.ingest import read_folder
from digest.render.editions import EMAIL_LIMIT_BYTES
from digest.summarize.stories import group
from tests.conftest import SEEDS, SHARED

DATE = dt.date(2024, 8, 1)

# Two unrelated events, three outlets each, written for this test.
FLOOD = [
    "Floodwater from the failed Karsk dam swept through the valley town of Ellmoor on "
    "Tuesday, forcing 4,000 residents from their homes. Rescue crews in boats pulled "
    "families from rooftops along the Ellmoor river. The regional governor said the dam's "
    "spillway gave way after nine days of heavy rain. Engineers had warned in March that "
    "the Karsk dam needed urgent repairs to its spillway.",
    "The Karsk dam above Ellmoor collapsed after days of rain, and the flood forced about "
    "4,000 people to leave the town. Boats carried residents off rooftops as the river "
    "rose through the streets of Ellmoor. An inspection report from March had called the "
    "spillway of the Karsk dam unsafe. The governor promised an inquiry into the dam.",
    "Rescue boats worked through the night in Ellmoor after the Karsk dam burst and "
    "flooded the valley. Officials said 4,000 residents had been evacuated to schools and "
    "churches on higher ground. The dam's spillway failed after more than a week of rain, "
    "the governor said. Families waited on rooftops for the boats to reach them.",
]
CHESS = [
    "Grandmaster Ilse Varga won the world chess championship in Lisbon on Sunday, beating "
    "the defending champion Tomas Reyes in a rapid tiebreak. The classical games had "
    "ended level at six points each after fourteen games. Varga, who is 24, is the "
    "youngest champion in two decades. She won the decisive rapid game with the black "
    "pieces in a Sicilian Defence.",
    "Ilse Varga is the new world chess champion after defeating Tomas Reyes in the rapid "
    "tiebreak in Lisbon. The fourteen classical games of the match had finished six "
    "points apiece. At 24, Varga becomes the youngest holder of the title in twenty "
    "years. Reyes resigned the final rapid game after a long Sicilian Defence.",
    "The world chess championship in Lisbon ended on Sunday with a tiebreak win for Ilse "
    "Varga over the champion Tomas Reyes. Their classical match was tied at six points "
    "after fourteen games. Varga, 24, took the title with black in the last rapid game. "
    "Reyes congratulated her and said he would play in next year's candidates tournament.",
]


@pytest.fixture()
def two_stories(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Six articles under opaque names, shuffled; name → the event it reports."""
    folder = tmp_path / "day"
    folder.mkdir()
    truth = {}
    texts = [("flood", t) for t in FLOOD] + [("chess", t) for t in CHESS]
    random.Random(4).shuffle(texts)
    for n, (event, text) in enumerate(texts):
        name = f"item{n:02d}.txt"
        (folder / name).write_text(text + "\n", "utf-8")
        truth[name] = event
    return folder, truth


def test_the_seeds_are_one_story() -> None:
    articles = read_folder(SEEDS).articles
    assert group(articles) == [list(range(len(articles)))]


def test_two_unrelated_stories_are_found(two_stories: tuple[Path, dict[str, str]]) -> None:
    folder, truth = two_stories
    articles = read_folder(folder).articles
    found = group(articles)
    assert len(found) == 2
    for members in found:
        events = {truth[articles[i].path.name] for i in members if articles[i].path}
        assert len(events) == 1, f"one story mixes {events}"


def test_a_brief_of_two_stories_has_generic_title_and_story_sections(
    two_stories: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, truth = two_stories
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE)
    data = json.loads(built.files["json"].read_text("utf-8"))
    assert data["title"] == "Daily Brief"
    # No topical section is made up: each section is a story under its quoted headline.
    sources_text = " ".join(p.read_text("utf-8") for p in folder.iterdir())
    assert len(data["sections"]) == 2
    for section in data["sections"]:
        assert "story" in section
        assert section["title"] in sources_text
        assert {p["story"] for p in section["points"]} == {section["story"]}
    # Every story is listed, each article in exactly one, and each story is one event.
    numbered = {s["n"]: s for s in data["sources"]}
    assert sorted(n for s in data["stories"] for n in s["sources"]) == sorted(numbered)
    for story in data["stories"]:
        events = {truth[Path(numbered[n]["path"]).name] for n in story["sources"]}
        assert len(events) == 1
        assert all(numbered[n]["story"] == story["n"] for n in story["sources"])
    # Sources are numbered 1..N, all articles read.
    assert sorted(numbered) == list(range(1, 7))


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9,'-]*", text.lower()) if len(w) > 3}


def test_no_point_restates_its_storys_headline(
    two_stories: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """A story is headed by one outlet's sentence; another outlet's wording of that same
    fact ("Grandmaster Ilse Varga won the world chess championship in Lisbon…" under "Ilse
    Varga is the new world chess champion…") is not a point of its own. Judged here by
    plain word overlap: most of the headline's longer words again in one point."""
    folder, _ = two_stories
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE)
    data = json.loads(built.files["json"].read_text("utf-8"))
    for section in data["sections"]:
        headline = _content_words(section["title"])
        for point in section["points"]:
            shared = len(headline & _content_words(point["text"])) / len(headline)
            assert shared < 0.5, f"{point['text']!r} restates {section['title']!r}"


def test_no_point_restates_a_headline_that_is_an_articles_title(tmp_path: Path) -> None:
    """Feeds give titles, and a title is often the best headline; it is no sentence of
    the story, yet the outlets' sentences that state its fact are not points under it."""
    flood = "Karsk dam spillway fails after rain; flood forces 4,000 Ellmoor residents from homes"
    chess = "Ilse Varga, 24, beats champion Tomas Reyes in Lisbon tiebreak for world chess title"
    titles = [flood] * 3 + [chess] * 3  # as wire copy often carries one title
    articles = [
        Article(index=n, title=title, paragraphs=(text,), content_hash=str(n))
        for n, (title, text) in enumerate(zip(titles, FLOOD + CHESS, strict=True))
    ]
    built = build_from_articles(articles, out=tmp_path, date=DATE)
    data = json.loads(built.files["json"].read_text("utf-8"))
    (section,) = [s for s in data["sections"] if s["title"] == flood]
    # Read off the articles: these two opening sentences state the title's fact.
    restating = {
        "Floodwater from the failed Karsk dam swept through the valley town of Ellmoor on "
        "Tuesday, forcing 4,000 residents from their homes.",
        "The Karsk dam above Ellmoor collapsed after days of rain, and the flood forced about "
        "4,000 people to leave the town.",
    }
    assert len(section["points"]) >= 3
    assert not restating & {p["text"] for p in section["points"]}


def test_every_source_has_its_own_summary_in_every_edition(built) -> None:
    data = json.loads(built.files["json"].read_text("utf-8"))
    text = built.files["txt"].read_text("utf-8")
    html = built.files["html"].read_text("utf-8")
    pdf = (
        subprocess.run(
            ["pdftotext", str(built.files["pdf"]), "-"], capture_output=True, text=True, check=True
        ).stdout
        if shutil.which("pdftotext")
        else None
    )
    articles = {a.index: a for a in built.brief.sources}
    for source in data["sources"]:
        assert source["summary"], f"source {source['n']} has no summary"
        whole = " ".join(articles[source["n"]].paragraphs)
        for sentence in source["summary"]:
            assert sentence in whole  # quoted, never rewritten
        first = source["summary"][0]
        assert " ".join(first.split()) in " ".join(text.split())
        assert first.split()[0] in html and first[:40] in html.replace("&#39;", "'")
        if pdf is not None:
            assert " ".join(first.split()[:6]) in " ".join(pdf.split())


@pytest.mark.parametrize(
    ("sentence", "figure", "phrase"),
    [
        (
            "Cambodia's parties broke a three-month deadlock Friday and agreed to a coalition.",
            "three-month",
            "three-month deadlock",
        ),
        ("The two-party opposition had boycotted the vote.", "two-party", "two-party opposition"),
        (
            "Hun Sen's party won 64 of the 122 parliamentary seats in July.",
            "64",
            "64 of the 122 parliamentary seats",
        ),
        ("The bank approved $35 million in aid on Monday.", "35", "$35 million"),
        (
            "About 54,000 US military personnel are stationed in Japan.",
            "54,000",
            "54,000 US military personnel",
        ),
        ("Police said 12 people killed in the blast were civilians.", "12", "12 people"),
        (
            "The Nobel Prizes were endowed by Alfred Nobel, whose 355 inventions included dynamite.",
            "355",
            "355 inventions",
        ),
        (
            "Anwar was beaten and faces trial on 10 sexual misconduct and corruption charges.",
            "10",
            "10 sexual misconduct and corruption charges",
        ),
        ("About 200 students and teachers marched on Sunday.", "200", "200 students and teachers"),
        ("Courts sentenced them to 13 and 11 years in prison.", "11", "11 years"),
        ("Courts sentenced them to 13 and 11 years in prison.", "13", "13 and 11 years"),
        ("Arsenal beat Chelsea 1 to 0 on Sunday.", "1", "1"),
        ("The index fell 25 to 3,100 points.", "3,100", "3,100 points"),
        ("Police held 2 and 3 of the suspects in turn.", "2", "2"),
        ("Aged 13 and 11, the boys were freed.", "11", "11"),
        ("The party took 64 of the 122, officials said.", "64", "64 of the 122"),
        ("The bill would cost 35, officials said.", "35", "35"),
        # A preposition ends the phrase (a hostile-user report: "40,000 households across").
        ("Power was cut to 40,000 households across the region.", "40,000", "40,000 households"),
        ("Prices rose 5 percent amid the drought.", "5", "5 percent"),
        ("Oil traded at $80 per barrel on Monday.", "80", "$80 per barrel"),
        ("Turnout rose to 40 per cent in the region.", "40", "40 per cent"),
        ("The board named 12 outside directors in March.", "12", "12 outside directors"),
        ("The army lost 3 soldiers and wounded 5 others.", "3", "3 soldiers"),
    ],
)
def test_key_figures_say_what_they_count(sentence: str, figure: str, phrase: str) -> None:
    found, context = _in_context(sentence, figure)
    assert found == phrase
    assert found.strip("$") in context or figure in context
    last = found.split()[-1].lower()
    assert not re.fullmatch(r"(?:mon|tues|wednes|thurs|fri|satur|sun)day", last)
    assert last not in {"had", "has", "is", "was", "were", "killed"}


@pytest.mark.parametrize(
    ("sentence", "figure", "context"),
    [
        # A clause too short to say what happened takes the one before it...
        (
            "Sixty-seven votes would be required, and there are only 55 Republicans in the"
            " Senate, along with 45 Democrats.",
            "45",
            "…and there are only 55 Republicans in the Senate, along with 45 Democrats",
        ),
        # ...or, opening the sentence, the one after it.
        (
            "12 miners died, the inquiry found, after the shaft flooded in March.",
            "12",
            "12 miners died, the inquiry found…",
        ),
        # A clause that says enough stays as it is.
        (
            "The vote was close, and 55 Republicans in the Senate voted for the bill, officials said.",
            "55",
            "…and 55 Republicans in the Senate voted for the bill…",
        ),
    ],
)
def test_a_key_figures_context_is_a_clause_that_stands_alone(
    sentence: str, figure: str, context: str
) -> None:
    assert _in_context(sentence, figure)[1] == context


def test_ordinals_are_not_key_figures() -> None:
    from digest.compose.figures import _is_key

    assert not _is_key("20", "There is room on the 20th century honor roll of writers.")
    assert _is_key("20", "His works were translated into more than 20 languages.")


def test_ages_are_not_key_figures() -> None:
    """A many-story day's key figure read "27-year", from "27-year-old Ruslan Linkov"."""
    from digest.compose.figures import _is_key

    assert not _is_key("27-year", "Police said 27-year-old Ruslan Linkov was wounded.")
    assert not _is_key("three-year", "The three-year-old girl was found safe on Sunday.")
    assert _is_key("27-year", "The 27-year sentence was upheld by the appeals court.")


def test_days_of_a_month_are_not_key_figures() -> None:
    from digest.compose.figures import _is_key

    games = "Doubts over whether the Dec. 6-20 games will be a success were cast aside."
    assert not _is_key("6-20", games)
    assert not _is_key("20", "The vote is set for Dec. 20 in the capital.")
    assert _is_key("6-20", "Squads of 6-20 players may enter the tournament.")


def test_the_page_plan_shows_fewer_stories_than_a_large_day_has() -> None:
    one = plan([5], pages=2)
    assert one.shown == 1 and one.listed == 0
    many = plan([10] * 35, pages=2)
    assert 1 < many.shown < 35
    assert many.shown + many.listed <= 35
    more_pages = plan([10] * 35, pages=4)
    assert more_pages.shown > many.shown


def test_a_layout_with_room_left_gets_one_fuller_plan() -> None:
    from digest.compose.budget import grow

    first = plan([10] * 35, pages=2)
    fuller = grow([10] * 35, pages=2, skipped=0, used=1.5)  # a quarter of the pages empty
    assert fuller.shown > first.shown
    assert sum(fuller.words) > sum(first.words)
    assert grow([10] * 35, pages=2, skipped=0, used=1.95) == first  # full enough: no change


def test_summarize_stories_json(two_stories: tuple[Path, dict[str, str]]) -> None:
    folder, truth = two_stories
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "digest",
            "summarize",
            str(folder),
            "--stories",
            "--json",
            "--words",
            "40",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    stories = json.loads(result.stdout)["stories"]
    assert len(stories) == 2
    assert sorted(n for s in stories for n in s["articles"]) == sorted(truth)
    for story in stories:
        assert len({truth[name] for name in story["articles"]}) == 1
        words = sum(len(s.split()) for s in story["summary"])
        last = len(story["summary"][-1].split())
        assert words - last < 40  # cut as --words cuts: at the sentence reaching it
    plain = subprocess.run(
        [sys.executable, "-m", "digest", "summarize", str(folder), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert set(json.loads(plain.stdout)) == {"summary"}


@pytest.mark.skipif(not (SHARED / "bench" / "duc2004").is_dir(), reason="needs ../shared")
def test_a_day_of_35_stories_fits_its_pages(tmp_path: Path) -> None:
    folder = tmp_path / "day"
    folder.mkdir()
    files = sorted((SHARED / "bench" / "duc2004").glob("d3*/docs/*.txt"))
    for n, path in enumerate(files):
        shutil.copy(path, folder / f"{n:04d}.txt")
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE)
    assert len(PdfReader(built.files["pdf"]).pages) <= 2
    data = json.loads(built.files["json"].read_text("utf-8"))
    assert len(data["stories"]) > 10
    assert any(not s["shown"] for s in data["stories"])
    # The pages are used: the last one is filled at least three quarters of the way
    # down (one fuller layout when the first left more room), or shows a third story.
    shown = sum(s["shown"] for s in data["stories"])
    assert shown >= 3 or _last_page_filled(built.files["pdf"]) >= 0.75, shown
    assert "MORE STORIES" in built.files["txt"].read_text("utf-8")
    assert "More stories" in built.files["html"].read_text("utf-8")
    assert built.files["html"].stat().st_size <= EMAIL_LIMIT_BYTES
    # Every article read is in the JSON, in exactly one story.
    in_stories = sorted(n for s in data["stories"] for n in s["sources"])
    assert in_stories == list(range(1, len(data["sources"]) + 1))


def _last_page_filled(path: Path) -> float:
    """How far down the last page its lowest line of text sits (0 top, 1 bottom), read
    back from the PDF by pypdf; the running page number is not counted."""
    page = PdfReader(path).pages[-1]
    heights: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip() and not re.search(r"page \d+ of \d+", text.lower()):
            heights.append(tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    return 1 - min(heights) / float(page.mediabox.height)


def test_grouping_compares_candidates_not_all_pairs() -> None:
    """2,000 articles on 200 topics: pairs are found through distinctive words only."""
    from digest.summarize.stories import DEFAULT, _candidate_similarities, _vectors, feature_stems

    rng = random.Random(9)
    common = [f"common{k}" for k in range(300)]  # words every topic uses
    topics = [[f"topic{t}word{k}" for k in range(25)] for t in range(200)]
    articles, truth = [], []
    for n in range(2000):
        topic = n % 200
        text = " ".join(
            rng.choice(topics[topic]) if rng.random() < 0.4 else rng.choice(common)
            for _ in range(120)
        )
        articles.append(Article(index=n + 1, title="t", paragraphs=(text + ".",)))
        truth.append(topic)
    stems = [feature_stems(a, DEFAULT.words) for a in articles]
    pairs = _candidate_similarities(_vectors(stems, DEFAULT), DEFAULT.probe)
    assert len(pairs) < 25 * len(articles)  # all pairs would be 1,999,000
    found = group(articles)
    story_of = {i: s for s, members in enumerate(found) for i in members}
    for i in range(0, 2000, 97):  # articles of one topic end in one story
        assert story_of[i] == story_of[i + 200 if i + 200 < 2000 else i - 200]
    assert len(found) == 200


def test_a_profile_with_sections_takes_its_story_and_the_others_follow(
    two_stories: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    from digest.profile import load_profile

    folder, _ = two_stories
    for seed in SEEDS.iterdir():
        shutil.copy(seed, folder / seed.name)
    profile = load_profile("seeds")
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE, profile=profile)
    data = json.loads(built.files["json"].read_text("utf-8"))
    profiled = [s for s in data["sections"] if "story" not in s]
    own = [s for s in data["sections"] if "story" in s]
    assert profiled and {s["title"] for s in profiled} <= {
        *(spec.title for spec in profile.sections),
        profile.other,
    }
    # The seeds' story fills the profile's sections; flood and chess are stories of their
    # own, after them, each under its headline.
    seed_sources = {
        s["n"]
        for s in data["sources"]
        if s["path"].rsplit("/", 1)[-1] in {p.name for p in SEEDS.iterdir()}
    }
    for section in profiled:
        assert all(p["quoted_from"] in seed_sources for p in section["points"])
    assert len(own) == 2
    assert data["sections"].index(own[0]) > data["sections"].index(profiled[-1])
    text = " ".join(built.files["txt"].read_text("utf-8").split())
    assert "OTHER STORIES" in text
    assert text.index("OTHER STORIES") < text.index(" ".join(own[0]["title"].split()[:6]))
    assert "Other stories" in built.files["html"].read_text("utf-8")


@pytest.mark.skipif(not (SHARED / "bench" / "duc2004").is_dir(), reason="needs ../shared")
@pytest.mark.expect_warnings  # DUC's duplicate files are skipped by design
def test_after_grouping_no_article_is_closer_to_another_story_or_far_from_its_own(
    tmp_path: Path,
) -> None:
    """The refinement's promise, checked with plain cosines of every pair of articles of
    the 35-story DUC day: no article is more alike another story of two or more (by at
    least `join` times that story's cohesion) than its own, and none in a story of
    three or more is under `eject` times as alike as the rest of its story."""
    import numpy as np

    from digest.summarize.stories import DEFAULT, _vectors, feature_stems

    for n, path in enumerate(sorted((SHARED / "bench" / "duc2004").glob("d3*/docs/*.txt"))):
        shutil.copy(path, tmp_path / f"{n:04d}.txt")
    folder_articles = list(read_folder(tmp_path).articles)
    stems = [feature_stems(a, DEFAULT.words) for a in folder_articles]
    matrix = _vectors(stems, DEFAULT)  # rows in compressed form: indptr, indices, data
    dense = np.zeros((len(stems), int(matrix.indices.max()) + 1))
    for r in range(len(stems)):
        span = slice(matrix.indptr[r], matrix.indptr[r + 1])
        dense[r, matrix.indices[span]] = matrix.data[span]
    cosine = dense @ dense.T
    stories = group(folder_articles)

    def cohesion(members: list[int]) -> float:
        block = cosine[np.ix_(members, members)]
        return float((block.sum() - np.trace(block)) / (len(members) * (len(members) - 1)))

    for g, members in enumerate(stories):
        for i in members:
            rest = [j for j in members if j != i]
            own = float(cosine[i, rest].mean()) if rest else 0.0
            if len(members) >= 3:
                assert own >= DEFAULT.eject * cohesion(rest), (i, g)
            for h, other in enumerate(stories):
                if h != g and len(other) >= 2:
                    mean = float(cosine[i, other].mean())
                    assert not (mean > own and mean >= DEFAULT.join * cohesion(other)), (i, g, h)


# One sentence of news in Chinese: all its article can quote is the sentence that also
# heads its story (a hostile-user report: the brief printed it as heading and as point).
ONE_SENTENCE = "东京周二发生强烈地震，造成至少十人受伤。"
ONE_SENTENCE_ARTICLE = ONE_SENTENCE + "日本气象厅表示，地震震级为6.5级。当局正在评估损失情况。\n"


def test_a_story_whose_only_sentence_is_its_headline_is_listed_not_stated_twice(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "quake.txt").write_text(ONE_SENTENCE_ARTICLE, "utf-8")
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE)
    text = built.files["txt"].read_text("utf-8")
    assert text.count(ONE_SENTENCE) == 1, text
    assert text.index("MORE STORIES") < text.index(ONE_SENTENCE) < text.index("SOURCES")
    stories = json.loads(built.files["json"].read_text("utf-8"))["stories"]
    [quake] = [s for s in stories if s["headline"] == ONE_SENTENCE]
    assert quake["shown"] is False
    assert any(s["shown"] for s in stories)  # the seeds' story still has its points


def test_a_lone_article_of_one_sentence_still_makes_a_brief_of_it(tmp_path: Path) -> None:
    """When no story has anything but its headline to say, the brief quotes it."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "quake.txt").write_text(ONE_SENTENCE_ARTICLE, "utf-8")
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE)
    assert [p.text for p in built.brief.points] == [ONE_SENTENCE]
    assert "1 point quoted from 1 source\n" in built.files["txt"].read_text("utf-8")


def test_a_storys_headline_is_not_repeated_as_a_sources_summary(tmp_path: Path) -> None:
    """A many-story day printed a story's headline again as the summary of three of its
    sources (a hostile-user report)."""
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "quake.txt").write_text(ONE_SENTENCE_ARTICLE, "utf-8")
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE)
    stories = json.loads(built.files["json"].read_text("utf-8"))["stories"]
    [headline] = [s["headline"] for s in stories if s["shown"]]
    text = built.files["txt"].read_text("utf-8")
    heading, sources = text.split("\nSOURCES\n")
    assert " ".join(headline.split()) in " ".join(heading.split())  # printed once, above
    assert " ".join(headline.split()) not in " ".join(sources.split())
