"""Key figures: the numbers the points quote, with what they count and who reports them."""

from __future__ import annotations

from digest.compose.figures import key_figures
from digest.compose.sections import Chosen
from digest.models import Point, Story
from digest.pipeline import Built
from digest.summarize.corpus import Corpus
from tests.conftest import make_article


def test_key_figures_quote_their_context_and_credit_every_outlet(built: Built) -> None:
    figures = {k.figure.split()[0]: k for k in built.brief.key_figures}
    assert "54,000" in figures and "three-star" in figures
    texts = {a.index: a.text for a in built.brief.sources}
    for figure in built.brief.key_figures:
        quoted = figure.context.strip("…")
        assert quoted in texts[figure.sources[0]]
        number = figure.figure.split()[0]
        assert all(number in texts[n] for n in figure.sources)
    # Seeds 003 and 004 give the figure (grep the seeds); numbers follow first citation.
    files = {a.index: a.path.name[:3] for a in built.brief.sources if a.path}
    assert {files[n] for n in figures["54,000"].sources} == {"003", "004"}


def test_years_and_dates_are_not_key_figures() -> None:
    article = make_article(
        "In 2023 the two leaders met on July 28 in Tokyo for the first time.\n"
        "They agreed to station 2,500 more troops in the south of the country.",
    )
    corpus = Corpus.of([article])
    points = (Point(corpus.sentences[1], (1,), 1.0, 0), Point(corpus.sentences[0], (1,), 1.0, 1))
    figures = key_figures([Chosen(Story(1, "", (1,)), points, corpus)])
    assert [k.figure for k in figures] == ["2,500 more troops"]


def test_a_share_is_one_key_figure_not_a_second_one_for_its_whole() -> None:
    article = make_article("Hun Sen's party won 64 of the 122 parliamentary seats in July.")
    corpus = Corpus.of([article])
    points = (Point(corpus.sentences[0], (1,), 1.0, 0),)
    figures = key_figures([Chosen(Story(1, "", (1,)), points, corpus)])
    assert [k.figure for k in figures] == ["64 of the 122 parliamentary seats"]
