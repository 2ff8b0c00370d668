"""Load profiles: a brief's title and, optionally, its sections and synonyms.

A profile (TOML) names a brief's title and, optionally, its sections, each with the terms
that define it, and a [synonyms] table for its beat; `seeds` and `generic` are bundled.
Everything is validated when it is loaded; an unknown key is an error that names it.
Which profile a brief gets is a setting (`digest.config`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from digest.errors import ConfigError

OTHER_SECTION = "Other developments"
# What str.splitlines() splits on, as the email package does when it refuses a header.
LINE_BREAK = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class SectionSpec:
    title: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    title: str
    sections: tuple[SectionSpec, ...]
    subtitle: str = ""
    author: str = "digest"
    other: str = OTHER_SECTION
    source: str = "bundled"
    # [synonyms]: word → the words and phrases that count as the same when sentences
    # are compared (same fact, repetition), e.g. ("upgrade", ("overhaul", "revamp")).
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()


_PROFILE_KEYS = {"title", "subtitle", "author", "other", "sections", "synonyms"}
_SECTION_KEYS = {"title", "terms"}
GENERIC_PROFILE = "generic"


def bundled_profiles() -> tuple[str, ...]:
    """The names of the profiles shipped with digest, e.g. ("generic", "seeds")."""
    folder = resources.files("digest").joinpath("profiles")
    return tuple(
        sorted(f.name[: -len(".toml")] for f in folder.iterdir() if f.name.endswith(".toml"))
    )


def is_profile_name(spec: str | Path) -> bool:
    """A string with no '/' and no '.toml' names a bundled profile; anything else is a file."""
    return isinstance(spec, str) and "/" not in spec and ".toml" not in spec


def check_profile_name(name: str, where: str = "") -> str:
    """`name` if it is a bundled profile, else a ConfigError listing the bundled ones."""
    if name not in bundled_profiles():
        raise ConfigError(
            f"{where + ': ' if where else ''}no bundled profile named {name!r}; bundled: "
            f"{', '.join(bundled_profiles())} (a profile file's path needs a '/' or '.toml', "
            f"e.g. ./{name}.toml)"
        )
    return name


def load_profile(spec: str | Path | None = None) -> Profile:
    """A bundled profile by name (`seeds`, `generic`), or a profile file; None: generic.

    A string with no '/' and no '.toml' is a bundled profile's name; anything else,
    and every Path, is read as a file.
    """
    if spec is None:
        spec = GENERIC_PROFILE
    if is_profile_name(spec):
        name = check_profile_name(str(spec))
        text = resources.files("digest").joinpath(f"profiles/{name}.toml").read_text("utf-8")
        return parse_profile(text, source=f"bundled profile {name}")
    path = Path(spec)
    return parse_profile(read_toml_text(path, "profile"), source=str(path))


def read_toml_text(path: Path, what: str) -> str:
    """A config file's text; unreadable or not UTF-8 is a ConfigError naming `what`."""
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: the {what} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from exc


def parse_profile(text: str, *, source: str) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from exc
    no_unknown(data, _PROFILE_KEYS, source)
    title = required_text(data, "title", source)
    if LINE_BREAK.search(title):
        raise ConfigError(
            f"{source}: 'title' holds a line break (CR or LF); it is the email's subject, "
            "so write it on one line"
        )
    raw_sections = data.get("sections", [])
    if not isinstance(raw_sections, list):
        raise ConfigError(f"{source}: 'sections' must be [[sections]] tables with title and terms")
    sections = []
    for number, raw in enumerate(raw_sections, 1):
        where = f"{source}: section {number}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: must be a table")
        no_unknown(raw, _SECTION_KEYS, where)
        terms = raw.get("terms")
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
            raise ConfigError(f"{where}: 'terms' must be a non-empty list of strings")
        sections.append(SectionSpec(required_text(raw, "title", where), tuple(terms)))
    titles = [s.title for s in sections]
    if len(set(titles)) != len(titles):
        raise ConfigError(f"{source}: section titles must be unique")
    return Profile(
        title=title,
        sections=tuple(sections),
        subtitle=str(data.get("subtitle", "")),
        author=str(data.get("author", "digest")),
        other=str(data.get("other", OTHER_SECTION)),
        source=source,
        synonyms=_synonyms(data.get("synonyms", {}), source),
    )


def _synonyms(raw: Any, source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The [synonyms] table: each key a word, its value a non-empty list of strings."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{source}: 'synonyms' must be a table, e.g. [synonyms] upgrade = [\"overhaul\"]"
        )
    out = []
    for word, variants in raw.items():
        if (
            not isinstance(variants, list)
            or not variants
            or not all(isinstance(v, str) and v.strip() for v in variants)
        ):
            raise ConfigError(
                f"{source}: synonyms.{word} must be a non-empty list of words or phrases, "
                f'e.g. {word} = ["…", "…"]'
            )
        out.append((word, tuple(variants)))
    return tuple(out)


def no_unknown(data: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )


def required_text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()
