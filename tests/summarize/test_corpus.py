"""The corpus's sparse rows and same-fact lookup, checked against plain dictionaries."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from digest.read.ingest import read_folder
from digest.summarize.corpus import OVERLAP, SAME_FACT, SAME_FIGURE, Corpus, is_quotable
from tests.conftest import SEEDS, make_article


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.of(read_folder(SEEDS).articles)


def dict_dot(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def test_row_dots_are_the_dot_products_of_the_sentence_vectors(corpus: Corpus) -> None:
    vectors = corpus.vectors
    everyone = np.arange(len(vectors))
    for i in range(0, len(vectors), 7):
        expected = [dict_dot(vectors[i], v) for v in vectors]
        assert corpus.matrix.dots(everyone, i) == pytest.approx(expected, abs=1e-12)
    some = np.array([5, 0, 3, 3])  # any order, repeats allowed
    expected = [dict_dot(vectors[2], vectors[j]) for j in some]
    assert corpus.matrix.dots(some, 2) == pytest.approx(expected, abs=1e-12)


def test_neighbours_are_the_sentences_alike_enough_by_a_full_comparison(corpus: Corpus) -> None:
    vectors, figures = corpus.vectors, corpus.figures
    for threshold in (SAME_FACT, OVERLAP):
        for i in range(len(vectors)):
            alike = {j: dict_dot(vectors[i], v) for j, v in enumerate(vectors) if j != i}
            strong = {j for j, s in alike.items() if s >= threshold}
            weak = {j for j, s in alike.items() if s >= SAME_FIGURE and figures[i] & figures[j]}
            found = corpus.neighbours(i, threshold)
            assert found == sorted(found)
            # Every sentence alike enough is found; one that only shares a figure may be
            # missed when it shares none of sentence i's rarest terms (the lookup's probe).
            assert strong <= set(found) <= strong | weak


def test_a_sentence_without_content_words_has_no_neighbours() -> None:
    corpus = Corpus.of([make_article("It was. It is so. Then it was not, and it is over.")])
    assert all(corpus.neighbours(i) == [] for i in range(len(corpus.sentences)))


def test_a_repeated_lookup_gives_the_same_answer_whatever_came_before(corpus: Corpus) -> None:
    fresh = Corpus.of(read_folder(SEEDS).articles)  # asked in the other order
    strict = [fresh.neighbours(i, SAME_FACT) for i in range(len(fresh.sentences))]
    loose = [corpus.neighbours(i, OVERLAP) for i in range(len(corpus.sentences))]
    assert strict != loose  # the two thresholds differ here, so a mix-up would show
    assert [corpus.neighbours(i, SAME_FACT) for i in range(len(corpus.sentences))] == strict
    assert [fresh.neighbours(i, OVERLAP) for i in range(len(fresh.sentences))] == loose
    i = next(i for i, found in enumerate(loose) if found)
    corpus.neighbours(i, OVERLAP).clear()  # what a caller does with its list stays there
    assert corpus.neighbours(i, OVERLAP) == loose[i]


# Sentences of the scripts written without spaces, each longer than 50 characters.
UNSPACED_SENTENCES = (
    "日本政府は火曜日、東京で開かれた会合で、来年度の防衛予算を過去最大の規模に増やす方針を正式に決定したと発表した。",
    "中国国家统计局周二公布的数据显示，今年前三个季度全国规模以上工业企业实现利润总额同比增长百分之五点四，增速比上半年有所回升。",
    # Korean puts spaces between phrases; here in decomposed form (conjoining jamo, three
    # characters a syllable), as some systems write it.
    unicodedata.normalize(
        "NFD",
        "정부는 화요일 서울에서 열린 회의에서 내년도 국방 예산을 사상 최대 규모로 늘리는 "
        "방안을 공식적으로 결정했다고 발표했다.",
    ),
)


@pytest.mark.parametrize("sentence", UNSPACED_SENTENCES)
def test_a_long_sentence_written_without_spaces_is_quotable(sentence: str) -> None:
    assert len(sentence) > 50
    assert is_quotable(sentence)


@pytest.mark.parametrize("blob", ["A" * 60, "Ａ" * 60, "https://example.org/" + "x" * 40])
def test_a_sentence_holding_a_long_run_without_spaces_is_not_quotable(blob: str) -> None:
    """A 4,000-letter "word" was quoted as a point and ran past the PDF's margin."""
    assert not is_quotable(f"The council approved the budget, and {blob} was its word.")
    assert is_quotable("The council approved the budget, and the mayor welcomed the vote.")


@pytest.mark.parametrize(
    "cut",
    [
        "Said Hunter, ``If you go for their proposal, it's just a joke.",  # goes on after
        "Yugoslavia has to defend itself if it was attacked.''",  # began before
    ],
)
def test_a_quotation_in_typewriter_quotes_cut_by_the_sentence_is_not_quotable(cut: str) -> None:
    """Wire copy writes quotations ``so''; a sentence holding one end of such a quotation
    was quoted as a point (seen on a day of DUC 2004 articles)."""
    assert not is_quotable(cut)


@pytest.mark.parametrize(
    "whole",
    [
        "Hunter said, ``We want to practice and we want the season to start.''",
        # two apostrophes that close no quotation
        "The new center is 6' 10'' tall and plays for the team next season.",
        "The DJ plays 12'' records at the club every Friday night in town.",
        "The parser maps None to '' in the output of every function call here.",
    ],
)
def test_a_sentence_whose_typewriter_quotes_are_whole_is_quotable(whole: str) -> None:
    assert is_quotable(whole)
