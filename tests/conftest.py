"""Shared fixtures: the seed articles, a brief built once per session, article builders."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest

from digest.config import load_profile
from digest.models import Article
from digest.pipeline import Built, build_brief

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
BRIEF_DATE = dt.date(2024, 7, 29)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expect_warnings: the test logs WARNINGs on purpose (a test using caplog checks its own)",
    )


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_unexpected_warnings(request: pytest.FixtureRequest):
    """Fail a test that logs a WARNING (or worse) it did not declare: WeasyPrint's
    assert_no_logs habit. A test that expects some uses caplog, or the expect_warnings
    mark."""
    collected = _Collected()
    root = logging.getLogger()
    root.addHandler(collected)
    try:
        yield
    finally:
        root.removeHandler(collected)
    declared = "caplog" in request.fixturenames or request.node.get_closest_marker(
        "expect_warnings"
    )
    if collected.records and not declared:
        lines = "; ".join(f"{r.name}: {r.getMessage()}" for r in collected.records[:3])
        pytest.fail(f"unexpected log at WARNING or above: {lines}", pytrace=False)


def make_article(text: str, *, index: int = 1, title: str = "A test article") -> Article:
    """An Article from a few lines of text: one paragraph per line."""
    paragraphs = tuple(line.strip() for line in text.strip().splitlines() if line.strip())
    return Article(index=index, title=title, paragraphs=paragraphs, content_hash=str(index))


def printed_sections(built: Built) -> list:
    """The sections the printed editions show: those with a point not already at a glance."""
    return [s for s in built.brief.sections if any(p not in built.brief.lead for p in s.points)]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The seed brief, built once with the default method and the seeds profile."""
    out = tmp_path_factory.mktemp("out")
    return build_brief(input_dir=SEEDS, out=out, date=BRIEF_DATE, profile=load_profile("seeds"))


@pytest.fixture()
def article_dir(tmp_path: Path) -> Path:
    """A copy of the seed articles that a test may add bad files to."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target
