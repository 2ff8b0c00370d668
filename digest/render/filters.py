"""Transform the values a template prints into their shown form: the Jinja2 filters.

Citations as a reader cites them ([1, 3], linked in HTML), conflicting figures, the
direction and language of quoted text, shortened addresses and titles, and the text
edition's wrapping. Pure functions of strings and numbers; knows no template and no Brief.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterable

from markupsafe import Markup

from digest.compose.sections import MAX_CITED
from digest.models import Conflict


def cite(sources: tuple[int, ...], limit: int = MAX_CITED) -> str:
    """Source numbers as a reader cites them: [1, 3] or [1, 2, 3, 4, 5, 6 +40]."""
    shown = ", ".join(str(n) for n in sources[:limit])
    more = len(sources) - limit
    return f"[{shown} +{more}]" if more > 0 else f"[{shown}]"


def cite_links(sources: tuple[int, ...], limit: int, targets: dict[int, str]) -> Markup:
    """The citation in HTML, unbreakable, each number a link where `targets` has one."""

    def number(n: int) -> Markup:
        href = targets.get(n)
        if href is None:
            return Markup(n)
        return Markup('<a class="cite-link" href="{}">{}</a>').format(href, n)

    shown = Markup(",&nbsp;").join(number(n) for n in sources[:limit])
    more = len(sources) - limit
    tail = Markup("&nbsp;+{}").format(more) if more > 0 else Markup("")
    return Markup("[") + shown + tail + Markup("]")


def differ(conflicts: tuple[Conflict, ...]) -> str:
    """ " (sources differ: 54,000 [2], 50,000 [4])" after a cite, or "" with no conflict."""
    if not conflicts:
        return ""
    told = "; ".join(
        ", ".join(f"{f.value} {cite(f.sources)}" for f in c.figures) for c in conflicts
    )
    return f" (sources differ: {told})"


def direction(text: str) -> str:
    """'rtl' or 'ltr' for a `dir` attribute: the direction of the text's first strongly
    directional character, as HTML's dir="auto" decides (which WeasyPrint does not)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


# Scripts that name their language (Han alone is most often Chinese; Arabic, Cyrillic
# and Latin script are written in many languages, so they name none).
_SCRIPT_LANGUAGE = (
    (("HIRAGANA", "KATAKANA"), "ja"),
    (("HANGUL",), "ko"),
    (("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"), "zh"),
    (("GREEK",), "el"),
    (("HEBREW",), "he"),
    (("THAI",), "th"),
)


def language(text: str) -> str | None:
    """The language a text's script names (kana: 'ja', Hangul: 'ko', Han alone: 'zh'),
    or None when its script names none: the chrome's English then stands."""
    names = [unicodedata.name(ch, "") for ch in text if ch.isalpha()]
    for prefixes, code in _SCRIPT_LANGUAGE:
        if any(n.startswith(prefixes) for n in names):
            return code
    return None


def lang_attr(text: str) -> Markup:
    """A ` lang="…"` attribute for an element quoting `text`, or nothing: browsers
    choose Japanese, Chinese or Korean glyphs and voices by it."""
    code = language(text or "")
    return Markup(f' lang="{code}"') if code else Markup("")


def list_direction(texts: Iterable[str | None]) -> str:
    """A list's `dir`: 'rtl' when most of its items read right to left, so its bullets or
    numbers and its indent sit on their side (WeasyPrint puts them on the list's)."""
    found = [direction(t) for t in texts if t]
    return "rtl" if found and found.count("rtl") * 2 > len(found) else "ltr"


def short_url(url: str, width: int = 60) -> str:
    """An address as the email shows it: no scheme, cut to fit; long ones cannot wrap
    there (caniemail: word-break is unsupported in Outlook), the link keeps it whole."""
    shown = url.split("://", 1)[-1].removeprefix("www.")
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def short_title(title: str, width: int = 110) -> str:
    return textwrap.shorten(title, width, placeholder=" …")


# Joins a citation to the last word while wrapping (textwrap breaks only at whitespace),
# then becomes a plain space: the text part carries no non-breaking spaces.
_GLUE = "\ue000"


def wrap(
    text: str, width: int = 72, indent: str = "", first: str | None = None, citation: str = ""
) -> str:
    """Fill a paragraph; a `citation` stays whole and never starts a line of its own."""
    if citation:
        text = f"{text}{_GLUE}{citation.replace(' ', _GLUE)}"
    filled = textwrap.fill(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return filled.replace(_GLUE, " ")
