"""Hand a message to a mail server, with retries: bytes + envelope → an Outcome per recipient.

A `Transport` makes one attempt and says what became of each recipient (an `Outcome`):
accepted, refused (a 5xx answer, or an address the server cannot take), deferred (a 4xx
answer, or a failure before the message was handed over, that may pass) or unknown (the
whole message was handed over and no final answer came: the server may have taken it).
A failure of the whole attempt before any recipient was decided (no connection, TLS,
login) is raised as a MailError, or a TransientMailError when it may pass.
`SmtpTransport` (in `digest.deliver.smtp`) speaks SMTP; `MemoryTransport` keeps messages in a
list, for tests and for callers that want to see what would be sent.

`deliver` tries again, a bounded number of times with exponential backoff and jitter (the
sleep and the random source are injectable), only the recipients that were deferred. An
unknown outcome is never retried: the caller's ledger keeps it `pending` (at most once).
Every try sends the same bytes, so the same Message-ID.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from digest.errors import MailError, TransientMailError

log = logging.getLogger(__name__)

ATTEMPTS = 4  # one try and three retries
BASE_DELAY = 2.0  # seconds before the first retry; doubled each time
MAX_DELAY = 60.0


@dataclass(frozen=True)
class Outcome:
    """What became of each recipient; the mappings give the server's answer or the reason."""

    accepted: tuple[str, ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    deferred: Mapping[str, str] = field(default_factory=dict)
    unknown: Mapping[str, str] = field(default_factory=dict)

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(
            self.accepted + other.accepted,
            {**self.refused, **other.refused},
            {**self.deferred, **other.deferred},
            {**self.unknown, **other.unknown},
        )

    @classmethod
    def failed(cls, recipients: Iterable[str], error: MailError) -> Outcome:
        """The same verdict for every recipient of an attempt that failed as a whole."""
        reasons = {r: str(error) for r in recipients}
        if error.outcome_unknown:
            return cls(unknown=reasons)
        if isinstance(error, TransientMailError):
            return cls(deferred=reasons)
        return cls(refused=reasons)


class Transport(Protocol):
    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> Outcome:
        """Make one attempt; raise MailError only when it failed before any recipient."""
        ...


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]
    message: bytes


@dataclass
class MemoryTransport:
    """Keeps what it is given. `failures` are raised first, one per call, in order;
    `refuse` answers for a recipient on every attempt (4xx: deferred, else refused)."""

    failures: list[MailError] = field(default_factory=list)
    refuse: Mapping[str, str] = field(default_factory=dict)
    sent: list[Envelope] = field(default_factory=list)

    def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> Outcome:
        if self.failures:
            raise self.failures.pop(0)
        accepted = tuple(r for r in recipients if r not in self.refuse)
        if accepted:
            self.sent.append(Envelope(sender, accepted, message))
        answers = {r: self.refuse[r] for r in recipients if r in self.refuse}
        return Outcome(
            accepted,
            refused={r: a for r, a in answers.items() if not a.startswith("4")},
            deferred={r: a for r, a in answers.items() if a.startswith("4")},
        )


def deliver(
    message: bytes,
    *,
    sender: str,
    recipients: Sequence[str],
    transport: Transport,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> Outcome:
    """Send, retrying the deferred recipients; what is still deferred at the end is refused."""
    if attempts < 1:
        raise MailError("no attempt was made: attempts must be at least 1")
    done = Outcome()
    todo = tuple(recipients)
    for attempt in range(1, attempts + 1):
        try:
            got = transport.send(message, sender=sender, recipients=todo)
        except MailError as exc:
            got = Outcome.failed(todo, exc)
        done += Outcome(got.accepted, got.refused, unknown=got.unknown)
        todo = tuple(got.deferred)
        if not todo:
            return done
        if attempt == attempts:
            last = f"gave up after {attempts} attempts"
            return done + Outcome(refused={r: f"{last}: {a}" for r, a in got.deferred.items()})
        delay = backoff(attempt, jitter)
        log.warning(
            "attempt %d of %d: not accepted yet for %s (%s); retrying in %.1f s",
            attempt,
            attempts,
            ", ".join(todo),
            _reasons(got.deferred),
            delay,
        )
        sleep(delay)
    return done


def backoff(attempt: int, jitter: Callable[[], float] = random.random) -> float:
    """Half the doubled delay fixed, half random, so retrying senders spread out."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
    return ceiling / 2 + jitter() * ceiling / 2


def _reasons(answers: Mapping[str, str]) -> str:
    return "; ".join(dict.fromkeys(answers.values()))
