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

from typing import TYPE_CHECKING

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
from digest.lazy import lazy_names
from digest.version import __version__

if TYPE_CHECKING:
    from digest.models import Article, Brief, KeyFigure, Point, Section, Sentence
    from digest.pipeline import Built, build_brief, run_once, send_brief, summarize_folder
    from digest.profile import Profile, bundled_profiles, load_profile
    from digest.summarize.methods import DEFAULT_METHOD, METHODS

_LAZY_FROM = {
    "digest.profile": ("Profile", "bundled_profiles", "load_profile"),
    "digest.summarize.methods": ("DEFAULT_METHOD", "METHODS"),
    "digest.models": ("Article", "Brief", "KeyFigure", "Point", "Section", "Sentence"),
    "digest.pipeline": ("Built", "build_brief", "run_once", "send_brief", "summarize_folder"),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


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
