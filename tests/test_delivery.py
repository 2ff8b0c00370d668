"""Retries with the in-memory transport, and the SMTP transport's timeout on a silent socket.

Deliveries to a real SMTP server are in test_mail.py.
"""

from __future__ import annotations

import socket

import pytest

from digest.delivery import MemoryTransport, SmtpTransport, backoff, deliver
from digest.errors import MailError, TransientMailError


def test_transient_failures_are_retried_a_bounded_number_of_times() -> None:
    transport = MemoryTransport(failures=[TransientMailError("451 4.3.0 busy")] * 5)
    sleeps: list[float] = []
    with pytest.raises(MailError, match=r"gave up after 4 attempts: 451 4.3.0 busy") as raised:
        deliver(
            b"x",
            sender="a@example.org",
            recipients=["b@example.org"],
            transport=transport,
            sleep=sleeps.append,
            jitter=lambda: 1.0,
        )
    assert sleeps == [2.0, 4.0, 8.0] and not transport.sent
    assert not raised.value.outcome_unknown


def test_a_permanent_failure_is_raised_at_once() -> None:
    transport = MemoryTransport(failures=[MailError("550 5.7.1 no"), TransientMailError("x")])
    sleeps: list[float] = []
    with pytest.raises(MailError, match=r"550 5.7.1 no"):
        deliver(
            b"x",
            sender="a@example.org",
            recipients=["b@example.org"],
            transport=transport,
            sleep=sleeps.append,
        )
    assert sleeps == []


def test_a_retry_that_succeeds_delivers_once_and_reports_refusals() -> None:
    transport = MemoryTransport(
        failures=[TransientMailError("timed out")], refuse={"gone@example.org": "550 5.1.1 unknown"}
    )
    refused = deliver(
        b"x",
        sender="a@example.org",
        recipients=["b@example.org", "gone@example.org"],
        transport=transport,
        sleep=lambda _: None,
    )
    assert refused == {"gone@example.org": "550 5.1.1 unknown"}
    assert [e.recipients for e in transport.sent] == [("b@example.org",)]


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert [backoff(n, lambda: 0.0) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert [backoff(n, lambda: 1.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff(20, lambda: 1.0) == 60.0


def test_a_server_that_never_greets_times_out_as_a_transient_error() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        transport = SmtpTransport(
            host="127.0.0.1", port=silent.getsockname()[1], security="none", timeout=0.3
        )
        with pytest.raises(TransientMailError, match=r"timed out"):
            transport.send(
                b"Subject: x\r\n\r\nx\r\n", sender="a@example.org", recipients=["b@example.org"]
            )
