from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digest.read.text import (
    SumyTokenizer,
    article_sentences,
    content_stems,
    sentence_spans,
    split_sentences,
    unsupported_script,
    word_count,
    words,
)
from digest.summarize.corpus import is_quotable
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


def test_a_limit_keeps_the_first_words_in_every_script() -> None:
    assert words("A three-star U.S. general, 54,000 troops!", limit=4) == (
        "a",
        "three-star",
        "u.s",
        "general",
    )
    assert words("Two words", limit=10) == ("two", "words")
    # A Han run becomes several tokens, a hiragana one none: the limit counts tokens.
    assert words("北浜市の路面電車がニュースに", limit=4) == ("北浜", "浜市", "路面", "面電")
    assert words("도서관은 새 책", limit=0) == ()
    # Words longer than the stretch of text first searched come whole.
    long = "-".join(["state"] * 40)
    assert words(f"{long} 54,000 {long}", limit=2) == (long, "54,000")


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


# --- Chinese, Japanese, Korean, Arabic ---------------------------------------------------


def test_japanese_sentences_end_at_full_stops_that_have_no_space_after_them() -> None:
    text = "北浜市で路面電車が開業した。利用者は二万人だった！本当に多いのか？残りの文"
    assert split_sentences(text) == [
        "北浜市で路面電車が開業した。",
        "利用者は二万人だった！",
        "本当に多いのか？",
        "残りの文",
    ]


def test_a_japanese_quotation_that_the_sentence_goes_on_from_is_not_cut() -> None:
    text = "市長は「街の顔になる。」と述べた。記者会見は短かった。"
    assert split_sentences(text) == ["市長は「街の顔になる。」と述べた。", "記者会見は短かった。"]
    assert split_sentences("「開業した。」記者会見は短かった。") == [
        "「開業した。」",
        "記者会見は短かった。",
    ]


def test_arabic_question_marks_and_urdu_full_stops_end_sentences() -> None:
    text = "افتتحت المدينة مستشفى جديدا. هل سيكفي المستشفى؟ وقال الوزير إن العمل بدأ۔ نعم"
    assert split_sentences(text) == [
        "افتتحت المدينة مستشفى جديدا.",
        "هل سيكفي المستشفى؟",
        "وقال الوزير إن العمل بدأ۔",
        "نعم",
    ]


def test_korean_sentences_split_on_spaced_punctuation() -> None:
    text = "해림시가 도서관을 개관했다. 시장은 기뻐했다. 성공할까? 그렇다."
    assert split_sentences(text) == [
        "해림시가 도서관을 개관했다.",
        "시장은 기뻐했다.",
        "성공할까?",
        "그렇다.",
    ]


def test_han_katakana_and_hangul_runs_become_character_pairs_and_hiragana_is_left_out() -> None:
    assert words("北浜市の路面電車がニュースに") == (
        "北浜",
        "浜市",
        "路面",
        "面電",
        "電車",
        "ニュ",
        "ュー",
        "ース",
    )
    assert words("도서관은 새 책") == ("도서", "서관", "관은", "새", "책")
    assert words("US基地2024年") == ("us", "基地", "2024", "年")


def test_the_same_japanese_word_shares_tokens_across_different_sentences() -> None:
    one = set(content_stems(words("建設費はおよそ三百億円で、国の補助金が半分を占めた。")))
    two = set(content_stems(words("建設費は約三百億円で、その半分を国の補助金でまかなった。")))
    assert {"建設", "設費", "三百", "百億", "億円", "補助", "助金", "半分"} <= one & two


def test_chinese_and_japanese_count_a_word_for_every_two_characters() -> None:
    assert word_count("北浜市で路面電車が開業した。") == 7  # 13 characters and a full stop
    assert word_count("The U.S. troops, 54,000 of them.") == 6
    assert word_count("해림시가 도서관을 개관했다.") == 3  # Korean puts spaces between words


def test_sentences_of_scripts_without_capitals_can_be_quoted() -> None:
    assert is_quotable(
        "北浜市で新しい路面電車の路線が二十九日に開業し、初日から多くの市民が利用した。"
    )
    assert is_quotable("해림시가 29일 시내 중심가에 새로운 시립 도서관을 개관했다고 밝혔다.")
    assert is_quotable(
        "افتتحت مدينة النخيل يوم الاثنين مستشفى جديدا يضم ثلاثمائة سرير في وسط المدينة."
    )
    assert not is_quotable("hello there this is a sentence that starts in lower case.")
    assert not is_quotable("北浜市で開業。")  # too short: 5 characters
    assert not is_quotable("هل سيكفي المستشفى الجديد وحده لتلبية كل حاجات السكان في المدينة؟")
    assert not is_quotable("北浜市の新しい路面電車は本当に市民の役に立つのだろうか？")


def test_scripts_that_cannot_be_split_are_named() -> None:
    assert unsupported_script("รัฐบาลไทยประกาศแผนการลงทุนใหม่ในวันนี้") == "Thai"
    assert unsupported_script("सरकार ने आज नई योजना की घोषणा की।") == "Devanagari"
    assert unsupported_script("北浜市で路面電車が開業した。") is None
    assert unsupported_script("Привет, мир. Γειά σου. שלום. مرحبا. 안녕.") is None
    assert unsupported_script("The Thai word for hello is สวัสดี, visitors learn.") is None
