"""Transform the raw text of an article into paragraphs of article text only.

Real articles carry page furniture: a lone "Login", photo captions and credit lines,
bulleted tables of contents, subheadings, datelines ("TOKYO –"). Each rule below names
what it removes, and every removed line is kept (with its reason) for logs and tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A paragraph that ends like a sentence: final punctuation, maybe inside quotes/brackets
# (also the full stops of Chinese, Japanese, Arabic and Urdu). Matched whole with
# `fullmatch`, so the engine tries the ending from the back in a few steps instead of
# searching every position of a long paragraph for it.
_SENTENCE_END = re.compile(
    r"(?s:.*)(?:[.!?…](?:[\"'”’)\]]+)?|[.!?…]\s*[\"'”’]|[。｡！？؟۔][」』）〕】”’\"')\]]*)\n?"
)
# A longer block without final punctuation is a cut-off paragraph, not a heading (the
# first version's value, not measured).
_HEADING_WORDS = 25
_BULLET = re.compile(r"^(?:[-*•–—▪●◦]|\d{1,2}[.)])\s+")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_CAPTION = re.compile(r"^[A-Z][A-Z .,'’-]+\s*[–—-]\s*\d{1,2}/\d{1,2}/\d{2,4}\s*:")
_CAPTION_LABEL = re.compile(
    r"^\(?(?:photo|image|picture|caption|credit|file photo)s?\b[^:]{0,40}:", re.I
)
_CREDIT_WORDS = re.compile(
    r"\b(?:getty images|reuters|afp|ap photo|associated press|shutterstock|epa-efe|epa|"
    r"bloomberg|nurphoto|anadolu|xinhua|kyodo|yonhap|pool|"
    r"via getty|photo by|photograph)\b",
    re.I,
)
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’-]*(?:[ ,]+[A-Z][A-Z.'’-]*){0,3})"  # TOKYO, NEW DELHI
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?=\s*[(_–—-]))?"  # , Belgium (AP style)
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"  # , July 27
    r"(?:\s*\([A-Za-z][A-Za-z .]{1,30}\))?"  # (Reuters)
    r"\s*(?:[–—-]{1,2}|_)\s+(?=\S)"  # wire copy writes the dash as "_"
)
_BOILERPLATE_LINES = frozenset(
    line.strip()
    for line in """login
log in
sign in
sign up
subscribe
subscribe now
register
advertisement
advertising
share
share this
share this article
print
email
copy link
read more
related
related articles
recommended
menu
search
skip to content
comments
continue reading
follow us
most read
newsletter
listen to this article""".splitlines()
)

# Page furniture written as a sentence, with its final period: a link's label ("Related:
# …"), sharing and sign-up prompts, cookie notices, a wire's staff credits, a skip link.
# Web pages at large, not any beat; checked only in blocks of at most _FURNITURE_WORDS,
# at their very start (a quotation that opens so is someone's words: "“Click here to
# claim your refund,” the texts read"). Labels that open prose too ("Watch: the moment
# the bridge fell…", "Contents: two tonnes of cocaine…") are left alone.
_FURNITURE_START = re.compile(
    r"(?:related|read more|read also|also read|see also|more on this|recommended|"
    r"table of contents)\s*:"
    r"|(?:click|tap) here\b|(?:click|tap) to (?:share|read|view|open|subscribe|continue|print)\b"
    r"|share (?:this|on)\b|skip to (?:main )?content"
    r"|(?:follow|like) us on|sign up (?:for|to)|subscribe (?:to|for|now)\b"
    r"|(?:sign|log) in (?:to|or)\b|already a subscriber|register (?:to|for) (?:read|continue)"
    r"|(?:we|we and our partners|this (?:site|website)) uses? cookies"
    r"|by (?:clicking|continuing|using)\b.{0,60}\byou agree"
    r"|(?:additional )?reporting by\b.{0,80}\b(?:editing|writing) by\b"
    r"|our standards\s*:|copyright\s*(?:©|\(c\))|©\s*\d{4}|all rights reserved"
    r"|(?:published|updated) \d+ (?:minutes?|hours?|days?) ago",
    re.I,
)
_FURNITURE_WORDS = 40  # longer is prose that may start so ("Copyright law changed…")


@dataclass(frozen=True)
class Cleaned:
    paragraphs: tuple[str, ...]
    title: str | None
    dateline: str | None
    removed: tuple[str, ...]  # "reason: line"


def clean_text(text: str) -> Cleaned:
    """Split text into paragraphs and drop everything that is not article prose."""
    blocks = _paragraphs(text)
    title = _headline(blocks)
    if title is not None:
        blocks = blocks[1:]
    kept: list[str] = []
    removed: list[str] = []
    dateline: str | None = None
    for block in blocks:
        reason = _noise(block)
        if reason:
            removed.append(f"{reason}: {block}")
            continue
        block = _BULLET.sub("", block)
        if not kept and dateline is None:
            match = _DATELINE.match(block)
            if match:
                dateline = match["place"].strip(" ,")
                removed.append(f"dateline: {match[0].strip()}")
                block = block[match.end() :]
        kept.append(block)
    return Cleaned(tuple(kept), title, dateline, tuple(removed))


def _paragraphs(text: str) -> list[str]:
    """Paragraphs: blank-line blocks, or lines when each line is a paragraph.

    Hard-wrapped text (short lines that mostly break mid-sentence) is joined back.
    """
    lines = [line.strip() for line in text.split("\n")]
    nonblank = [line for line in lines if line]
    if not nonblank:
        return []
    open_ended = sum(1 for line in nonblank if not _SENTENCE_END.fullmatch(line))
    # Hard-wrapped copy: short lines, half or more ending mid-sentence (the first
    # version's values, not measured).
    hard_wrapped = max(map(len, nonblank)) <= 100 and open_ended >= 0.5 * len(nonblank)
    if not hard_wrapped:
        return nonblank
    blocks, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            blocks.append(" ".join(current))
            current = []
    if current:
        blocks.append(" ".join(current))
    return blocks


def _headline(blocks: list[str]) -> str | None:
    if not blocks:
        return None
    first = blocks[0]
    if _MD_HEADING.match(first):
        return _MD_HEADING.sub("", first).strip() or None
    if (
        len(blocks) > 1
        and not _SENTENCE_END.fullmatch(first)
        and len(first.split()) <= 20
        and _noise_of_kind(first) is None
    ):
        return first
    return None


def _noise(block: str) -> str | None:
    """Why a block is not article text, or None when it is."""
    kind = _noise_of_kind(block)
    if kind:
        return kind
    if _MD_HEADING.match(block):
        return "subheading"
    short = len(block.split()) <= _HEADING_WORDS
    if _BULLET.match(block) and short and not _SENTENCE_END.fullmatch(block):
        return "list item"
    if short and (block.endswith(":") or not _SENTENCE_END.fullmatch(block)):
        return "subheading"
    return None


def _noise_of_kind(block: str) -> str | None:
    lowered = block.lower().strip(" .:!|>»›")
    if lowered in _BOILERPLATE_LINES:
        return "page furniture"
    if len(block.split()) <= _FURNITURE_WORDS and _FURNITURE_START.match(block):
        return "page furniture"
    if _CAPTION.match(block) or _CAPTION_LABEL.match(block):
        return "photo caption"
    # A credit line is one short line (two of 80 characters at most): first version.
    # The length is checked first: searching a long paragraph for credit words is slow.
    if len(block) >= 160 or _SENTENCE_END.fullmatch(block):
        return None
    if "|" in block or "©" in block or _CREDIT_WORDS.search(block):
        return "photo credit"
    return None
