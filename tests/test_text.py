from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digest.text import SumyTokenizer, article_sentences, sentence_spans, split_sentences, words
from tests.conftest import make_article


def test_no_split_after_abbreviations_from_the_seeds() -> None:
    text = (
        "In a groundbreaking development, the U.S. is embarking on a phased transformation "
        "of U.S. Forces Japan. The meeting brought together Secretary of Defense Lloyd J. "
        "Austin III and others."
    )
    assert split_sentences(text) == [
        "In a groundbreaking development, the U.S. is embarking on a phased transformation "
        "of U.S. Forces Japan.",
        "The meeting brought together Secretary of Defense Lloyd J. Austin III and others.",
    ]


def test_titles_ranks_and_months_do_not_end_sentences() -> None:
    text = (
        "Lt. Gen. Ricky Rupp met Dr. Kim on Jan. 5 in Tokyo. Sen. Smith and Mr. Lee spoke "
        "after Gov. Jones left, e.g. at noon. The talks ended."
    )
    assert split_sentences(text) == [
        "Lt. Gen. Ricky Rupp met Dr. Kim on Jan. 5 in Tokyo.",
        "Sen. Smith and Mr. Lee spoke after Gov. Jones left, e.g. at noon.",
        "The talks ended.",
    ]


def test_quote_closing_a_sentence_splits_before_the_next() -> None:
    text = "“We are ready,” he said. “So are we.” Then they left."
    assert split_sentences(text) == ["“We are ready,” he said.", "“So are we.”", "Then they left."]


def test_sentences_of_an_article_are_verbatim_and_numbered() -> None:
    article = make_article("One sentence here. Two sentences here.\nA third one.", index=4)
    found = article_sentences(article)
    assert [s.text for s in found] == ["One sentence here.", "Two sentences here.", "A third one."]
    assert [(s.article, s.paragraph, s.position) for s in found] == [
        (4, 0, 0),
        (4, 0, 1),
        (4, 1, 2),
    ]


def test_words_keep_inner_hyphens_and_drop_punctuation() -> None:
    assert words("A three-star U.S. general, 54,000 troops!") == (
        "a",
        "three-star",
        "u.s",
        "general",
        "54,000",
        "troops",
    )


def test_sumy_tokenizer_needs_no_nltk_data() -> None:
    tokenizer = SumyTokenizer()
    assert tokenizer.to_sentences("The U.S. agreed. Japan did too.") == (
        "The U.S. agreed.",
        "Japan did too.",
    )
    assert tokenizer.to_words("Japan's 2 new bases.") == ("Japan's", "new", "bases")


@given(st.text(max_size=400))
def test_every_span_is_a_slice_of_the_input_in_order(text: str) -> None:
    last = 0
    for start, end in sentence_spans(text):
        assert last <= start < end <= len(text)
        assert text[start:end].strip()
        last = end
