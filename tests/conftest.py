"""Shared fixtures: the seed articles, a brief built once per session, article builders."""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from digest.models import Article
from digest.pipeline import Built, build_brief
from digest.profile import load_profile
from tests.servers import ca, server, ssl_server, tls_server  # noqa: F401  (fixtures for every test)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def benchmark(name: str) -> ModuleType:
    """A script of benchmarks/ (not a package) as a module, loaded once per session."""
    key = f"benchmarks_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "benchmarks" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[key]


BRIEF_DATE = dt.date(2024, 7, 29)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expect_warnings: the test logs WARNINGs on purpose (a test using caplog checks its own)",
    )


# Tests whose subject is a warning digest logs (a skipped file, feed entry or page, a
# retried delivery, a signal), with what it says. Declared here, in one place, so the
# tests themselves stay as they are; a warning of another kind still fails them.
EXPECTED_WARNINGS = {
    "test_feeds.py::test_a_redirect_to_a_file_url_is_refused": "skipped",
    "test_feeds.py::test_an_entry_link_that_is_not_http_is_skipped": "skipped",
    "test_feeds.py::test_by_default_a_teaser_page_on_loopback_is_never_requested": "skipped",
    "test_feeds.py::test_the_address_a_host_name_resolves_to_is_what_is_checked": "skipped",
    "test_feeds.py::test_a_feed_redirect_to_another_host_on_loopback_is_refused_by_default": (
        "skipped"
    ),
    "test_feeds.py::test_a_page_dripping_its_body_is_abandoned_at_the_timeout": "timed out",
    "test_feeds.py::test_a_feed_dripping_its_headers_is_abandoned_at_the_timeout": "timed out",
    "test_feeds.py::test_a_tls_handshake_dripped_by_the_server_is_abandoned_at_the_timeout": (
        "timed out"
    ),
    "test_hostile.py::test_bad_files_are_named_and_the_rest_builds": "skipped",
    "test_hostile.py::test_a_40_mb_file_is_refused_without_being_read": "skipped",
    "test_ingest.py::test_a_copy_with_zero_width_and_bidi_characters_is_a_duplicate": "skipped",
    "test_ingest.py::test_a_symbolic_link_loop_is_skipped_by_name": "skipped",
    "test_ingest.py::test_an_article_in_a_script_digest_cannot_split_is_skipped_naming_the_script": (
        "skipped"
    ),
    "test_languages.py::test_an_article_in_an_unsupported_script_is_skipped_not_the_brief": (
        "skipped"
    ),
    "test_mail.py::test_451_is_retried_and_the_message_arrives_once": "retrying",
    "test_mail.py::test_a_disconnect_mid_data_is_retried_and_arrives_once": "retrying",
    "test_mail.py::test_a_lost_answer_leaves_the_delivery_pending_and_blocks_a_rerun": "retrying",
    "test_delivery.py::test_transient_failures_are_retried_a_bounded_number_of_times": "retrying",
    "test_delivery.py::test_a_retry_that_succeeds_delivers_once_and_reports_refusals": "retrying",
    "test_schedule.py::test_sigterm_during_a_run_lets_it_finish_then_stops": "SIGTERM",
    "test_stories.py::test_a_day_of_35_stories_fits_its_pages": "duplicate of",
    "test_cli.py::test_folder_without_usable_articles_is_an_error_naming_what_was_found": (
        "skipped"
    ),
    "test_cli.py::test_a_folder_of_many_unusable_files_is_one_readable_error_line": "skipped",
    "test_cli.py::test_a_hostile_file_name_cannot_forge_a_log_line_or_reach_the_terminal": (
        "skipped"
    ),
    "test_cli.py::test_a_symbolic_link_loop_in_the_input_is_named_and_the_rest_is_briefed": (
        "skipped"
    ),
    "test_cli.py::test_a_length_beyond_the_pages_is_capped_with_a_warning": "capped to what fits",
    "test_hostile.py::test_nothing_an_article_names_is_fetched_and_markup_stays_text": (
        "capped to what fits"
    ),
    "test_hostile.py::test_mixed_line_endings_and_latin1_are_read": "not UTF-8",
    "test_hostile.py::test_ingest_of_random_bytes_raises_only_digest_errors": "not UTF-8",
    "test_ingest.py::test_cp1252_article_is_read_with_its_quotes": "not UTF-8",
    "test_delivery.py::test_only_the_deferred_recipients_are_tried_again": "not accepted yet",
    "test_smtp.py::test_an_error_before_data_leaves_no_row_pending": "not accepted yet",
}


def _the_cli_s_own_error(record: logging.LogRecord) -> bool:
    """The CLI's one-line "error: …" before exit 1: its answer to the user, which the
    tests that provoke it check on stderr, not a log of something going wrong inside."""
    return record.name == "digest" and record.getMessage().startswith("error:")


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_unexpected_warnings(request: pytest.FixtureRequest):
    """Fail a test that makes digest log a WARNING (or worse) it did not declare:
    WeasyPrint's assert_no_logs habit. A test that expects some uses caplog, the
    expect_warnings mark, or an entry in EXPECTED_WARNINGS. (Only digest's own loggers:
    the test SMTP server's library logs what it likes.)"""
    collected = _Collected()
    watched = logging.getLogger("digest")
    watched.addHandler(collected)
    try:
        yield
    finally:
        watched.removeHandler(collected)
    if "caplog" in request.fixturenames or request.node.get_closest_marker("expect_warnings"):
        return
    node = request.node.nodeid.split("/")[-1].split("[")[0]
    expected = EXPECTED_WARNINGS.get(node)
    unexpected = [
        r
        for r in collected.records
        if not _the_cli_s_own_error(r) and (expected is None or expected not in r.getMessage())
    ]
    if unexpected:
        lines = "; ".join(f"{r.name}: {r.getMessage()}" for r in unexpected[:3])
        pytest.fail(f"unexpected log at WARNING or above: {lines}", pytrace=False)


def make_article(text: str, *, index: int = 1, title: str = "A test article") -> Article:
    """An Article from a few lines of text: one paragraph per line."""
    paragraphs = tuple(line.strip() for line in text.strip().splitlines() if line.strip())
    return Article(index=index, title=title, paragraphs=paragraphs, content_hash=str(index))


def pdf_words(pdf: Path) -> str:
    """The PDF's words with their boxes, as `pdftotext -bbox` reads them back (XHTML)."""
    return subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


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
