"""Profiles (bundled by name, or files), the [sources] and [brief] tables of digest.toml,
and the test pause variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import (
    BriefSettings,
    SourceSettings,
    load_brief_settings,
    load_source_settings,
    pause_stage,
)
from digest.errors import ConfigError
from digest.profile import bundled_profiles, load_profile, parse_profile


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


# --- profiles: bundled by name, or a file --------------------------------------------------

SEEDS_TITLE = "US–Japan Alliance Brief"  # digest/profiles/seeds.toml


def test_the_bundled_profiles_load_by_name_and_none_is_generic() -> None:
    assert bundled_profiles() == ("generic", "seeds")
    seeds = load_profile("seeds")
    assert seeds.title == SEEDS_TITLE and len(seeds.sections) == 4
    generic = load_profile(None)
    assert (generic.title, generic.sections) == ("Daily Brief", ())
    assert load_profile("generic") == generic


def test_a_profile_may_give_only_a_title_and_a_subtitle(tmp_path: Path) -> None:
    path = tmp_path / "plain.toml"
    path.write_text('title = "Harbour News"\nsubtitle = "What came in today"\n')
    profile = load_profile(path)
    assert (profile.title, profile.subtitle, profile.sections) == (
        "Harbour News",
        "What came in today",
        (),
    )


@pytest.mark.parametrize("spec", ["custom/seeds", "seeds.toml"])
def test_a_spec_with_a_slash_or_toml_is_a_file_even_when_it_shares_a_bundled_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "custom").mkdir()
    (tmp_path / spec).write_text('title = "Local file"\n')
    assert load_profile(spec).title == "Local file"


def test_an_unknown_name_lists_the_bundled_profiles_and_how_to_name_a_file() -> None:
    with pytest.raises(ConfigError) as raised:
        load_profile("sports")
    message = str(raised.value)
    assert "'sports'" in message and "generic, seeds" in message
    assert "'/'" in message and ".toml" in message and "\n" not in message


# --- the [brief] table ----------------------------------------------------------------------


def test_brief_settings_come_from_the_table_with_a_profile_file_relative_to_it(
    tmp_path: Path,
) -> None:
    path = config(
        tmp_path,
        '[brief]\nprofile = "profiles/harbour.toml"\ntitle = "Morning"\npages = 3\nlength = 7\n',
    )
    settings = load_brief_settings(path, {})
    assert settings == BriefSettings(
        profile=tmp_path / "etc" / "profiles" / "harbour.toml",
        title="Morning",
        pages=3,
        length=7,
        source=str(path),
    )


def test_a_bundled_name_in_the_table_stays_a_name(tmp_path: Path) -> None:
    assert load_brief_settings(config(tmp_path, '[brief]\nprofile = "seeds"\n'), {}).profile == (
        "seeds"
    )


def test_no_brief_table_leaves_every_choice_to_options_and_defaults(tmp_path: Path) -> None:
    settings = load_brief_settings(config(tmp_path, "[mail]\n"), {})
    assert (settings.profile, settings.title, settings.pages, settings.length) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "colour = 1",
            "[brief]: unknown key(s) colour; allowed: base_url, length, pages, profile, title",
        ),
        ('profile = "sports"', "[brief] 'profile': no bundled profile named 'sports'"),
        ("pages = 0", "[brief] 'pages': 0 is not a whole number of at least 1"),
        ("pages = 1.5", "[brief] 'pages': 1.5 is not a whole number of at least 1"),
        ('length = "4"', "[brief] 'length': '4' is not a whole number of at least 1"),
        ('title = ""', "[brief]: 'title' must be a non-empty string"),
        # The title is the email's subject: `digest brief` took it, `send` then refused it.
        (
            'title = "Evil\\nBcc: x@example.org"',
            "[brief] 'title': 'Evil\\nBcc: x@example.org' holds a line break (CR or LF)",
        ),
    ],
)
def test_bad_brief_settings_are_errors_that_name_the_key(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_brief_settings(config(tmp_path, f"[brief]\n{table}\n"), {})
    assert message in str(raised.value)


def test_the_option_wins_over_the_table_which_wins_over_the_demo_default(tmp_path: Path) -> None:
    profile = tmp_path / "harbour.toml"
    profile.write_text('title = "Harbour News"\n')
    none = BriefSettings()
    assert none.profile_for(None).title == "Daily Brief"
    assert none.profile_for(None, demo=True).title == SEEDS_TITLE
    table = BriefSettings(profile=profile)
    assert table.profile_for(None, demo=True).title == "Harbour News"
    assert table.profile_for("seeds").title == SEEDS_TITLE
    titled = BriefSettings(profile=profile, title="Morning")
    seeds = titled.profile_for("seeds")
    assert seeds.title == "Morning" and len(seeds.sections) == 4


def test_a_profile_s_synonyms_are_read_in_order() -> None:
    profile = parse_profile(
        'title = "T"\n[synonyms]\nupgrade = ["overhaul", "revamp"]\n'
        'troops = ["military personnel"]\n',
        source="p.toml",
    )
    assert profile.synonyms == (
        ("upgrade", ("overhaul", "revamp")),
        ("troops", ("military personnel",)),
    )


@pytest.mark.parametrize(
    "table",
    ['synonyms = ["overhaul"]', '[synonyms]\nupgrade = "overhaul"', "[synonyms]\nupgrade = []"],
)
def test_malformed_synonyms_are_a_config_error_naming_the_key(table: str) -> None:
    with pytest.raises(ConfigError, match="synonyms"):
        parse_profile(f'title = "T"\n{table}\n', source="p.toml")


def test_the_seeds_profile_carries_its_synonyms() -> None:
    synonyms = dict(load_profile("seeds").synonyms)
    assert "overhaul" in synonyms["upgrade"]
