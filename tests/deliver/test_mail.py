"""`digest send` against a real SMTP server on 127.0.0.1 (aiosmtpd), started by the tests.

The handler below keeps what it receives and can be told to fail on cue: answer DATA
with 451 or 550, refuse a recipient, drop the connection in the middle of DATA, or take
the message in and never answer.
"""

from __future__ import annotations

import datetime as dt
import email
import io
import json
import shutil
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfReader

from digest.cli import main
from digest.deliver import mail
from digest.deliver.settings import load_mail_settings
from digest.errors import ConfigError, MailError, MissingBriefError
from digest.pipeline import Built, Sent, brief_paths, send_brief
from digest.state.deliveries import FAILED, PENDING, SENT, DeliveryLedger
from tests.conftest import BRIEF_DATE
from tests.servers import FROM, READER, Server


@pytest.fixture()
def out(tmp_path: Path, built: Built) -> Path:
    """A fresh output folder holding the seed brief (built once per session)."""
    folder = tmp_path / "out"
    folder.mkdir()
    for path in built.files.values():
        shutil.copy(path, folder / path.name)
    return folder


def send(server: Server, out: Path, sleeps: list[float] | None = None, **options: object) -> Sent:
    settings = server.settings()
    return send_brief(
        out=out,
        date=BRIEF_DATE,
        settings=settings,
        sleep=(sleeps if sleeps is not None else []).append,
        **options,
    )  # type: ignore[arg-type]


def ledger_status(server: Server) -> dict[str, str]:
    with DeliveryLedger.in_folder(Path(server.env["DIGEST_STATE_DIR"])) as ledger:
        return {e.recipient: e.status for e in ledger.entries(BRIEF_DATE)}


def part(message: EmailMessage, content_type: str) -> EmailMessage:
    return next(p for p in message.walk() if p.get_content_type() == content_type)  # type: ignore[misc]


# --- the message ---------------------------------------------------------------------


def test_plain_delivery_has_text_then_html_then_the_pdf(server: Server, out: Path) -> None:
    sent = send(server, out, attach_pdf=True)
    assert sent.sent == (READER,) and len(server.handler.received) == 1
    got = server.handler.received[0]
    assert got.sender == "digest@example.org" and got.recipients == (READER,)
    message = got.parsed()
    files = brief_paths(out, BRIEF_DATE)
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert part(message, "text/html").get_payload(decode=True) == files["html"].read_bytes()
    text = part(message, "text/plain").get_content().replace("\r\n", "\n")
    assert text == files["txt"].read_text("utf-8")
    assert attachment.get_filename() == "brief-2024-07-29.pdf"
    pdf = attachment.get_payload(decode=True)
    assert pdf == files["pdf"].read_bytes() and len(PdfReader(io.BytesIO(pdf)).pages) >= 1


def test_headers_name_the_brief_and_identify_it(server: Server, out: Path) -> None:
    sent = send(server, out)
    message = server.handler.received[0].parsed()
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "US–Japan Alliance Brief — Monday, 29 July 2024"
    assert message["From"] == FROM and message["To"] == READER and "Bcc" not in message
    assert message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"] == sent.message_id
    assert sent.message_id.startswith("<brief-2024-07-29.")
    assert sent.message_id.endswith("@example.org>")
    assert "List-Unsubscribe" not in message


def test_a_list_goes_in_bcc_and_is_hidden_from_every_reader(server: Server, out: Path) -> None:
    people = ("a@example.net", "b@example.net", "c@example.net")
    sent = send(server, out, to=people)
    assert sent.sent == people
    got = server.handler.received[0]
    assert got.recipients == people
    message = got.parsed()
    assert message["To"] == "undisclosed-recipients:;" and "Bcc" not in message
    assert not any(p.encode() in got.data for p in people)


def test_unsubscribe_headers_come_from_the_config_file(
    server: Server, out: Path, tmp_path: Path
) -> None:
    config = tmp_path / "digest.toml"
    config.write_text(
        "[mail]\n"
        'list_unsubscribe = "<mailto:leave@example.org>, <https://example.org/leave?u=1>"\n'
        "list_unsubscribe_post = true\n"
    )
    settings = load_mail_settings(None, {**server.env, "DIGEST_CONFIG": str(config)})
    send_brief(out=out, date=BRIEF_DATE, settings=settings)
    message = server.handler.received[0].parsed()
    assert message["List-Unsubscribe"] == (
        "<mailto:leave@example.org>, <https://example.org/leave?u=1>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_list_id_is_made_from_the_title_and_the_from_domain(server: Server, out: Path) -> None:
    sent = send(server, out, dry_run=True)
    message = email.message_from_bytes(sent.eml.read_bytes(), policy=policy.default)
    # The seeds profile's title, without the date; the From address's domain.
    sender_domain = server.settings().sender_address.rpartition("@")[2]
    assert (
        message["List-Id"] == f'"US–Japan Alliance Brief" <us-japan-alliance-brief.{sender_domain}>'
    )
    assert BRIEF_DATE.isoformat() not in message["List-Id"]


def test_a_configured_list_id_wins(server: Server, out: Path) -> None:
    settings = server.settings(DIGEST_MAIL_LIST_ID="Morning <morning.example.org>")
    sent = send_brief(out=out, date=BRIEF_DATE, settings=settings, dry_run=True)
    assert sent.eml is not None
    message = email.message_from_bytes(sent.eml.read_bytes(), policy=policy.default)
    assert message["List-Id"] == "Morning <morning.example.org>"


def test_dry_run_writes_the_message_and_sends_nothing(server: Server, out: Path) -> None:
    sent = send(server, out, dry_run=True, to=["a@example.net", "b@example.net"])
    assert sent.eml == out / "brief-2024-07-29.eml" and not server.handler.received
    message = email.message_from_bytes(sent.eml.read_bytes(), policy=policy.default)
    assert message["Bcc"] == "a@example.net, b@example.net"
    assert (
        part(message, "text/html").get_payload(decode=True)
        == (out / "brief-2024-07-29.html").read_bytes()
    )
    assert ledger_status(server) == {}


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_send_never_builds_a_brief_and_a_date_without_one_sends_nothing(
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dry_run: list[str],
) -> None:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "empty-out"
    out.mkdir()
    assert main(["send", "--out", str(out), "--date", "2024-07-29", *dry_run]) == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and str(out / "brief-2024-07-29.html") in error
    assert "run `digest brief` or `digest run` first" in error
    assert list(out.iterdir()) == []  # nothing built, no .eml
    assert server.handler.received == []
    assert not Path(server.env["DIGEST_STATE_DIR"]).exists()  # the ledger was never opened


def test_a_missing_pdf_is_named_when_it_is_to_be_attached(server: Server, out: Path) -> None:
    (out / "brief-2024-07-29.pdf").unlink()
    with pytest.raises(MissingBriefError) as raised:
        send(server, out, attach_pdf=True)
    assert str(out / "brief-2024-07-29.pdf") in str(raised.value)
    assert "brief-2024-07-29.html" not in str(raised.value)
    assert server.handler.received == [] and ledger_status(server) == {}


# --- TLS and authentication --------------------------------------------------------------


def test_auth_over_starttls_verified_against_the_test_ca(tls_server: Server, out: Path) -> None:
    sleeps: list[float] = []
    sent = send(tls_server, out, sleeps)
    assert sent.sent == (READER,) and len(tls_server.handler.received) == 1
    assert tls_server.handler.logins == ["reader"] and sleeps == []


# The warning ssl_server's set-up makes aiosmtpd give (see the fixture).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_with_login(ssl_server: Server, out: Path) -> None:
    assert send(ssl_server, out).sent == (READER,)
    handler = ssl_server.handler
    assert handler.logins == ["reader"] and len(handler.received) == 1


def test_a_certificate_from_an_unknown_ca_is_refused_without_retry(
    tls_server: Server, out: Path
) -> None:
    sleeps: list[float] = []
    settings = tls_server.settings(DIGEST_SMTP_CA_FILE="")
    with pytest.raises(MailError, match=r"TLS failed.*DIGEST_SMTP_CA_FILE"):
        send_brief(out=out, date=BRIEF_DATE, settings=settings, sleep=sleeps.append)
    assert sleeps == [] and not tls_server.handler.received


def test_a_wrong_password_is_permanent_and_not_logged(
    tls_server: Server, out: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps: list[float] = []
    settings = tls_server.settings(DIGEST_SMTP_PASSWORD="wrong-horse")
    with pytest.raises(MailError, match=r"authentication as reader failed: 535") as raised:
        send_brief(out=out, date=BRIEF_DATE, settings=settings, sleep=sleeps.append)
    assert sleeps == [] and "wrong-horse" not in str(raised.value) + caplog.text
    assert "wrong-horse" not in repr(settings)
    assert ledger_status(tls_server) == {READER: FAILED}


def test_a_user_without_a_password_is_a_config_error(server: Server, out: Path) -> None:
    settings = server.settings(DIGEST_SMTP_SECURITY="starttls", DIGEST_SMTP_USER="reader")
    with pytest.raises(ConfigError, match=r"DIGEST_SMTP_PASSWORD"):
        send_brief(out=out, date=BRIEF_DATE, settings=settings)


# --- failures and retries ----------------------------------------------------------------


def test_451_is_retried_and_the_message_arrives_once(server: Server, out: Path) -> None:
    server.handler.data_replies = ["451 4.3.0 Try again later"]
    sleeps: list[float] = []
    sent = send(server, out, sleeps)
    assert sent.sent == (READER,) and len(server.handler.received) == 1
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 2.0
    assert ledger_status(server) == {READER: SENT}


def test_550_is_not_retried_and_the_error_quotes_the_server(
    server: Server, out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.handler.always = "550 5.7.1 Message rejected as spam"
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    code = main(["send", "--out", str(out), "--date", "2024-07-29"])
    assert code == 1
    assert "550 5.7.1 Message rejected as spam" in capsys.readouterr().err
    assert not server.handler.received
    assert ledger_status(server) == {READER: FAILED}


def test_a_refused_recipient_is_reported_by_address(server: Server, out: Path) -> None:
    server.handler.refuse = {"gone@example.net": "550 5.1.1 No such user"}
    with pytest.raises(
        MailError, match=r"refused for gone@example\.net \(550 5\.1\.1 No such user\)"
    ):
        send(server, out, to=["ok@example.net", "gone@example.net"])
    assert server.handler.received[0].recipients == ("ok@example.net",)
    assert ledger_status(server) == {"ok@example.net": SENT, "gone@example.net": FAILED}


def test_recipients_a_caller_names_must_all_be_addresses(server: Server, out: Path) -> None:
    """Leaving out a bad address is for a config read every day; recipients named for one
    send (the library's `to`, like --to) are refused whole, and nothing is sent."""
    with pytest.raises(ConfigError, match=r"'broken' is not an email address"):
        send(server, out, to=["ok@example.net", "broken"])
    assert not server.handler.received


def test_a_lone_recipient_refused_is_named_with_the_servers_answer(
    server: Server, out: Path
) -> None:
    """Once said only "550 5.1.1 No such user here", without whom it concerned."""
    server.handler.refuse = {"gone@example.net": "550 5.1.1 No such user"}
    with pytest.raises(MailError) as raised:
        send(server, out, to=["gone@example.net"])
    assert str(raised.value).startswith(
        "brief 2024-07-29 was not sent to gone@example.net: 550 5.1.1 No such user"
    )
    assert not server.handler.received
    assert ledger_status(server) == {"gone@example.net": FAILED}


def test_a_disconnect_after_the_message_went_out_is_not_retried(server: Server, out: Path) -> None:
    """The client handed the whole message over, so it cannot tell a drop mid-DATA from a
    lost answer: the outcome is unknown and nothing is sent again."""
    server.handler.drop_in_data = 1
    sleeps: list[float] = []
    with pytest.raises(MailError, match=r"may have been delivered.*pending") as raised:
        send(server, out, sleeps)
    assert raised.value.outcome_unknown and sleeps == []
    assert ledger_status(server) == {READER: PENDING}


def test_a_lost_answer_leaves_the_delivery_pending_and_blocks_a_rerun(
    server: Server, out: Path
) -> None:
    server.handler.lose_reply = 99
    sleeps: list[float] = []
    with pytest.raises(MailError, match=r"may have been delivered") as raised:
        send(server, out, sleeps)
    assert raised.value.outcome_unknown and sleeps == []  # never retried
    assert ledger_status(server) == {READER: PENDING}
    server.handler.lose_reply = 0
    with pytest.raises(MailError, match=r"did not finish.*--force"):
        send(server, out)
    assert not server.handler.received
    assert send(server, out, force=True).sent == (READER,)
    assert ledger_status(server) == {READER: SENT}


# --- exactly once ------------------------------------------------------------------------


def test_a_second_send_of_the_same_date_sends_nothing_and_says_so(
    server: Server, out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    args = ["send", "--out", str(out), "--date", "2024-07-29"]
    assert main(args) == 0
    assert "sent to 1 recipient(s)" in capsys.readouterr().err
    assert main(args) == 0
    assert "already sent to reader@example.net; nothing sent" in capsys.readouterr().err
    assert len(server.handler.received) == 1
    assert main([*args, "--force"]) == 0
    first, again = (r.parsed()["Message-ID"] for r in server.handler.received)
    assert first == again  # a forced resend can be dropped as a duplicate


def test_a_new_recipient_gets_the_brief_and_the_others_do_not_again(
    server: Server, out: Path
) -> None:
    send(server, out, to=["a@example.net"])
    sent = send(server, out, to=["a@example.net", "b@example.net"])
    assert sent.sent == ("b@example.net",) and sent.skipped == ("a@example.net",)
    assert [r.recipients for r in server.handler.received] == [
        ("a@example.net",),
        ("b@example.net",),
    ]


def test_the_date_header_is_the_sending_time(server: Server, out: Path) -> None:
    when = dt.datetime(2024, 7, 29, 6, 30, tzinfo=dt.UTC)
    send(server, out, now=when)
    assert server.handler.received[0].parsed()["Date"].datetime == when


# --- the Message-ID follows the brief, not the clock -----------------------------------------


def test_the_message_id_follows_the_briefs_points_and_sources(server: Server, out: Path) -> None:
    first = send(server, out).message_id
    path = brief_paths(out, BRIEF_DATE)["json"]
    brief = json.loads(path.read_text("utf-8"))
    brief["generated"] = "2031-01-01T05:00:00+00:00"  # the same brief, generated again later
    path.write_text(json.dumps(brief), "utf-8")
    assert send(server, out, force=True).message_id == first
    brief["lead"][0]["text"] = "A point from a brief rebuilt with other articles, said once."
    path.write_text(json.dumps(brief), "utf-8")
    rebuilt = send(server, out, force=True).message_id
    brief["sources"][0]["url"] = "https://example.org/another-source"
    path.write_text(json.dumps(brief), "utf-8")
    other_sources = send(server, out, force=True).message_id
    assert len({first, rebuilt, other_sources}) == 3
    received = [r.parsed()["Message-ID"] for r in server.handler.received]
    assert received == [first, first, rebuilt, other_sources]


def test_the_message_id_depends_on_the_recipients_in_any_order_and_case() -> None:
    one = mail.message_id(BRIEF_DATE, ["a@example.net", "b@example.net"], "d@example.org", "h")
    assert one == mail.message_id(
        BRIEF_DATE, ["B@example.net", "a@EXAMPLE.net"], "d@example.org", "h"
    )
    assert one != mail.message_id(BRIEF_DATE, ["a@example.net"], "d@example.org", "h")
    assert one != mail.message_id(
        BRIEF_DATE + dt.timedelta(days=1), ["a@example.net", "b@example.net"], "d@example.org", "h"
    )


# --- a damaged delivery ledger never means "send to all" -------------------------------------


def test_an_empty_delivery_ledger_stops_the_send_with_one_line_naming_it(
    server: Server, out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    ledger = Path(server.env["DIGEST_STATE_DIR"]) / "deliveries.sqlite3"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"")
    assert main(["send", "--out", str(out), "--date", "2024-07-29"]) == 1
    err = capsys.readouterr().err
    assert f"{ledger}: the delivery ledger cannot be used (the file is empty (0 bytes))" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not server.handler.received and ledger.read_bytes() == b""
