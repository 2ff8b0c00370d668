from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.corpus import OVERLAP, Corpus, is_dangling, is_quotable
from digest.errors import ConfigError
from digest.ingest import read_folder
from digest.methods import DEFAULT_METHOD, METHODS, get_method
from digest.summarize import rank, select, summarize
from tests.conftest import SEEDS, make_article


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.of(read_folder(SEEDS).articles)


@pytest.fixture(scope="module")
def points(corpus: Corpus) -> tuple:
    return select(corpus, rank(corpus))


def test_every_point_is_a_verbatim_sentence_of_its_first_source(
    corpus: Corpus, points: tuple
) -> None:
    articles = {a.index: a for a in read_folder(SEEDS).articles}
    for point in points:
        assert point.sources[0] == point.sentence.article
        assert point.text in articles[point.sources[0]].text


def test_every_credited_source_reports_the_same_fact(corpus: Corpus, points: tuple) -> None:
    for point in points:
        i = corpus.sentences.index(point.sentence)
        for source in point.sources[1:]:
            assert any(
                corpus.same_fact(i, j)
                for j, s in enumerate(corpus.sentences)
                if s.article == source
            ), (point.text, source)


def test_facts_reported_by_several_outlets_credit_them_all(points: tuple) -> None:
    assert max(len(p.sources) for p in points) >= 3
    three_star = [p for p in points if "three-star" in p.text]
    assert len(three_star) == 1  # said once...
    assert len(three_star[0].sources) >= 3  # ...credited to the outlets that report it


def test_no_two_points_state_the_same_fact(corpus: Corpus, points: tuple) -> None:
    index = [corpus.sentences.index(p.sentence) for p in points]
    for a in index:
        for b in index:
            if a < b:
                assert corpus.similarity(a, b) < OVERLAP


def test_points_stand_alone(corpus: Corpus, points: tuple) -> None:
    chosen = {(p.sentence.article, p.sentence.position) for p in points}
    for point in points:
        assert is_quotable(point.text)
        if is_dangling(point.text):
            assert (point.sentence.article, point.sentence.position - 1) in chosen


@pytest.mark.parametrize(
    "text",
    [
        "He said the command would be upgraded by March next year in Tokyo.",
        "This move is designed to streamline joint exercises and operations in the region.",
        "However, the two allies have not agreed on the rank of the new commander.",
        "In 2022 he presented a plan to double defense spending to 2% of GDP.",
        "“We’re reinforcing the rules-based international order that keeps us all safe,” he said.",
        "“The agreements advanced today will ensure that the alliance remains a cornerstone.”",
    ],
)
def test_sentences_that_lean_on_their_predecessor_are_dangling(text: str) -> None:
    assert is_dangling(text)


@pytest.mark.parametrize(
    "text",
    [
        "Will the new headquarters be led by a three-star or a four-star general officer?",
        "“Secretary Austin plans to announce that the United States intends to reconstitute",
        "and the meeting ended without a joint statement from the three defense ministers.",
        "Too short to quote.",
    ],
)
def test_questions_fragments_and_cut_quotes_are_not_quotable(text: str) -> None:
    assert not is_quotable(text)


def test_default_length_is_a_readable_brief(points: tuple) -> None:
    words = sum(len(p.text.split()) for p in points)
    assert 300 <= words <= 500


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_yields_verbatim_points(name: str) -> None:
    articles = read_folder(SEEDS).articles
    found = summarize(articles, method=name, points=6)
    assert len(found) == 6
    texts = [a.text for a in articles]
    assert all(any(p.text in t for t in texts) for p in found)
    assert [p.rank for p in found] == list(range(6))


def test_default_method_is_registered() -> None:
    assert DEFAULT_METHOD in METHODS


def test_unknown_method_is_a_config_error_listing_the_choices() -> None:
    with pytest.raises(ConfigError, match="lexrank"):
        get_method("nonesuch")


def test_words_limit_stops_at_the_sentence_that_reaches_it(corpus: Corpus) -> None:
    found = select(corpus, rank(corpus), words=100)
    counts = [len(p.text.split()) for p in found]
    assert sum(counts) >= 100
    assert sum(counts[:-1]) < 100


_sentence = st.text(
    alphabet=st.sampled_from("abcdefgh ijklmnop qrstuvw xyz"), min_size=40, max_size=120
).map(lambda t: "The " + " ".join(t.split()) + " today.")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_sentence, min_size=1, max_size=6), min_size=1, max_size=4))
def test_summary_is_a_subset_of_its_input(docs: list[list[str]]) -> None:
    articles = [make_article("\n".join(d), index=n) for n, d in enumerate(docs, 1)]
    found = summarize(articles, points=5)
    inputs = {(a.index, s) for a, d in zip(articles, docs, strict=True) for s in d}
    for point in found:
        assert (point.sentence.article, point.text) in inputs
        assert set(point.sources) <= {a.index for a in articles}
    assert len({p.text for p in found}) == len(found)
