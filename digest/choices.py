"""What the command line offers and defaults to, without importing the code behind it.

`digest --help` and every option check read these names; the code they name (numpy,
HiGHS, sumy behind the methods; WeasyPrint behind the pages) is imported only by the
command that runs it. tests/test_choices.py keeps them equal to digest.summarize.methods.METHODS,
digest.summarize.methods.DEFAULT_METHOD and digest.pipeline.MAX_PAGES.
"""

from __future__ import annotations

METHOD_NAMES = (
    "centroid",
    "coverage",
    "edmundson",
    "kl",
    "lexrank",
    "lsa",
    "luhn",
    "sumbasic",
    "textrank",
)
DEFAULT_METHOD = "coverage"
MAX_PAGES = 2
