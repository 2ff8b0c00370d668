"""The [sources] table of digest.toml and the test pause variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import SourceSettings, load_source_settings, pause_stage
from digest.errors import ConfigError


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "etc" / "digest.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_sources_come_from_the_table_with_the_inbox_relative_to_the_file(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        '[sources]\ninbox = "inbox"\nfeeds = ["https://example.org/feed.xml", '
        '"http://example.org/atom"]\ntimeout = 5\n[mail]\nhost = "smtp.example.org"\n',
    )
    sources = load_source_settings(path, {})
    assert sources.inbox == tmp_path / "etc" / "inbox"
    assert sources.feeds == ("https://example.org/feed.xml", "http://example.org/atom")
    assert sources.timeout == 5.0 and sources.source == str(path)
    assert sources.allow_private is False  # pages on private addresses: refused by default


def test_allow_private_is_read_from_the_table(tmp_path: Path) -> None:
    path = config(tmp_path, "[sources]\nallow_private = true\n")
    assert load_source_settings(path, {}).allow_private is True


def test_no_config_file_means_no_sources(tmp_path: Path) -> None:
    assert load_source_settings(
        None, {"DIGEST_CONFIG": str(config(tmp_path, ""))}
    ) == SourceSettings(source=str(tmp_path / "etc" / "digest.toml"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('feeds = ["file:///etc/passwd"]', "not an http:// or https:// URL"),
        ('feeds = ["ftp://example.org/feed"]', "not an http:// or https:// URL"),
        ('feeds = "https://example.org/feed"', "must be a list of URLs"),
        ("timeout = 0", "not a number from 1 to 600"),
        ('folder = "x"', "unknown key(s) folder"),
        ("inbox = 3", "must be a string"),
        ('allow_private = "yes"', "'allow_private': must be true or false"),
    ],
)
def test_bad_sources_are_errors_that_name_the_key(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_source_settings(config(tmp_path, f"[sources]\n{table}\n"), {})


def test_the_pause_variable_is_read_here() -> None:
    assert pause_stage({"DIGEST_TEST_PAUSE_AT": " sending "}) == "sending"
    assert pause_stage({}) is None
