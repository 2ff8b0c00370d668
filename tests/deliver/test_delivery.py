"""`deliver`: which recipients are retried, with the in-memory transport.

Deliveries over SMTP are in test_mail.py (aiosmtpd) and test_smtp.py (misbehaving servers).
"""

from __future__ import annotations

import pytest

from digest.deliver.delivery import MemoryTransport, Outcome, backoff, deliver
from digest.errors import MailError, TransientMailError

SENDER = "a@example.org"


def test_transient_failures_are_retried_a_bounded_number_of_times() -> None:
    transport = MemoryTransport(failures=[TransientMailError("451 4.3.0 busy")] * 5)
    sleeps: list[float] = []
    outcome = deliver(
        b"x",
        sender=SENDER,
        recipients=["b@example.org"],
        transport=transport,
        sleep=sleeps.append,
        jitter=lambda: 1.0,
    )
    assert sleeps == [2.0, 4.0, 8.0] and not transport.sent
    assert outcome == Outcome(refused={"b@example.org": "gave up after 4 attempts: 451 4.3.0 busy"})


def test_a_permanent_failure_is_not_retried() -> None:
    transport = MemoryTransport(failures=[MailError("550 5.7.1 no"), TransientMailError("x")])
    sleeps: list[float] = []
    outcome = deliver(
        b"x",
        sender=SENDER,
        recipients=["b@example.org"],
        transport=transport,
        sleep=sleeps.append,
    )
    assert sleeps == [] and outcome.refused == {"b@example.org": "550 5.7.1 no"}


def test_an_unknown_outcome_is_never_retried() -> None:
    lost = TransientMailError("no answer after the message", outcome_unknown=True)
    transport = MemoryTransport(failures=[lost])
    sleeps: list[float] = []
    outcome = deliver(
        b"x", sender=SENDER, recipients=["b@example.org"], transport=transport, sleep=sleeps.append
    )
    assert sleeps == [] and not transport.sent
    assert outcome == Outcome(unknown={"b@example.org": "no answer after the message"})


def test_only_the_deferred_recipients_are_tried_again() -> None:
    transport = MemoryTransport(
        failures=[TransientMailError("timed out")],
        refuse={"gone@example.org": "550 5.1.1 unknown", "busy@example.org": "450 4.2.1 busy"},
    )
    outcome = deliver(
        b"x",
        sender=SENDER,
        recipients=["b@example.org", "gone@example.org", "busy@example.org"],
        transport=transport,
        sleep=lambda _: None,
    )
    assert outcome.accepted == ("b@example.org",)
    assert outcome.refused == {
        "gone@example.org": "550 5.1.1 unknown",
        "busy@example.org": "gave up after 4 attempts: 450 4.2.1 busy",
    }
    # the first try failed as a whole; b@ was then sent once, busy@ tried three times more
    assert [e.recipients for e in transport.sent] == [("b@example.org",)]


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert [backoff(n, lambda: 0.0) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert [backoff(n, lambda: 1.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff(20, lambda: 1.0) == 60.0


def test_at_least_one_attempt() -> None:
    with pytest.raises(MailError, match="at least 1"):
        deliver(
            b"x",
            sender=SENDER,
            recipients=["b@example.org"],
            transport=MemoryTransport(),
            attempts=0,
        )
