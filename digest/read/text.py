"""Transform cleaned article text into sentences and word tokens, offline.

NLTK's Punkt algorithm does the splitting, but from parameters shipped here (known
abbreviations, titles, months) instead of the trained `punkt` data, which would have to
be downloaded and is unavailable on air-gapped machines. This module must not import
sumy and must never call anything that loads NLTK data.

Chinese and Japanese end sentences with 。！？ and need no space after them, Arabic asks
with ؟ (Urdu ends with ۔): the text is cut after those first, then Punkt splits each
piece. Han, kana and Hangul have no spaces between words (Korean puts them between
phrases), so their runs are tokenized as overlapping character pairs, which lets the
same word match across articles without a dictionary. `unsupported_script` names the
script of a text written mostly in a script not handled here (Thai, Devanagari…), so
that its article can be skipped by name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from sys import intern
from unicodedata import name as unicode_name

from nltk.stem.snowball import EnglishStemmer
from nltk.tokenize.punkt import (
    PunktLanguageVars,
    PunktParameters,
    PunktSentenceTokenizer,
    PunktToken,
)

from digest.models import Article, Sentence

# Lower-cased, without the final period, as Punkt stores them.
_ABBREVIATIONS = """
u.s u.k u.n e.u u.s.a u.a.e d.c n.y l.a p.m a.m i.e e.g etc vs al approx dept est
mr mrs ms dr prof sr jr st mt ft rev hon gov sen rep pres gen lt col maj capt cmdr cdr
adm sgt cpl pvt brig insp supt det atty corp inc ltd co bros no nos vol fig ed eds
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont
neb nev okla ore pa tenn tex va vt wash wis wyo
a b c d e f g h i j k l m n o p q r s t u v w x y z
""".split()

# Words are found with the standard library: NLTK's RegexpTokenizer runs every match
# under a ReDoS timer, which triples the cost of a large input for a fixed pattern.
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|[^\W_]+(?:[-'’.][^\W_]+)*")
_STEMMER = EnglishStemmer()

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    upon very was we were what when where which while who whom why will with would you your
    yours yourself yourselves said says say according also would could may might must shall
    one two three new s t""".split()
    # Arabic function words (prepositions, conjunctions, pronouns, particles).
    + """في من على إلى الى عن مع أن إن ان أو او ثم لا لم لن ما قد كان كانت هذا هذه ذلك تلك
    التي الذي الذين هو هي هم كما بعد قبل حتى عند بين كل وقال قال وفي ومن""".split()
)


_VERBOSE = re.UNICODE | re.VERBOSE  # once: combining flags is slow, and Punkt asks per paragraph


class _LanguageVars(PunktLanguageVars):
    """NLTK's own Punkt patterns, compiled with the standard library.

    NLTK routes every pattern through a ReDoS guard that times each match; these fixed,
    linear patterns don't need it, and skipping it halves the time to split a large
    input (measured by benchmarks/scale.py)."""

    re_boundary_realignment = re.compile(
        PunktLanguageVars.re_boundary_realignment.pattern, re.MULTILINE
    )

    def _word_tokenizer_re(self) -> re.Pattern[str]:
        return _compiled(self, "_word_tokenize_fmt", _VERBOSE)

    def period_context_re(self) -> re.Pattern[str]:
        return _compiled(self, "_period_context_fmt", _VERBOSE)


@lru_cache(maxsize=4)
def _compiled(lang: _LanguageVars, fmt: str, flags: int) -> re.Pattern[str]:
    return re.compile(
        getattr(lang, fmt)
        % {
            "NonWord": lang._re_non_word_chars,
            "MultiChar": lang._re_multi_char_punct,
            "WordStart": lang._re_word_start,
            "SentEndChars": lang._re_sent_end_chars,
        },
        flags,
    )


class _Token(PunktToken):
    """NLTK's Punkt token, its patterns compiled with the standard library too.

    Punkt makes a token of every word near a possible sentence end and tests it against
    these; under the ReDoS guard's timer they took half the time of splitting a large
    day (benchmarks/scale.py)."""

    __slots__ = ()
    _RE_ELLIPSIS = re.compile(PunktToken._RE_ELLIPSIS.pattern)
    _RE_NUMERIC = re.compile(PunktToken._RE_NUMERIC.pattern)
    _RE_INITIAL = re.compile(PunktToken._RE_INITIAL.pattern, re.UNICODE)
    _RE_ALPHA = re.compile(PunktToken._RE_ALPHA.pattern, re.UNICODE)


@lru_cache(maxsize=1)
def _punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(params, lang_vars=_LanguageVars(), token_cls=_Token)


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets of the sentences of one paragraph.

    Each span is a slice of `text`, so a sentence is always verbatim source text.
    """
    for piece_start, piece_end in _pieces(text):
        piece = text[piece_start:piece_end]
        for start, end in _punkt().span_tokenize(piece):
            for sub_start, sub_end in _split_glued(piece, start, end):
                if piece[sub_start:sub_end].strip():
                    yield piece_start + sub_start, piece_start + sub_end


# Ends of sentences that need no space after them (Chinese, Japanese) or that Punkt does
# not know (Arabic ؟, Urdu ۔), with any closing quotes or brackets that follow.
_FULL_STOP = re.compile(r"[。｡！？؟۔]+[」』）〕】”’\"')\]]*")


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """The text cut after each full stop of `_FULL_STOP`; all of it when there is none.

    A quotation that ends with its own full stop and goes on with a quotative particle
    (「…。」と述べた) is not cut."""
    pos = 0
    for match in _FULL_STOP.finditer(text):
        quoted = match[0][-1] not in "。｡！？؟۔"
        if quoted and text[match.end() : match.end() + 1] in ("と", "っ"):
            continue
        yield pos, match.end()
        pos = match.end()
    if pos < len(text):
        yield pos, len(text)


# Punkt leaves "…in Tokyo.The next…" and sentences ending in a closing quote followed
# by a capital as one; news copy has both.
_GLUED = re.compile(r"(?<=[a-z0-9][.!?][”\"’)])\s+(?=[A-Z“\"])")


def _split_glued(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for match in _GLUED.finditer(text, start, end):
        yield pos, match.start()
        pos = match.end()
    yield pos, end


def split_sentences(text: str) -> list[str]:
    """The sentences of one paragraph, verbatim, without surrounding whitespace."""
    return [text[a:b].strip() for a, b in sentence_spans(text)]


def words(text: str, *, limit: int | None = None) -> tuple[str, ...]:
    """Lower-cased word tokens (letters and digits, keeping inner hyphens and apostrophes).

    Runs of Han, katakana or Hangul become overlapping pairs of characters ("路面電車" →
    "路面", "面電", "電車"), a lone character one token; runs of hiragana, mostly
    particles and endings in Japanese, are left out.

    `limit` keeps the first tokens only, as `words(text)[:limit]` would, without
    finding the rest."""
    if _CJK.search(text):
        found = [t for w in _WORD.findall(text) for t in _cjk_pairs(w)][:limit]
    elif limit is None:  # most text: no token to cut into pairs
        found = _WORD.findall(text)
    else:
        found = _first_tokens(text, limit)
    # No token ends with a period (the pattern ends with a letter or digit).
    return tuple(map(str.lower, found))


def _first_tokens(text: str, limit: int) -> list[str]:
    """The first `limit` matches of _WORD, found in a prefix of the text that ends at a
    space: no token contains one, so the prefix has the same tokens as the whole."""
    size = 8 * limit + 64  # most words are shorter than eight characters with a space
    while (cut := text.find(" ", size)) >= 0:
        found = _WORD.findall(text, 0, cut)
        if len(found) >= limit:
            return found[:limit]
        size *= 2
    return _WORD.findall(text)[:limit]


_HAN = "\u2e80-\u2fdf\u3005\u3006\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HIRAGANA = "\u3040-\u309f"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff\uffa0-\uffdc"
_CJK_RUN = re.compile(f"[{_HAN}]+|[{_KATAKANA}]+|([{_HIRAGANA}]+)|[{_HANGUL}]+")
_HAN_KANA = re.compile(f"[{_HAN}{_KATAKANA}{_HIRAGANA}]")
# Any character of those runs: one class is ten times faster to search than the runs.
_CJK = re.compile(f"[{_HAN}{_KATAKANA}{_HIRAGANA}{_HANGUL}]")
# Characters of the scripts written without spaces between words, with their punctuation
# (、。「」, fullwidth ！？：, fullwidth digits): a regular-expression class body.
UNSPACED = (
    f"{_HAN}{_KATAKANA}{_HIRAGANA}{_HANGUL}\u3000-\u303f\uff01-\uff20\uff3b-\uff40\uff5b-\uff65"
)


def _cjk_pairs(token: str) -> tuple[str, ...]:
    if not _CJK_RUN.search(token):
        return (token,)
    out: list[str] = []
    pos = 0
    for run in _CJK_RUN.finditer(token):
        out.extend(_WORD.findall(token, pos, run.start()))
        pos = run.end()
        part = run[0]
        if run[1]:  # hiragana
            continue
        out.extend([part] if len(part) == 1 else [part[i : i + 2] for i in range(len(part) - 1)])
    out.extend(_WORD.findall(token, pos))
    return tuple(out)


def word_count(text: str) -> int:
    """Words in a text, for length limits: whitespace-separated words, except that Chinese
    and Japanese, written without spaces, count one word for every two characters."""
    if not _HAN_KANA.search(text):
        return len(text.split())
    count = 0
    for chunk in text.split():
        han_kana = len(_HAN_KANA.findall(chunk))
        count += 1 if not han_kana else max(1, (han_kana + 1) // 2)
    return count


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stem(word)


def content_stems(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Stems of the tokens that carry meaning (no stopwords, no single letters)."""
    return tuple(stem(w) for w in tokens if w not in STOPWORDS and len(w) > 1)


class SumyTokenizer:
    """The tokenizer interface sumy expects, backed by this module (no NLTK data)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(t for w in _WORD.findall(sentence) for t in _cjk_pairs(w) if t[0].isalpha())


# Scripts whose text this module can split and tokenize, as ranges of code points: Latin,
# Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic (with its presentation forms), Han, kana,
# Hangul, and the letter-like symbols and full-width forms that any of them may use.
_SUPPORTED = (
    (0x0000, 0x05FF),
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0x10A0, 0x10FF),
    (0x1100, 0x11FF),
    (0x1C80, 0x1C8F),
    (0x1D00, 0x1FFF),
    (0x2000, 0x2BFF),
    (0x2C60, 0x2C7F),
    (0x2DE0, 0x2DFF),
    (0x2E80, 0x9FFF),
    (0xA640, 0xA69F),
    (0xA720, 0xA7FF),
    (0xA960, 0xA97F),
    (0xAB30, 0xAB6F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFB00, 0xFDFF),
    (0xFE70, 0xFEFF),
    (0xFF00, 0xFFEF),
    (0x1D400, 0x1D7FF),
    (0x20000, 0x3FFFF),
)
_OUTSIDE = re.compile(
    "[^" + "".join(f"\\U{start:08x}-\\U{end:08x}" for start, end in _SUPPORTED) + "]"
)
_NOT_LETTER = re.compile(r"[\W\d_]+")


def unsupported_script(text: str) -> str | None:
    """The script most of the text's letters are in, when this module cannot split it
    into sentences and words (Thai, Devanagari, Khmer…); None when it can. The first
    100,000 characters tell."""
    text = text[:100_000]
    others: Counter[str] = Counter()
    for char, count in Counter(_OUTSIDE.findall(text)).items():
        if char.isalpha():
            others[_script(char)] += count
    if not others or sum(others.values()) * 2 <= len(_NOT_LETTER.sub("", text)):
        return None
    return others.most_common(1)[0][0]


def _script(char: str) -> str:
    """'Thai' for 'THAI CHARACTER KO KAI': Unicode names letters by script first."""
    return unicode_name(char, "UNKNOWN SCRIPT").split()[0].title()


def article_sentences(article: Article) -> tuple[Sentence, ...]:
    """Every sentence of an article, in order, each a verbatim slice of a paragraph."""
    return sentences_of(
        article,
        [(n, text) for n, p in enumerate(article.paragraphs) for text in split_sentences(p)],
    )


def sentences_of(article: Article, texts: Sequence[tuple[int, str]]) -> tuple[Sentence, ...]:
    """The article's sentences from their texts, in order, each with its paragraph."""
    # Tokens interned: a large day's sentences hold millions of tokens, mostly repeats of
    # a few thousand words, which then share one string each.
    return tuple(
        Sentence(article.index, paragraph, position, text, tuple(map(intern, words(text))))
        for position, (paragraph, text) in enumerate(texts)
    )
