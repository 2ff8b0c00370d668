"""Transform an article's bytes into text: the encoding found, said when it is not UTF-8.

UTF-8 (with or without a BOM) and UTF-16 with a BOM are read as they are; UTF-8 with a few
stray bytes of a code page reads those bytes as cp1252; anything else is cp1252 when that
reads as Latin-script text, else charset-normalizer's guess, else latin-1. Binary files are
refused. Control and invisible format characters are removed from what is decoded.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator

from digest.errors import IngestError

log = logging.getLogger(__name__)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Every Unicode format character (category Cf): zero-width spaces and joiners, bidi marks,
# embeddings, overrides and isolates, soft hyphens, BOMs, tags. None is visible, so each
# could make a copy of an article look new, or reverse what a reader sees.
INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)


def decode(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode article bytes: UTF-8 (BOM or not), UTF-16 with BOM, else a guess (`_guess`),
    said in a one-line warning that names the encoding used."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: Iterable[str] = ["utf-16"]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif b"\x00" in data[:8192]:
        raise IngestError(f"{name}: binary file (contains NUL bytes), not text")
    else:
        candidates = _undeclared(data)
    for encoding in candidates:
        try:
            text = data.decode(*_codec(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
        if len(CONTROL.findall(text[:65536])) > 0.01 * min(len(text), 65536) + 2:
            raise IngestError(f"{name}: binary file (control characters), not text")
        if encoding == MIXED:
            strays = _strays(data)[0]
            log.warning(
                "%s: not UTF-8 in %d byte(s), read as cp1252 (save it as UTF-8 to be sure)",
                name,
                strays,
            )
        elif encoding not in ("utf-8", "utf-8-sig", "utf-16"):
            log.warning("%s: not UTF-8; read as %s (save it as UTF-8 to be sure)", name, encoding)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
        return INVISIBLE.sub("", CONTROL.sub("", text)).replace("\u00a0", " "), encoding
    raise IngestError(f"{name}: cannot be decoded as text")


def _undeclared(data: bytes) -> Iterator[str]:
    """UTF-8, then UTF-8 with a few stray bytes, then the guesses, then latin-1 (which
    reads any bytes). A generator, since guessing reads every character and is needed
    only when UTF-8 fails."""
    yield "utf-8"
    if _mostly_utf8(data):
        yield MIXED
    yield from _guess(data)
    yield "latin-1"


# UTF-8 text with a few bytes of another encoding: a Latin-1 "é" pasted into a UTF-8
# file. Read as a whole in any single code page, all its other non-ASCII characters
# would be garbled ("‚Äúwe will not‚ÄĚ" for “we will not”); each stray byte is read as
# cp1252 instead (the code page such pastes come from), and only it can be wrong.
MIXED = "utf-8+cp1252"


def _codec(encoding: str) -> tuple[str, str]:
    return ("utf-8", "digest-cp1252") if encoding == MIXED else (encoding, "strict")


def _stray_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start : error.end]
    return bytes(stray).decode("cp1252", errors="replace"), error.end


codecs.register_error("digest-cp1252", _stray_as_cp1252)


def _strays(data: bytes) -> tuple[int, int]:
    """Bytes that are not UTF-8, and the valid multi-byte characters beside them."""
    strays = valid = 0
    for c in data.decode("utf-8", errors="surrogateescape"):
        if "\udc80" <= c <= "\udcff":
            strays += 1
        elif not c.isascii():
            valid += 1
    return strays, valid


def _mostly_utf8(data: bytes) -> bool:
    """Are the bytes UTF-8 but for a few: at least as many valid multi-byte characters as
    stray bytes? Text in a single code page has almost none: cp1252's “ is one byte,
    invalid in UTF-8, and a valid pair needs a capital such as "Â" before a symbol."""
    strays, valid = _strays(data)
    return 0 < strays <= valid


def _guess(data: bytes) -> list[str]:
    """Encodings to try for bytes that are not UTF-8, best first.

    cp1252 first when it reads the bytes as Latin-script text: charset-normalizer alone
    takes a short French cp1252 text for cp1250 ("à" becomes "ŕ"). Otherwise (a Russian
    cp1251 text reads as cp1252 mojibake, "Ïðåçèäåíò") charset-normalizer's best guess."""
    try:
        if _looks_latin(data.decode("cp1252")):
            return ["cp1252"]
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only files that are not UTF-8 need it

    best = from_bytes(data[:65536]).best()
    return [best.encoding] if best is not None else ["cp1252"]


# In a word of Latin-script text, a non-ASCII character is a letter (é, ß, ñ, œ); mojibake
# from another code page puts symbols there (³, ¹, ¦, ¼) or makes most letters non-ASCII.
_IN_WORD_SYMBOL = re.compile(r"(?<=[^\W\d_])[^\w\s\x00-\x7f](?=[^\W\d_])")
LATIN_NON_ASCII = 0.25  # share of letters outside ASCII above which it is not Latin text


def _looks_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    foreign = sum(1 for c in letters if not c.isascii()) / len(letters)
    latin = all("LATIN" in unicodedata.name(c, "") for c in letters if not c.isascii())
    return foreign <= LATIN_NON_ASCII and latin and not _IN_WORD_SYMBOL.search(text)
