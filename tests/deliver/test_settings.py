"""Mail settings: the config file's [mail] table, overridden by DIGEST_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.cli import main
from digest.config import load_config_file
from digest.deliver.settings import load_mail_settings
from digest.errors import ConfigError
from digest.profile import load_profile

BASE = {"DIGEST_MAIL_FROM": "Digest <digest@example.org>", "DIGEST_MAIL_TO": "a@example.net"}


@pytest.fixture(autouse=True)
def _away_from_any_digest_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DIGEST_CONFIG the loader reads ./digest.toml: run where there is none."""
    monkeypatch.chdir(tmp_path)


def config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "digest.toml"
    path.write_text(text)
    return {"DIGEST_CONFIG": str(path)}


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = config(
        tmp_path,
        '[mail]\nhost = "file.example.org"\nport = 2525\n'
        'to = ["x@example.net", "y@example.net"]\nfrom = "f@example.org"\n',
    )
    settings = load_mail_settings(
        None,
        {
            **env,
            "DIGEST_SMTP_HOST": "env.example.org",
            "DIGEST_MAIL_TO": "p@example.net, q@example.net",
        },
    )
    assert settings.host == "env.example.org" and settings.port == 2525
    assert settings.to == ("p@example.net", "q@example.net")
    assert settings.sender == "f@example.org" and settings.security == "starttls"


def test_the_port_follows_the_security_unless_given() -> None:
    assert (
        load_mail_settings(None, {"DIGEST_SMTP_SECURITY": "ssl", "DIGEST_CONFIG": ""}).port == 465
    )
    assert load_mail_settings(None, {"DIGEST_SMTP_SECURITY": "starttls"}).port == 587


def test_the_password_comes_only_from_the_environment_and_is_never_shown(tmp_path: Path) -> None:
    settings = load_mail_settings(
        None, {**BASE, "DIGEST_SMTP_USER": "u", "DIGEST_SMTP_PASSWORD": "hunter2"}
    )
    assert settings.password == "hunter2" and "hunter2" not in repr(settings)
    env = config(tmp_path, '[mail]\npassword = "hunter2"\n')
    with pytest.raises(
        ConfigError, match=r"'password' is never read from a file.*DIGEST_SMTP_PASSWORD"
    ):
        load_mail_settings(None, env)


@pytest.mark.parametrize(
    ("name", "variable"),
    [("host", "DIGEST_SMTP_HOST"), ("sender", "DIGEST_MAIL_FROM"), ("to", "DIGEST_MAIL_TO")],
)
def test_a_missing_setting_is_named(name: str, variable: str) -> None:
    settings = load_mail_settings(None, {})
    key = {"sender": "from"}.get(name, name)
    with pytest.raises(ConfigError, match=f"'{key}' is missing: set {variable}"):
        settings.require(name)


def test_unknown_keys_and_tables_are_errors_that_name_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key.*hostname"):
        load_mail_settings(None, config(tmp_path, '[mail]\nhostname = "x"\n'))
    with pytest.raises(ConfigError, match=r"unknown key.*mailer"):
        load_mail_settings(None, config(tmp_path, '[mailer]\nhost = "x"\n'))


def test_a_sources_table_is_accepted_for_later(tmp_path: Path) -> None:
    env = config(tmp_path, '[sources]\nfeeds = ["https://example.org/rss"]\n[mail]\nhost = "h"\n')
    assert load_config_file(None, env)["sources"] == {"feeds": ["https://example.org/rss"]}
    assert load_mail_settings(None, env).host == "h"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DIGEST_SMTP_PORT", "smtp", "DIGEST_SMTP_PORT: 'smtp' is not a number"),
        ("DIGEST_SMTP_PORT", "70000", "not a number from 1 to 65535"),
        ("DIGEST_SMTP_SECURITY", "tls", "'tls' is not one of starttls, ssl, none"),
        ("DIGEST_MAIL_TO", "nobody, nobody@", "'nobody' is not an email address"),
        ("DIGEST_MAIL_FROM", "Digest", "'Digest' is not an address"),
    ],
)
def test_bad_values_are_errors_that_say_where(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_mail_settings(None, {variable: value})


def test_a_recipient_that_is_not_an_address_is_named_and_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One bad recipient is skipped by name; the others still get the brief."""
    settings = load_mail_settings(None, {"DIGEST_MAIL_TO": "a@example.net, nobody, b@example.net"})
    assert settings.to == ("a@example.net", "b@example.net")
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "'nobody' is not an email address" in warning and "left out" in warning


def test_a_login_over_plain_smtp_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"in clear"):
        load_mail_settings(None, {"DIGEST_SMTP_SECURITY": "none", "DIGEST_SMTP_USER": "u"})


def test_an_explicit_config_path_wins_and_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read config file"):
        load_mail_settings(tmp_path / "nope.toml", {})
    env = config(tmp_path, '[mail]\nhost = "from-env-path"\n')
    other = tmp_path / "other.toml"
    other.write_text('[mail]\nhost = "from-option"\n')
    assert load_mail_settings(other, env).host == "from-option"


def test_the_state_folder_comes_from_the_environment(tmp_path: Path) -> None:
    assert load_mail_settings(None, {}).state_dir is None
    assert load_mail_settings(None, {"DIGEST_STATE_DIR": str(tmp_path)}).state_dir == tmp_path


def test_the_data_and_session_timeouts_default_to_rfc_values_and_can_be_set(
    tmp_path: Path,
) -> None:
    defaults = load_mail_settings(None, {})
    assert (defaults.timeout, defaults.data_timeout, defaults.session_timeout) == (30, 600, 1200)
    env = config(tmp_path, "[mail]\ndata_timeout = 300\nsession_timeout = 900\n")
    from_file = load_mail_settings(None, env)
    assert (from_file.data_timeout, from_file.session_timeout) == (300, 900)
    from_env = load_mail_settings(
        None, {**env, "DIGEST_SMTP_DATA_TIMEOUT": "5", "DIGEST_SMTP_SESSION_TIMEOUT": "8"}
    )
    assert (from_env.data_timeout, from_env.session_timeout) == (5, 8)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DIGEST_SMTP_DATA_TIMEOUT": "soon"}, "DIGEST_SMTP_DATA_TIMEOUT: 'soon' is not a number"),
        ({"DIGEST_SMTP_SESSION_TIMEOUT": "0"}, "DIGEST_SMTP_SESSION_TIMEOUT: '0' is not a number"),
        (
            {"DIGEST_SMTP_DATA_TIMEOUT": "1500"},
            r"'session_timeout' \(1200 s\) must be longer than 'data_timeout' \(1500 s\)",
        ),
        (
            {"DIGEST_SMTP_DATA_TIMEOUT": "60", "DIGEST_SMTP_SESSION_TIMEOUT": "60"},
            r"'session_timeout' \(60 s\) must be longer than 'data_timeout' \(60 s\)",
        ),
    ],
)
def test_bad_timeouts_are_refused_when_the_settings_load(
    variables: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_mail_settings(None, variables)


def test_recipients_differing_only_in_case_are_one_reader() -> None:
    settings = load_mail_settings(
        None, {"DIGEST_MAIL_TO": "A@Example.org, a@example.ORG, b@example.org, B@EXAMPLE.ORG"}
    )
    assert settings.to == ("A@Example.org", "b@example.org")


# --- header injection: a line break would start a header of its own ------------------------


@pytest.mark.parametrize(
    "sender", ["Digest\r\nBcc: victim@example.net <d@example.org>", "d@example.org\nBcc: x@y.z"]
)
def test_a_line_break_in_from_is_refused_when_the_settings_load(sender: str) -> None:
    with pytest.raises(ConfigError, match=r"DIGEST_MAIL_FROM: .* holds a line break"):
        load_mail_settings(None, {"DIGEST_MAIL_FROM": sender})


def test_line_breaks_in_the_config_file_are_refused_too(tmp_path: Path) -> None:
    env = config(tmp_path, '[mail]\nfrom = "Digest\\r\\nBcc: x@example.net <d@example.org>"\n')
    with pytest.raises(ConfigError, match=r"\[mail\] 'from': .* holds a line break"):
        load_mail_settings(None, env)
    env = config(tmp_path, '[mail]\nlist_unsubscribe = "<mailto:l@example.org>\\nBcc: x@y.z"\n')
    with pytest.raises(ConfigError, match=r"'list_unsubscribe': .* holds a line break"):
        load_mail_settings(None, env)


@pytest.mark.parametrize(
    "title", ["Brief\\r\\nBcc: victim@example.net", "Brief\\nX: y", "A\\u2028B"]
)
def test_a_line_break_in_a_profile_title_is_refused_when_it_loads(
    tmp_path: Path, title: str
) -> None:
    path = tmp_path / "profile.toml"
    path.write_text(f'title = "{title}"\n[[sections]]\ntitle = "S"\nterms = ["x"]\n')
    with pytest.raises(ConfigError, match=r"profile\.toml: 'title' holds a line break"):
        load_profile(path)


def test_a_line_break_in_from_is_one_line_on_stderr_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIGEST_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("DIGEST_MAIL_FROM", "Digest\r\nBcc: victim@example.net <d@example.org>")
    assert main(["send", "--out", str(tmp_path / "out"), "--to", "a@example.net"]) == 1
    err = capsys.readouterr().err
    assert "holds a line break" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('list_unsubscribe = "mailto:leave@example.org"', "not an address in angle brackets"),
        ('list_unsubscribe = "<ftp://example.org/x>"', "not an address in angle brackets"),
        (
            'list_unsubscribe = "<mailto:leave@example.org>"\nlist_unsubscribe_post = true',
            "needs an https:// address",
        ),
        (
            'list_unsubscribe = "<http://example.org/leave>"\nlist_unsubscribe_post = true',
            "needs an https:// address",
        ),
        ('list_id = "Morning Brief"', "not a list id"),
        ('list_id = "Morning <morning.example.org"', "not a list id"),
    ],
)
def test_list_headers_are_checked_when_the_settings_load(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_mail_settings(None, config(tmp_path, f"[mail]\n{table}\n"))


def test_good_list_headers_are_kept(tmp_path: Path) -> None:
    settings = load_mail_settings(
        None,
        config(
            tmp_path,
            "[mail]\n"
            'list_unsubscribe = "<mailto:leave@example.org>,<https://example.org/leave>"\n'
            "list_unsubscribe_post = true\n"
            'list_id = "morning.example.org"\n',
        ),
    )
    assert settings.list_unsubscribe == "<mailto:leave@example.org>, <https://example.org/leave>"
    assert settings.list_id == "<morning.example.org>"
