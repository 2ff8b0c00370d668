"""Load profiles and settings: the only module that reads config files or the environment.

A profile (TOML) names a brief's title and its sections, each with the terms that define
it. Everything is validated when it is loaded; an unknown key is an error that names it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from digest.errors import ConfigError

OTHER_SECTION = "Other developments"


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


_PROFILE_KEYS = {"title", "subtitle", "author", "other", "sections"}
_SECTION_KEYS = {"title", "terms"}


def load_profile(path: Path | None = None) -> Profile:
    """Read a profile file, or the bundled profile for the seed articles."""
    if path is None:
        text = resources.files("digest").joinpath("profiles/seeds.toml").read_text("utf-8")
        return parse_profile(text, source="bundled profile seeds.toml")
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read profile ({exc.strerror or exc})") from exc
    return parse_profile(text, source=str(path))


def parse_profile(text: str, *, source: str) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from exc
    _no_unknown(data, _PROFILE_KEYS, source)
    title = _text(data, "title", source)
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise ConfigError(f"{source}: needs at least one [[sections]] table with title and terms")
    sections = []
    for number, raw in enumerate(raw_sections, 1):
        where = f"{source}: section {number}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: must be a table")
        _no_unknown(raw, _SECTION_KEYS, where)
        terms = raw.get("terms")
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
            raise ConfigError(f"{where}: 'terms' must be a non-empty list of strings")
        sections.append(SectionSpec(_text(raw, "title", where), tuple(terms)))
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
    )


def _no_unknown(data: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()
