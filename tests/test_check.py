"""`digest check`: the setup tried against a real SMTP server (aiosmtpd, STARTTLS with a
trustme CA) and a real HTTP server for the feeds, both on 127.0.0.1; nothing is sent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.check import FAIL, OK, SKIP, WARN, Result, check_setup, format_table
from digest.cli import main
from digest.read.feeds import FeedCache
from digest.read.fetch import Fetcher
from tests.servers import Handler, Page, Server, Site, rss, serve_site, serve_smtp

FEED = "/feed.xml"
ITEMS = [
    {"title": "Allies agree", "link": "http://127.0.0.1:9/a", "content": "The allies agreed."},
    {"title": "Talks go on", "link": "http://127.0.0.1:9/b", "content": "The talks went on."},
]


@pytest.fixture()
def site() -> Iterator[Site]:
    with serve_site() as running:
        running.pages[FEED] = Page(rss("Wire", ITEMS), "application/rss+xml", etag='"v1"')
        yield running


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(text)
    return path


def feeds_config(tmp_path: Path, *urls: str) -> Path:
    listed = ", ".join(f'"{u}"' for u in urls)
    return config(tmp_path, f"[sources]\nfeeds = [{listed}]\n")


def row(results: list[Result], start: str) -> Result:
    [found] = [r for r in results if r.what.startswith(start)]
    return found


def test_a_working_setup_passes_and_the_server_receives_no_message(
    tls_server: Server,
    site: Site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in tls_server.env.items():
        monkeypatch.setenv(name, value)
    path = feeds_config(tmp_path, site.url(FEED))
    assert main(["check", "--config", str(path), "--out", str(tmp_path / "out")]) == 0
    table = capsys.readouterr().out
    smtp = next(line for line in table.splitlines() if "SMTP 127.0.0.1" in line)
    assert smtp.startswith("ok")
    assert "STARTTLS, certificate verified" in smtp and "logged in as reader" in smtp
    assert tls_server.handler.logins == ["reader"]
    assert tls_server.handler.received == []
    feed = next(line for line in table.splitlines() if site.url(FEED) in line)
    assert feed.startswith("ok") and "Wire: 2 entries" in feed
    assert site.hits(FEED) == 1
    assert not (Path(tls_server.env["DIGEST_STATE_DIR"]) / "feeds").exists()
    assert "FAIL" not in table


def test_a_feed_is_fetched_with_the_last_runs_validators_and_the_cache_is_left_alone(
    site: Site, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    cache = FeedCache(state / "feeds")
    cache.fetch(site.url(FEED), Fetcher(5))  # what a run leaves behind
    before = {p.name: p.read_bytes() for p in cache.folder.iterdir()}
    env = {"DIGEST_STATE_DIR": str(state)}
    results = check_setup(
        config=feeds_config(tmp_path, site.url(FEED)), out=tmp_path / "out", environ=env
    )
    found = row(results, "feed ")
    assert found.status == OK and found.detail == "Wire: 2 entries"
    path, headers = site.requests[-1]
    assert path == FEED and headers.get("If-None-Match") == '"v1"'
    assert {p.name: p.read_bytes() for p in cache.folder.iterdir()} == before


def test_a_wrong_password_fails_with_its_fix_and_sends_nothing(
    tls_server: Server,
    tmp_path: Path,
) -> None:
    env = {**tls_server.env, "DIGEST_SMTP_PASSWORD": "wrong"}
    results = check_setup(config=None, out=tmp_path / "out", environ=env)
    smtp = row(results, "SMTP ")
    assert smtp.status == FAIL
    assert "STARTTLS, certificate verified" in smtp.detail
    assert "log in as reader: refused (535" in smtp.detail
    assert "DIGEST_SMTP_PASSWORD" in smtp.fix
    assert tls_server.handler.received == []


def test_a_certificate_from_an_unknown_ca_fails(
    tls_server: Server,
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in tls_server.env.items() if k != "DIGEST_SMTP_CA_FILE"}
    smtp = row(check_setup(config=None, out=tmp_path / "out", environ=env), "SMTP ")
    assert smtp.status == FAIL
    assert "STARTTLS: the certificate does not verify" in smtp.detail
    assert "DIGEST_SMTP_CA_FILE" in smtp.fix
    assert tls_server.handler.logins == [] and tls_server.handler.received == []


def test_a_server_without_starttls_fails(tmp_path: Path) -> None:
    for running in serve_smtp(tmp_path, Handler()):
        env = {**running.env, "DIGEST_SMTP_SECURITY": "starttls"}
        smtp = row(check_setup(config=None, out=tmp_path / "out", environ=env), "SMTP ")
        assert smtp.status == FAIL and "does not offer STARTTLS" in smtp.detail
        assert "security = 'ssl'" in smtp.fix


def test_a_closed_port_fails_in_one_line(tmp_path: Path) -> None:
    for running in serve_smtp(tmp_path, Handler()):
        env = running.env
    # the server is stopped now: its port refuses connections
    smtp = row(check_setup(config=None, out=tmp_path / "out", environ=env), "SMTP ")
    assert smtp.status == FAIL and smtp.detail.startswith("connect to 127.0.0.1:")
    assert "'host' and 'port'" in smtp.fix


def test_a_feed_that_fails_is_named_and_fails_the_check(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = site.url("/gone.xml")
    path = feeds_config(tmp_path, site.url(FEED), missing)
    env = {"DIGEST_STATE_DIR": str(tmp_path / "state")}
    results = check_setup(config=path, out=tmp_path / "out", environ=env)
    assert row(results, f"feed {site.url(FEED)}").status == OK
    gone = row(results, f"feed {missing}")
    assert gone.status == FAIL and "404" in gone.detail
    assert "fix: check the URL" in format_table(results)


def test_nothing_configured_is_reported_and_does_not_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith("DIGEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no ./digest.toml here
    assert main(["check"]) == 0
    table = capsys.readouterr().out
    statuses = {
        line.split()[1]: line.split()[0] for line in table.splitlines()[:-1] if line[0] != " "
    }
    assert statuses["config"] == SKIP and statuses["SMTP"] == SKIP and statuses["feeds"] == SKIP
    assert statuses["Pango"] == OK
    assert statuses["libharfbuzz-subset0"] in (OK, WARN)  # optional: never a failure
    assert statuses["state"] == OK
    assert table.splitlines()[-1] == "everything configured works; nothing sent"


def test_a_bad_setting_fails_and_the_server_is_not_tried(tmp_path: Path) -> None:
    path = config(tmp_path, '[mail]\nhost = "127.0.0.1"\nsender = "x@example.org"\n')
    results = check_setup(config=path, out=tmp_path / "out", environ={})
    mail = row(results, "[mail]")
    assert mail.status == FAIL and "unknown key(s) sender" in mail.detail
    assert row(results, "SMTP").detail.startswith("not checked")
    assert any(r.failed for r in results)


@pytest.mark.expect_warnings  # loading the settings names the bad recipient too
def test_a_recipient_that_is_not_an_address_fails_the_check_by_name(tmp_path: Path) -> None:
    """A send leaves it out and goes on; the check says so, so the typo gets fixed."""
    path = config(tmp_path, '[mail]\nto = ["a@example.net", "bob@example"]\n')
    recipients = row(check_setup(config=path, out=tmp_path / "out", environ={}), "recipients")
    assert recipients.status == FAIL and "'bob@example'" in recipients.detail
    assert "'to'" in recipients.fix


def test_an_inbox_that_is_not_a_folder_fails_the_check(tmp_path: Path) -> None:
    """The check said all was well, and digest run then stopped at "not a folder"."""
    path = config(tmp_path, '[sources]\ninbox = "nope"\n')
    inbox = row(check_setup(config=path, out=tmp_path / "out", environ={}), "inbox")
    assert inbox.status == FAIL and "no such folder" in inbox.detail
    assert "'inbox' in [sources]" in inbox.fix
    (tmp_path / "nope").mkdir()
    inbox = row(check_setup(config=path, out=tmp_path / "out", environ={}), "inbox")
    assert inbox.status == OK


def test_a_state_folder_that_cannot_be_made_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = {"DIGEST_STATE_DIR": str(blocker / "state")}
    state = row(check_setup(config=None, out=tmp_path / "out", environ=env), "state")
    assert state.status == FAIL and "DIGEST_STATE_DIR" in state.fix


def test_an_output_folder_that_is_a_file_fails(tmp_path: Path) -> None:
    # A hostile-user report: `digest check --out afile` said everything works, and the
    # brief then failed.
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    env = {"DIGEST_STATE_DIR": str(tmp_path / "state")}
    out = row(check_setup(config=None, out=afile, environ=env), "output")
    assert out.status == FAIL and "--out" in out.fix and str(afile) in out.detail
    fine = row(check_setup(config=None, out=tmp_path / "new" / "out", environ=env), "output")
    assert fine.status == OK and "made on the first run" in fine.detail


def test_a_profile_file_that_is_missing_fails(tmp_path: Path) -> None:
    path = config(tmp_path, '[brief]\nprofile = "beats/missing.toml"\n')
    brief = row(check_setup(config=path, out=tmp_path / "out", environ={}), "[brief]")
    assert brief.status == FAIL and "missing.toml: cannot read profile" in brief.detail


# The warning ssl_server's set-up makes aiosmtpd give (see the fixture).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_is_verified_and_logged_into(ssl_server: Server, tmp_path: Path) -> None:
    environ = ssl_server.env
    smtp = row(check_setup(config=None, out=tmp_path / "out", environ=environ), "SMTP ")
    assert smtp.status == OK
    assert "over TLS, certificate verified" in smtp.detail and "logged in" in smtp.detail
    assert ssl_server.handler.logins == ["reader"] and ssl_server.handler.received == []
