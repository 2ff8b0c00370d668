"""digest: turn a day's news articles into a dated brief of its stories, every point sourced.

The library behind the `digest` command:

    >>> import datetime, pathlib, digest
    >>> built = digest.build_brief(input_dir=pathlib.Path("seeds"), out=pathlib.Path("out"),
    ...                            date=datetime.date(2024, 7, 29))      # doctest: +SKIP
    >>> built.files["pdf"]                                              # doctest: +SKIP

The names other than the errors are imported on first use, so `import digest`
(and `digest --help`) does not load numpy, nltk or WeasyPrint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from digest.errors import (
    ConfigError,
    DigestError,
    IngestError,
    MailError,
    MissingBriefError,
    NothingToBriefError,
    PartialDeliveryError,
    RenderError,
)

if TYPE_CHECKING:
    from digest.methods import DEFAULT_METHOD, METHODS
    from digest.models import Article, Brief, KeyFigure, Point, Section, Sentence
    from digest.pipeline import Built, build_brief, run_once, send_brief, summarize_folder
    from digest.profile import Profile, bundled_profiles, load_profile

_LAZY_FROM = {
    "digest.profile": ("Profile", "bundled_profiles", "load_profile"),
    "digest.methods": ("DEFAULT_METHOD", "METHODS"),
    "digest.models": ("Article", "Brief", "KeyFigure", "Point", "Section", "Sentence"),
    "digest.pipeline": ("Built", "build_brief", "run_once", "send_brief", "summarize_folder"),
}
_LAZY = {name: module for module, names in _LAZY_FROM.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'digest' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # the next lookup finds it without coming here
    return value


__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "Article",
    "Brief",
    "Built",
    "ConfigError",
    "DigestError",
    "IngestError",
    "KeyFigure",
    "MailError",
    "MissingBriefError",
    "NothingToBriefError",
    "PartialDeliveryError",
    "Point",
    "Profile",
    "RenderError",
    "Section",
    "Sentence",
    "__version__",
    "build_brief",
    "bundled_profiles",
    "load_profile",
    "run_once",
    "send_brief",
    "summarize_folder",
]
