"""digest: turn a folder of news articles on one story into a dated, sourced brief.

The library behind the `digest` command:

    >>> import datetime, pathlib, digest
    >>> built = digest.build_brief(input_dir=pathlib.Path("seeds"), out=pathlib.Path("out"),
    ...                            date=datetime.date(2024, 7, 29))      # doctest: +SKIP
    >>> built.files["pdf"]                                              # doctest: +SKIP
"""

__version__ = "0.1.0"

from digest.config import Profile, bundled_profiles, load_profile
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
from digest.methods import DEFAULT_METHOD, METHODS
from digest.models import Article, Brief, KeyFigure, Point, Section, Sentence
from digest.pipeline import Built, build_brief, run_once, send_brief, summarize_folder

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
