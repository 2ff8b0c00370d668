"""The delivery ledger, on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from digest.errors import MailError
from digest.state.deliveries import FAILED, PENDING, SENT, DeliveryLedger, state_dir

DAY = dt.date(2024, 7, 29)
MID = "<brief-2024-07-29.x@example.org>"


@pytest.fixture()
def ledger(tmp_path: Path) -> DeliveryLedger:
    with DeliveryLedger.in_folder(tmp_path / "state") as opened:
        yield opened


def statuses(ledger: DeliveryLedger, day: dt.date = DAY) -> dict[str, str]:
    return {e.recipient: e.status for e in ledger.entries(day)}


def test_a_claim_marks_the_recipients_pending_before_anything_is_sent(
    ledger: DeliveryLedger,
) -> None:
    claim = ledger.claim(DAY, ["A@example.net", "b@example.net"], message_id=MID)
    assert claim.send == ("A@example.net", "b@example.net") and not claim.unknown
    assert statuses(ledger) == {"a@example.net": PENDING, "b@example.net": PENDING}
    assert {e.message_id for e in ledger.entries(DAY)} == {MID}


def test_sent_recipients_are_skipped_and_failed_ones_tried_again(ledger: DeliveryLedger) -> None:
    ledger.claim(DAY, ["a@example.net", "b@example.net"], message_id=MID)
    ledger.record(
        DAY,
        message_id=MID,
        sent=["a@example.net"],
        failed={"b@example.net": "550 5.1.1 No such user"},
    )
    claim = ledger.claim(DAY, ["a@example.net", "b@example.net"], message_id=MID)
    assert claim.sent == ("a@example.net",) and claim.send == ("b@example.net",)


def test_a_pending_row_blocks_every_send_of_that_date_until_forced(ledger: DeliveryLedger) -> None:
    ledger.claim(DAY, ["a@example.net"], message_id=MID)  # then the process dies
    blocked = ledger.claim(DAY, ["a@example.net", "new@example.net"], message_id=MID)
    assert blocked.send == () and [e.recipient for e in blocked.unknown] == ["a@example.net"]
    assert "new@example.net" not in statuses(ledger)
    forced = ledger.claim(DAY, ["a@example.net"], message_id=MID, force=True)
    assert forced.send == ("a@example.net",)


def test_force_sends_again_to_those_already_sent(ledger: DeliveryLedger) -> None:
    ledger.claim(DAY, ["a@example.net"], message_id=MID)
    ledger.record(DAY, message_id=MID, sent=["a@example.net"])
    assert ledger.claim(DAY, ["a@example.net"], message_id=MID).send == ()
    assert ledger.claim(DAY, ["a@example.net"], message_id=MID, force=True).send == (
        "a@example.net",
    )


def test_dates_are_independent_and_the_ledger_survives_reopening(tmp_path: Path) -> None:
    with DeliveryLedger.in_folder(tmp_path) as first:
        first.claim(DAY, ["a@example.net"], message_id=MID)
        first.record(DAY, message_id=MID, sent=["a@example.net"])
    with DeliveryLedger.in_folder(tmp_path) as again:
        assert statuses(again) == {"a@example.net": SENT}
        assert again.claim(DAY + dt.timedelta(days=1), ["a@example.net"], message_id=MID).send
        assert statuses(again, DAY + dt.timedelta(days=1)) == {"a@example.net": PENDING}


def test_an_unknown_outcome_stays_pending_with_the_reason(ledger: DeliveryLedger) -> None:
    ledger.claim(DAY, ["a@example.net", "b@example.net"], message_id=MID)
    ledger.record(
        DAY,
        message_id=MID,
        failed={"a@example.net": "550 no"},
        unknown={"b@example.net": "connection lost"},
    )
    entries = {e.recipient: e for e in ledger.entries(DAY)}
    assert entries["a@example.net"].status == FAILED and entries["a@example.net"].answer == "550 no"
    assert entries["b@example.net"].status == PENDING
    assert entries["b@example.net"].answer == "connection lost"


def test_the_state_folder_is_beside_out_unless_configured(tmp_path: Path) -> None:
    assert state_dir(tmp_path / "out") == tmp_path / "state"
    assert state_dir(tmp_path / "out", tmp_path / "elsewhere") == tmp_path / "elsewhere"


def test_an_unwritable_state_folder_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(MailError, match=r"delivery ledger"):
        DeliveryLedger.in_folder(blocker / "state")


def _truncated(tmp_path: Path) -> bytes:
    """A real ledger with rows, cut to its first page."""
    with DeliveryLedger.in_folder(tmp_path / "whole") as whole:
        people = [f"reader{n}@example.net" for n in range(300)]
        whole.claim(DAY, people, message_id=MID)
        whole.record(DAY, message_id=MID, sent=people)
    return (tmp_path / "whole" / "deliveries.sqlite3").read_bytes()[:4096]


def _without_table(tmp_path: Path) -> bytes:
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE notes (x TEXT)")
        db.commit()
    return other.read_bytes()


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda tmp: b"", r"the file is empty \(0 bytes\)"),
        (lambda tmp: b"not a database at all\n" * 300, r"file is not a database"),
        (_truncated, r"damaged|malformed"),
        (_without_table, r"it has no 'deliveries' table"),
    ],
    ids=["empty", "garbage", "truncated", "no-table"],
)
def test_an_empty_or_damaged_ledger_is_an_error_that_names_the_file(
    tmp_path: Path, make, why: str
) -> None:
    content = make(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    path = state / "deliveries.sqlite3"
    path.write_bytes(content)
    with pytest.raises(MailError, match=why) as raised:
        DeliveryLedger.in_folder(state)
    message = str(raised.value)
    assert message.startswith(f"{path}: the delivery ledger cannot be used")
    assert "nothing is sent" in message and "\n" not in message
    assert path.read_bytes() == content  # left as it was, for the operator to inspect


def test_a_new_ledger_is_made_whole_with_its_table(tmp_path: Path) -> None:
    with DeliveryLedger.in_folder(tmp_path):
        pass
    with closing(sqlite3.connect(tmp_path / "deliveries.sqlite3")) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "deliveries" in tables
    assert [p.name for p in tmp_path.iterdir()] == ["deliveries.sqlite3"]  # no draft left


def test_recipients_are_keyed_case_insensitively(ledger: DeliveryLedger) -> None:
    ledger.claim(DAY, ["Reader@Example.NET"], message_id=MID)
    ledger.record(DAY, message_id=MID, sent=["Reader@Example.NET"])
    assert statuses(ledger) == {"reader@example.net": SENT}
    claim = ledger.claim(DAY, ["reader@example.net"], message_id=MID)
    assert claim.send == () and claim.sent == ("reader@example.net",)
