"""SMTP against misbehaving servers (a raw socket server on 127.0.0.1, in tests/servers.py).

At most once: an outcome unknown after the final dot is never retried. Recipients: 452
splits the list into further transactions, a 4xx for one is retried, a 550 for one is
reported with the server's answer, non-ASCII addresses use SMTPUTF8 and IDNA. Time: a
dripped greeting and a long session are cut off (small timeouts, set by the tests).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.deliver.deadlines import Deadlines
from digest.deliver.settings import load_mail_settings
from digest.deliver.smtp import SmtpTransport
from digest.errors import MailError, PartialDeliveryError, TransientMailError
from digest.pipeline import Built, Sent, send_brief
from digest.state.deliveries import FAILED, PENDING, SENT, DeliveryLedger
from tests.conftest import BRIEF_DATE
from tests.servers import RawSmtp, raw_smtp

FROM = "Digest <digest@example.org>"
PEOPLE = ("a@example.net", "b@example.net", "c@example.net", "d@example.net", "e@example.net")
MESSAGE = b"From: digest@example.org\r\nSubject: x\r\n\r\nbody\r\n.starts with a dot\r\n"


@pytest.fixture()
def out(tmp_path: Path, built: Built) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    for path in built.files.values():
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture()
def server() -> Iterator[RawSmtp]:
    with raw_smtp() as running:
        yield running


def env(server: RawSmtp, tmp_path: Path, **extra: str) -> dict[str, str]:
    (tmp_path / "absent.toml").write_text("")
    return {
        "DIGEST_CONFIG": str(tmp_path / "absent.toml"),
        "DIGEST_SMTP_HOST": "127.0.0.1",
        "DIGEST_SMTP_PORT": str(server.port),
        "DIGEST_SMTP_SECURITY": "none",
        "DIGEST_SMTP_TIMEOUT": "2",
        "DIGEST_SMTP_DATA_TIMEOUT": "3",
        "DIGEST_SMTP_SESSION_TIMEOUT": "10",
        "DIGEST_MAIL_FROM": FROM,
        "DIGEST_MAIL_TO": "reader@example.net",
        "DIGEST_STATE_DIR": str(tmp_path / "state"),
        **extra,
    }


def send(
    server: RawSmtp,
    tmp_path: Path,
    out: Path,
    sleeps: list[float] | None = None,
    *,
    to: tuple[str, ...] = (),
    **variables: str,
) -> Sent:
    settings = load_mail_settings(None, env(server, tmp_path, **variables))
    return send_brief(
        out=out,
        date=BRIEF_DATE,
        settings=settings,
        to=to,
        sleep=(sleeps if sleeps is not None else []).append,
    )


def statuses(tmp_path: Path) -> dict[str, str]:
    with DeliveryLedger.in_folder(tmp_path / "state") as ledger:
        return {e.recipient: e.status for e in ledger.entries(BRIEF_DATE)}


def transport(server: RawSmtp, **times: float) -> SmtpTransport:
    return SmtpTransport(host="127.0.0.1", port=server.port, security="none", **times)


# --- 1. an unknown outcome is never retried ------------------------------------------------


def test_a_connection_dropped_after_the_final_dot_is_not_resent(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    server.after_dot = ["drop"] * 5
    sleeps: list[float] = []
    with pytest.raises(MailError, match=r"may have been delivered.*--force") as raised:
        send(server, tmp_path, out, sleeps)
    assert raised.value.outcome_unknown
    assert len(server.messages) == 1 and server.sessions == 1 and sleeps == []
    assert statuses(tmp_path) == {"reader@example.net": PENDING}
    with pytest.raises(MailError, match=r"did not finish.*--force"):
        send(server, tmp_path, out)
    assert len(server.messages) == 1


def test_a_slow_answer_to_the_final_dot_is_waited_for_up_to_data_timeout(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    server.after_dot = ["slow:1.5"]
    sent = send(server, tmp_path, out, DIGEST_SMTP_TIMEOUT="1", DIGEST_SMTP_DATA_TIMEOUT="4")
    assert sent.sent == ("reader@example.net",) and len(server.messages) == 1
    assert statuses(tmp_path) == {"reader@example.net": SENT}


def test_no_answer_within_data_timeout_is_unknown_and_not_resent(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    server.after_dot = ["slow:2.5"]
    sleeps: list[float] = []
    with pytest.raises(MailError, match=r"within 1 s\); it may have been delivered") as raised:
        send(server, tmp_path, out, sleeps, DIGEST_SMTP_DATA_TIMEOUT="1")
    assert raised.value.outcome_unknown and sleeps == []
    assert len(server.messages) == 1 and server.sessions == 1
    assert statuses(tmp_path) == {"reader@example.net": PENDING}


def test_the_sockets_own_timeout_says_the_same_as_the_watchdog(
    server: RawSmtp, tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both end at the step's deadline; when the socket's fires first (a busy machine), the
    error still names the step and its limit, not a bare "timed out"."""
    monkeypatch.setattr(Deadlines, "_watch", lambda self: None)  # only the socket's timeout
    server.after_dot = ["slow:2.5"]
    with pytest.raises(MailError, match=r"no complete answer to the message within 1 s\)"):
        send(server, tmp_path, out, [], DIGEST_SMTP_DATA_TIMEOUT="1")
    assert statuses(tmp_path) == {"reader@example.net": PENDING}


def test_an_error_before_data_leaves_no_row_pending(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    server.drop_at_data = 99
    sleeps: list[float] = []
    with pytest.raises(MailError, match=r"gave up after 4 attempts") as raised:
        send(server, tmp_path, out, sleeps)
    assert not raised.value.outcome_unknown and len(sleeps) == 3
    assert server.messages == [] and statuses(tmp_path) == {"reader@example.net": FAILED}
    server.drop_at_data = 0
    assert send(server, tmp_path, out).sent == ("reader@example.net",)  # failed is retried


# --- 3. recipients -------------------------------------------------------------------------


def test_452_sends_the_remaining_recipients_in_further_transactions(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    server.max_recipients = 2
    sent = send(server, tmp_path, out, to=PEOPLE)
    assert sent.sent == PEOPLE
    assert [m.recipients for m in server.messages] == [PEOPLE[:2], PEOPLE[2:4], PEOPLE[4:]]
    assert server.sessions == 1
    assert statuses(tmp_path) == dict.fromkeys(PEOPLE, SENT)


def test_a_4xx_for_one_recipient_is_retried_and_the_others_are_not_sent_twice(
    server: RawSmtp, tmp_path: Path, out: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server.rcpt_answers = {"b@example.net": ["450 4.2.1 Mailbox busy, try later"]}
    sleeps: list[float] = []
    sent = send(server, tmp_path, out, sleeps, to=PEOPLE[:3])
    assert set(sent.sent) == set(PEOPLE[:3]) and len(sleeps) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "not accepted yet for b@example.net (450 4.2.1 Mailbox busy" in warnings[0]
    assert [m.recipients for m in server.messages] == [
        ("a@example.net", "c@example.net"),
        ("b@example.net",),
    ]
    assert statuses(tmp_path) == dict.fromkeys(PEOPLE[:3], SENT)


def test_a_550_for_one_recipient_is_named_with_the_answer_and_retried_alone_later(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    server.refuse = {"c@example.net": "550 5.1.1 No such user here"}
    with pytest.raises(PartialDeliveryError) as raised:
        send(server, tmp_path, out, to=PEOPLE[:3])
    message = str(raised.value)
    assert "refused for c@example.net (550 5.1.1 No such user here)" in message
    assert "`digest send --date 2024-07-29` retries the refused recipients" in message
    assert raised.value.accepted == ("a@example.net", "b@example.net")
    assert statuses(tmp_path) == {
        "a@example.net": SENT,
        "b@example.net": SENT,
        "c@example.net": FAILED,
    }
    server.refuse = {}
    again = send(server, tmp_path, out, to=PEOPLE[:3])
    assert again.sent == ("c@example.net",) and set(again.skipped) == set(PEOPLE[:2])
    assert [m.recipients for m in server.messages] == [PEOPLE[:2], ("c@example.net",)]


def test_addresses_differing_only_in_case_get_one_rcpt_and_one_ledger_row(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    sent = send(server, tmp_path, out, to=("A@Example.net", "a@example.NET", "b@example.net"))
    assert sent.sent == ("A@Example.net", "b@example.net")
    assert server.rcpts == ["A@Example.net", "b@example.net"]
    assert statuses(tmp_path) == {"a@example.net": SENT, "b@example.net": SENT}
    assert send(server, tmp_path, out, to=("a@EXAMPLE.NET",)).sent == ()  # already sent


# --- 4. non-ASCII addresses ----------------------------------------------------------------


def test_with_smtputf8_non_ascii_addresses_are_sent_with_an_idna_domain(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    server.smtputf8 = True
    sent = send(server, tmp_path, out, to=("josé@example.net", "user@bücher.de"))
    assert sent.sent == ("josé@example.net", "user@bücher.de")
    assert server.rcpts == ["josé@example.net", "user@xn--bcher-kva.de"]
    assert "SMTPUTF8" in server.messages[0].mail_options
    assert statuses(tmp_path) == {"josé@example.net": SENT, "user@bücher.de": SENT}


def test_without_smtputf8_a_non_ascii_local_part_is_refused_and_the_others_sent(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    with pytest.raises(
        PartialDeliveryError, match=r"josé@example\.net \(.*does not offer SMTPUTF8"
    ):
        send(server, tmp_path, out, to=("josé@example.net", "user@bücher.de", "a@example.net"))
    assert server.rcpts == ["user@xn--bcher-kva.de", "a@example.net"]
    assert server.messages[0].mail_options == ()
    assert statuses(tmp_path) == {
        "josé@example.net": FAILED,
        "user@bücher.de": SENT,
        "a@example.net": SENT,
    }


def test_a_lone_non_ascii_reader_without_smtputf8_fails_cleanly_and_is_not_pending(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    with pytest.raises(MailError, match=r"does not offer SMTPUTF8") as raised:
        send(server, tmp_path, out, to=("josé@example.net",))
    assert not isinstance(raised.value, PartialDeliveryError)
    assert server.messages == [] and statuses(tmp_path) == {"josé@example.net": FAILED}
    server.smtputf8 = True
    assert send(server, tmp_path, out, to=("josé@example.net",)).sent == ("josé@example.net",)
    assert b"To: jos\xc3\xa9@example.net" in server.messages[0].data  # RFC 6532 header


def test_a_domain_with_no_idna_form_is_refused_by_name(
    server: RawSmtp, tmp_path: Path, out: Path
) -> None:
    with pytest.raises(PartialDeliveryError, match=r"user@bü_cher\.de \(cannot be addressed"):
        send(server, tmp_path, out, to=("user@bü_cher.de", "a@example.net"))
    assert server.rcpts == ["a@example.net"]


# --- 10. deadlines bound wholes ------------------------------------------------------------


def test_a_dripped_greeting_is_cut_off_after_the_command_timeout() -> None:
    late = r"no complete answer to the greeting within 1 s"
    with (
        raw_smtp(RawSmtp(greeting_drip=0.2)) as server,
        pytest.raises(TransientMailError, match=late),
    ):
        transport(server, timeout=1.0).send(
            MESSAGE, sender="a@example.org", recipients=["b@example.org"]
        )
    # each byte came well within the timeout; only the whole was late
    assert server.greeting_bytes_sent[0] < len(server.greeting)


def test_a_session_longer_than_session_timeout_is_cut_off_before_data() -> None:
    with raw_smtp(RawSmtp(reply_delay=0.5)) as server:
        outcome = transport(server, timeout=1.0, data_timeout=1.0, session_timeout=1.8).send(
            MESSAGE, sender="a@example.org", recipients=["b@example.org", "c@example.org"]
        )
    assert outcome.accepted == () and server.messages == []
    assert set(outcome.deferred) == {"b@example.org", "c@example.org"}
    assert "took longer than session_timeout (1.8 s)" in outcome.deferred["b@example.org"]


def test_a_well_behaved_session_delivers_with_dots_stuffed() -> None:
    with raw_smtp() as server:
        outcome = transport(server).send(
            MESSAGE, sender="a@example.org", recipients=["b@example.org"]
        )
    assert outcome.accepted == ("b@example.org",)
    assert server.messages[0].data == MESSAGE  # the server un-stuffs the leading dot
