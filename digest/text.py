"""Transform cleaned article text into sentences and word tokens, offline.

NLTK's Punkt algorithm does the splitting, but from parameters shipped here (known
abbreviations, titles, months) instead of the trained `punkt` data, which would have to
be downloaded and is unavailable on air-gapped machines. This module must not import
sumy and must never call anything that loads NLTK data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from nltk.stem.snowball import EnglishStemmer
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

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
)


class _LanguageVars(PunktLanguageVars):
    """NLTK's own Punkt patterns, compiled with the standard library.

    NLTK routes every pattern through a ReDoS guard that times each match; these fixed,
    linear patterns don't need it, and skipping it halves the time to split a large
    input (measured by benchmarks/scale.py)."""

    re_boundary_realignment = re.compile(
        PunktLanguageVars.re_boundary_realignment.pattern, re.MULTILINE
    )

    def _word_tokenizer_re(self) -> re.Pattern[str]:
        return _compiled(self, "_word_tokenize_fmt", re.UNICODE | re.VERBOSE)

    def period_context_re(self) -> re.Pattern[str]:
        return _compiled(self, "_period_context_fmt", re.UNICODE | re.VERBOSE)


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


@lru_cache(maxsize=1)
def _punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(params, lang_vars=_LanguageVars())


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets of the sentences of one paragraph.

    Each span is a slice of `text`, so a sentence is always verbatim source text.
    """
    for start, end in _punkt().span_tokenize(text):
        for sub_start, sub_end in _split_glued(text, start, end):
            if text[sub_start:sub_end].strip():
                yield sub_start, sub_end


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


def words(text: str) -> tuple[str, ...]:
    """Lower-cased word tokens (letters and digits, keeping inner hyphens and apostrophes)."""
    return tuple(w.lower().rstrip(".") for w in _WORD.findall(text))


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
        return tuple(w for w in _WORD.findall(sentence) if w[0].isalpha())


def article_sentences(article: Article) -> tuple[Sentence, ...]:
    """Every sentence of an article, in order, each a verbatim slice of a paragraph."""
    found: list[Sentence] = []
    for number, paragraph in enumerate(article.paragraphs):
        for text in split_sentences(paragraph):
            found.append(Sentence(article.index, number, len(found), text, words(text)))
    return tuple(found)
