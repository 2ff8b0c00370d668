"""The run ledger on a real SQLite file: statuses, what other dates' sent briefs carried."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digest.errors import RunError
from digest.models import Article
from digest.state.run_ledger import (
    BUILT,
    FAILED,
    GATHERING,
    NOTHING_NEW,
    PARTIAL,
    RUNNING,
    SENT,
    RunLedger,
    Seen,
)

DAY = dt.date(2024, 7, 29)
NEXT = DAY + dt.timedelta(days=1)


def article(n: int, url: str | None = None):
    return Article(index=n, title=f"A{n}", paragraphs=("text",), url=url, content_hash=f"h{n}")


def brief(ledger: RunLedger, date: dt.date, *numbers: int, status: str = SENT) -> None:
    ledger.start(date)
    ledger.built(
        date,
        articles=[article(n, f"https://example.org/{n}") for n in numbers],
        points=[f"Point {n} of {date}." for n in numbers],
        files={"pdf": Path(f"brief-{date}.pdf")},
        fingerprint=f"fp-{date}",
    )
    ledger.finish(date, status, message_ids=["<m@example.org>"])


def test_a_run_goes_from_gathering_to_sent_with_its_files_and_message_id(tmp_path: Path) -> None:
    with RunLedger.in_folder(tmp_path) as ledger:
        assert ledger.get(DAY) is None
        ledger.start(DAY)
        assert (ledger.get(DAY).status, ledger.get(DAY).stage) == (RUNNING, GATHERING)  # type: ignore[union-attr]
        brief(ledger, DAY, 1, 2)
        run = ledger.get(DAY)
        assert run is not None and run.status == SENT and run.stage == BUILT
        assert run.articles == 2 and run.files == {"pdf": Path(f"brief-{DAY}.pdf")}
        assert run.message_ids == ("<m@example.org>",) and run.attempts == 2
        assert [title for _, _, title in ledger.briefed(DAY)] == ["A1", "A2"]


def test_seen_and_points_come_from_other_dates_sent_briefs_only(tmp_path: Path) -> None:
    with RunLedger.in_folder(tmp_path) as ledger:
        brief(ledger, DAY, 1, 2)
        brief(ledger, NEXT, 3)
        ledger.fail(NEXT, "550 refused")
        assert ledger.seen(besides=NEXT) == Seen(
            frozenset({"h1", "h2"}), frozenset({"https://example.org/1", "https://example.org/2"})
        )
        assert ledger.seen(besides=DAY) == Seen()  # NEXT failed: it was never sent
        assert ledger.sent_points(besides=NEXT, since=DAY) == (
            f"Point 1 of {DAY}.",
            f"Point 2 of {DAY}.",
        )
        assert ledger.sent_points(besides=NEXT, since=NEXT) == ()
        assert ledger.last_sent(before=NEXT + dt.timedelta(days=5)).date == DAY  # type: ignore[union-attr]
        assert ledger.get(NEXT).status == FAILED and ledger.get(NEXT).error == "550 refused"  # type: ignore[union-attr]


def test_starting_a_date_again_forgets_what_its_earlier_attempt_built(tmp_path: Path) -> None:
    with RunLedger.in_folder(tmp_path) as ledger:
        brief(ledger, DAY, 1)
        ledger.start(DAY)
        assert ledger.briefed(DAY) == () and ledger.get(DAY).files == {}  # type: ignore[union-attr]
        ledger.finish(DAY, NOTHING_NEW, note="no new article")
        assert ledger.get(DAY).note == "no new article"  # type: ignore[union-attr]
        assert [r.date for r in ledger.history()] == [DAY]


def test_the_ledger_survives_reopening(tmp_path: Path) -> None:
    with RunLedger.in_folder(tmp_path) as ledger:
        brief(ledger, DAY, 1)
    with RunLedger.in_folder(tmp_path) as ledger:
        assert ledger.get(DAY).status == SENT  # type: ignore[union-attr]


def test_an_empty_run_ledger_is_an_error_that_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "runs.sqlite3").write_bytes(b"")
    with pytest.raises(RunError, match=r"runs\.sqlite3: the run ledger cannot be used .*0 bytes"):
        RunLedger.in_folder(tmp_path)


def test_a_partial_brief_counts_as_briefed_for_the_next_day(tmp_path: Path) -> None:
    with RunLedger.in_folder(tmp_path) as ledger:
        brief(ledger, DAY, 1, 2, status=PARTIAL)
        assert ledger.seen(besides=NEXT).hashes == frozenset({"h1", "h2"})
        assert ledger.sent_points(besides=NEXT, since=DAY) == (
            f"Point 1 of {DAY}.",
            f"Point 2 of {DAY}.",
        )
        assert ledger.last_sent(before=NEXT).date == DAY  # type: ignore[union-attr]
