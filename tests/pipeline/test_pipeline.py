"""`run_once`: one daily run end to end — real inbox files, real feeds over HTTP on 127.0.0.1,
a real SMTP server (aiosmtpd) — and `digest run` killed with SIGKILL at every stage."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from pypdf import PdfReader

from digest.cli import main
from digest.config import SourceSettings
from digest.errors import IngestError, MailError, RunError
from digest.pipeline import ALREADY, RUN_LOCK, Ran, brief_paths, daily, run_once
from digest.state.deliveries import DeliveryLedger
from digest.state.locks import file_lock
from digest.state.run_ledger import FAILED, NOTHING_NEW, PARTIAL, SENT, UNKNOWN, RunLedger
from tests.conftest import ROOT, SEEDS
from tests.deliver.test_mail import part
from tests.servers import (
    ONE_PARAGRAPH,
    Handler,
    Page,
    Server,
    Site,
    article_page,
    as_html,
    atom,
    rss,
    seed_text,
    serve_site,
    serve_smtp,
)

DAY = dt.date(2024, 7, 29)
NEXT = DAY + dt.timedelta(days=1)
SEED_FILES = sorted(SEEDS.iterdir())
OTHER = "other@example.net"


@pytest.fixture()
def smtp(tmp_path: Path) -> Iterator[Server]:
    for server in serve_smtp(tmp_path, Handler()):
        server.env["DIGEST_MAIL_TO"] = f"reader@example.net, {OTHER}"
        yield server


@pytest.fixture()
def site() -> Iterator[Site]:
    with serve_site() as running:
        yield running


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in SEED_FILES[:3]:
        shutil.copy(path, folder / path.name)
    return folder


def run(
    smtp: Server, tmp_path: Path, date: dt.date, sources: SourceSettings, **options: object
) -> Ran:
    return run_once(
        out=tmp_path / "out",
        date=date,
        sources=sources,
        settings=smtp.settings(),
        sleep=lambda seconds: None,
        **options,
    )  # type: ignore[arg-type]


def seed_entry(site: Site) -> dict[str, str]:
    """A feed entry that holds the first seed article's whole text."""
    return {"title": "Austin to convene", "link": site.url("/a"), "content": as_html(seed_text(0))}


def use_server(smtp: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the `digest` command run in this process at the test's SMTP server."""
    for name, value in smtp.env.items():
        monkeypatch.setenv(name, value)


def points(out: Path, date: dt.date) -> list[str]:
    data = json.loads(brief_paths(out, date)["json"].read_text())
    return [p["text"] for p in data["lead"]] + [
        p["text"] for s in data["sections"] for p in s["points"]
    ]


def ledger(smtp: Server) -> RunLedger:
    return RunLedger.in_folder(Path(smtp.env["DIGEST_STATE_DIR"]))


def test_a_daily_run_briefs_sends_records_and_then_does_nothing_for_its_date(
    smtp: Server, tmp_path: Path, inbox: Path
) -> None:
    ran = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert ran.status == SENT and ran.articles == 3 and ran.sent is not None
    assert len(smtp.handler.received) == 1
    assert set(smtp.handler.received[0].recipients) == {"reader@example.net", OTHER}
    with ledger(smtp) as runs:
        record = runs.get(DAY)
        assert record is not None and record.status == SENT
        assert record.message_ids == (ran.sent.message_id,) and len(runs.briefed(DAY)) == 3
        assert set(record.files) == {"pdf", "html", "txt", "json"}
    again = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert again.status == ALREADY and len(smtp.handler.received) == 1
    forced = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox), force=True)
    assert forced.status == SENT and len(smtp.handler.received) == 2


def test_the_next_day_briefs_only_new_articles_and_no_point_already_sent(
    smtp: Server, tmp_path: Path, inbox: Path
) -> None:
    run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    sent = points(tmp_path / "out", DAY)
    repeated = sent[0]
    (inbox / "z_other_outlet.md").write_text(
        f"---\ntitle: Another outlet's take\noutlet: Other Outlet\n---\n{repeated}\n\n"
        + seed_text(3),
        "utf-8",
    )
    shutil.copy(SEED_FILES[4], inbox / SEED_FILES[4].name)
    ran = run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox))
    assert ran.status == SENT and ran.articles == 2 and len(smtp.handler.received) == 2
    today = points(tmp_path / "out", NEXT)
    assert today and not set(today) & set(sent)
    assert repeated not in " ".join(today)
    brief = json.loads(brief_paths(tmp_path / "out", NEXT)["json"].read_text())
    assert {s["title"] for s in brief["sources"]} <= {
        "Another outlet's take",
        *(a.title for a in ran_sources(inbox)),
    }
    assert brief["previous"] == {
        "date": "2024-07-29",
        "html": "brief-2024-07-29.html",
        "pdf": "brief-2024-07-29.pdf",
    }
    email_html = part(smtp.handler.received[1].parsed(), "text/html").get_content()
    assert ("brief-2024-07-29.html", "New since the brief of 29 July 2024") in links(email_html)
    text = brief_paths(tmp_path / "out", NEXT)["txt"].read_text("utf-8")
    assert "New since the brief of 29 July 2024: brief-2024-07-29.html" in text


def test_with_a_base_url_the_emails_link_to_the_previous_brief_is_absolute(
    smtp: Server, tmp_path: Path, inbox: Path
) -> None:
    base = "https://news.example.org/briefs/"
    run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox), base_url=base)
    shutil.copy(SEED_FILES[4], inbox / SEED_FILES[4].name)
    ran = run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox), base_url=base)
    assert ran.status == SENT
    email_html = part(smtp.handler.received[1].parsed(), "text/html").get_content()
    previous = f"{base}brief-2024-07-29.html"
    assert (previous, "New since the brief of 29 July 2024") in links(email_html)
    assert not [href for href, _ in links(email_html) if href.startswith("brief-")]
    pdf = PdfReader(brief_paths(tmp_path / "out", NEXT)["pdf"])
    uris = [
        a.get_object()["/A"].get("/URI")
        for page in pdf.pages
        for a in page.get("/Annots", [])
        if "/A" in a.get_object()
    ]
    assert f"{base}brief-2024-07-29.pdf" in uris
    feed = feedparser.parse((tmp_path / "out" / "feed.xml").read_bytes())
    assert [e.link for e in feed.entries] == [
        f"{base}brief-2024-07-30.html",
        f"{base}brief-2024-07-29.html",
    ]


def links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every <a> in `html`."""
    found: list[tuple[str, str]] = []

    class Links(HTMLParser):
        href: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.href, self.text = dict(attrs).get("href") or "", ""

        def handle_data(self, data: str) -> None:
            if self.href is not None:
                self.text += data

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self.href is not None:
                found.append((self.href, " ".join(self.text.split())))
                self.href = None

    Links().feed(html)
    return found


def ran_sources(inbox: Path):
    from digest.read.ingest import read_folder

    return read_folder(inbox).articles


def test_a_day_with_nothing_new_sends_no_email_and_records_it(
    smtp: Server, tmp_path: Path, inbox: Path
) -> None:
    run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    ran = run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox))
    assert ran.status == NOTHING_NEW and "not briefed before" in ran.note
    assert len(smtp.handler.received) == 1
    assert not brief_paths(tmp_path / "out", NEXT)["pdf"].exists()
    with ledger(smtp) as runs:
        assert runs.get(NEXT).status == NOTHING_NEW  # type: ignore[union-attr]
    assert run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox)).status == ALREADY


def test_new_articles_that_only_repeat_sent_points_are_nothing_new(
    smtp: Server, tmp_path: Path, inbox: Path
) -> None:
    run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    sent = points(tmp_path / "out", DAY)
    (inbox / "z_rewrite.txt").write_text("\n".join(sent[:4]), "utf-8")
    ran = run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox))
    assert ran.status == NOTHING_NEW and "1 new article(s)" in ran.note
    assert len(smtp.handler.received) == 1


def test_feeds_and_inbox_together_with_a_broken_feed_skipped_by_url(
    smtp: Server, tmp_path: Path, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    site.pages["/rss"] = Page(
        rss(
            "Example News",
            [
                {
                    "title": "Austin to convene trilateral",
                    "link": site.url("/a"),
                    "content": as_html(seed_text(0)),
                },
            ],
        ),
        "application/rss+xml",
        etag='"r1"',
    )
    site.pages["/story"] = Page(article_page("US to upgrade Japan command", seed_text(1)))
    site.pages["/atom"] = Page(
        atom(
            "Wire",
            [
                {
                    "title": "US to upgrade Japan command",
                    "link": site.url("/story"),
                    "summary": "Teaser.",
                },
            ],
        ),
        "application/atom+xml",
        etag='"a1"',
    )
    site.pages["/down"] = Page(b"", status=503)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED_FILES[2], inbox / SEED_FILES[2].name)
    sources = SourceSettings(
        inbox=inbox,
        feeds=tuple(site.url(p) for p in ("/rss", "/atom", "/down")),
        allow_private=True,
    )
    ran = run(smtp, tmp_path, DAY, sources)
    assert ran.status == SENT and ran.articles == 3 and len(smtp.handler.received) == 1
    brief = json.loads(brief_paths(tmp_path / "out", DAY)["json"].read_text())
    assert site.url("/down") in {s["name"] for s in brief["skipped"]}
    assert any(site.url("/down") in r.getMessage() for r in caplog.records)
    assert {site.url("/a"), site.url("/story")} <= {s.get("url") for s in brief["sources"]}
    ran = run(smtp, tmp_path, NEXT, sources)
    assert ran.status == NOTHING_NEW and len(smtp.handler.received) == 1
    assert site.hits("/story") == 1  # briefed yesterday: its page is not fetched again
    # The second day's requests for each feed carry the validator its first answer gave.
    second_day = site.requests[-3:]
    asked = {path: headers.get("If-None-Match") for path, headers in second_day}
    assert asked == {"/rss": '"r1"', "/atom": '"a1"', "/down": None}


@pytest.mark.expect_warnings  # the feeds skipped by URL
def test_a_run_whose_every_feed_is_down_fails_and_the_next_run_briefs_the_day(
    smtp: Server, tmp_path: Path, site: Site
) -> None:
    # An outage at the run's hour is not "nothing new": recorded as such, the day would
    # be lost, since a run does not redo a date that is done.
    site.pages["/down"] = Page(b"", status=503)
    sources = SourceSettings(
        feeds=(site.url("/down"), "http://127.0.0.1:1/refused"), allow_private=True
    )
    with pytest.raises(IngestError, match=r"no feed could be read: .*/down.*1 more feed"):
        run(smtp, tmp_path, DAY, sources)
    with ledger(smtp) as runs:
        assert runs.get(DAY).status == FAILED  # type: ignore[union-attr]
    assert smtp.handler.received == []
    site.pages["/down"] = Page(rss("Example News", [seed_entry(site)]), "application/rss+xml")
    ran = run(smtp, tmp_path, DAY, sources)
    assert ran.status == SENT and ran.articles == 1 and len(smtp.handler.received) == 1


@pytest.mark.expect_warnings  # the feed and the entry skipped by URL
def test_a_feed_read_is_not_taken_for_a_feed_down_when_an_entry_fails_under_its_address(
    smtp: Server, tmp_path: Path, site: Site
) -> None:
    # A review found the outage test counting skipped entries named like a feed: here
    # the feed read holds a teaser entry linking to the feed's own address.
    site.pages["/down"] = Page(b"", status=503)
    entries = [
        seed_entry(site),
        {"title": "Back to the feed", "link": site.url("/rss"), "summary": "Teaser."},
    ]
    site.pages["/rss"] = Page(rss("Example News", entries), "application/rss+xml")
    sources = SourceSettings(feeds=(site.url("/down"), site.url("/rss")), allow_private=True)
    ran = run(smtp, tmp_path, DAY, sources)
    assert ran.status == SENT and ran.articles == 1
    brief = json.loads(brief_paths(tmp_path / "out", DAY)["json"].read_text())
    assert {site.url("/down"), site.url("/rss")} <= {s["name"] for s in brief["skipped"]}


def test_a_run_is_refused_while_another_holds_the_lock(
    smtp: Server, tmp_path: Path, inbox: Path
) -> None:
    with (
        file_lock(Path(smtp.env["DIGEST_STATE_DIR"]) / RUN_LOCK, what="a digest run"),
        pytest.raises(RunError, match="already working"),
    ):
        run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert smtp.handler.received == []


def brief_over_the_run(tmp_path: Path) -> None:
    """What a user's own `digest brief` of another article does to the run's files:
    writes its brief into the same folder, for the same date."""
    other = tmp_path / "other"
    other.mkdir(exist_ok=True)
    shutil.copy(SEED_FILES[4], other / SEED_FILES[4].name)
    argv = ["brief", "--input", str(other), "--out", str(tmp_path / "out")]
    assert main([*argv, "--date", DAY.isoformat(), "-q"]) == 0


def refused_once(smtp: Server, tmp_path: Path, inbox: Path, answer: str) -> None:
    """A run of DAY whose send the server refuses with `answer`; the server then accepts."""
    smtp.handler.always = answer
    with pytest.raises(MailError, match=answer.split()[0]):
        run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    smtp.handler.always = None


def test_a_refused_send_is_recorded_and_the_next_run_sends_the_brief_already_built(
    smtp: Server, tmp_path: Path, inbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refused_once(smtp, tmp_path, inbox, "550 5.7.1 relaying denied")
    with ledger(smtp) as runs:
        record = runs.get(DAY)
        assert record is not None and record.status == FAILED and "550" in record.error
    caplog.set_level("INFO", logger="digest")
    ran = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert ran.status == SENT and len(smtp.handler.received) == 1
    assert "resuming; the brief was built by an earlier attempt" in caplog.text


@pytest.mark.expect_warnings  # the run says it builds the brief again
def test_a_run_never_sends_a_brief_written_over_its_own_and_builds_its_own_again(
    smtp: Server, tmp_path: Path, inbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A hostile-user report: the send failed, `digest brief` then wrote another day's
    # articles into the same folder under the same date, and the next run mailed those
    # while recording the run's own articles as sent.
    refused_once(smtp, tmp_path, inbox, "451 4.3.0 try again later")
    brief_over_the_run(tmp_path)
    ran = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert ran.status == SENT and ran.articles == 3 and len(smtp.handler.received) == 1
    assert "is no longer the brief an earlier attempt built" in caplog.text
    brief = json.loads(brief_paths(tmp_path / "out", DAY)["json"].read_text())
    assert brief["articles_read"] == 3  # the run's own three seeds, not the other one


def test_a_brief_written_over_a_runs_own_before_it_is_sent_is_not_sent(
    smtp: Server, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same while the run is under way: `digest brief` writes between its build and
    # its send (the run's own send, wrapped only to let the other brief in first).
    real_send = daily.send_brief

    def after_another_brief(**options: object) -> object:
        brief_over_the_run(tmp_path)
        return real_send(**options)  # type: ignore[arg-type]

    monkeypatch.setattr(daily, "send_brief", after_another_brief)
    with pytest.raises(MailError, match="is no longer the brief `digest run` built"):
        run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert smtp.handler.received == []
    with ledger(smtp) as runs:
        assert runs.get(DAY).status == FAILED  # type: ignore[union-attr]


@pytest.mark.expect_warnings  # the refused first send's retries
def test_digest_send_refuses_files_written_over_the_runs_brief_unless_forced(
    smtp: Server,
    tmp_path: Path,
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A review: after a run that could not send, another `digest brief` and a
    # `digest send` mailed that other brief, and the run then recorded its own
    # articles as sent.
    refused_once(smtp, tmp_path, inbox, "451 4.3.0 try again later")
    brief_over_the_run(tmp_path)
    use_server(smtp, monkeypatch)
    send = ["send", "--out", str(tmp_path / "out"), "--date", DAY.isoformat()]
    capsys.readouterr()
    assert main(send) == 1
    assert "no longer the brief `digest run` built" in capsys.readouterr().err
    assert smtp.handler.received == []
    assert main([*send, "--force"]) == 0  # the user's choice
    assert len(smtp.handler.received) == 1


def test_a_date_sent_by_hand_first_is_not_recorded_as_the_runs_brief(
    smtp: Server, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `digest brief` and `digest send` of another article for the date, then the daily
    # run: everyone has an email of the date, but not the run's articles, which go to
    # the next date's brief instead of being recorded as sent.
    brief_over_the_run(tmp_path)
    use_server(smtp, monkeypatch)
    assert main(["send", "--out", str(tmp_path / "out"), "--date", DAY.isoformat()]) == 0
    ran = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert ran.status == NOTHING_NEW and "went out before with another brief" in ran.note
    assert len(smtp.handler.received) == 1
    after = run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox))
    assert after.status == SENT and after.articles == 3 and len(smtp.handler.received) == 2


@pytest.mark.expect_warnings  # the refused first send's retries
def test_a_runs_brief_sent_by_hand_to_one_recipient_at_a_time_is_still_the_runs(
    smtp: Server, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A review: each of those sends has its own Message-ID (it hashes the recipients),
    # and the run took them for another brief: recorded nothing new, its articles were
    # briefed again the next date.
    refused_once(smtp, tmp_path, inbox, "451 4.3.0 try again later")
    use_server(smtp, monkeypatch)
    send = ["send", "--out", str(tmp_path / "out"), "--date", DAY.isoformat()]
    assert main([*send, "--to", "reader@example.net"]) == 0
    assert main([*send, "--to", OTHER]) == 0
    ran = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert ran.status == SENT and len(smtp.handler.received) == 2
    assert run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox)).status == NOTHING_NEW


def test_files_written_over_a_partly_delivered_brief_reach_none_of_the_others(
    smtp: Server,
    tmp_path: Path,
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    smtp.handler.refuse = {OTHER: "550 5.1.1 No such user"}
    with pytest.raises(MailError, match="550"):
        run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    smtp.handler.refuse = {}
    brief_over_the_run(tmp_path)
    use_server(smtp, monkeypatch)
    capsys.readouterr()
    assert main(["send", "--out", str(tmp_path / "out"), "--date", DAY.isoformat()]) == 1
    err = capsys.readouterr().err
    assert "after it reached 1 recipient(s); nothing was sent to the 1 others" in err
    assert [r.recipients for r in smtp.handler.received] == [("reader@example.net",)]
    # and a later run of the date does not advise the `digest send` that refuses them
    assert run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox)).status == ALREADY
    assert (
        main(
            [
                "run",
                "--input",
                str(inbox),
                "--out",
                str(tmp_path / "out"),
                "--date",
                DAY.isoformat(),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert f"`digest run --date {DAY.isoformat()} --force` briefs the date anew" in err
    assert "`digest send --date" not in err


@pytest.mark.slow
@pytest.mark.parametrize("replaced", [False, True])
def test_a_run_that_finds_a_send_that_never_finished_is_recorded_unknown(
    smtp: Server, tmp_path: Path, site: Site, inbox: Path, replaced: bool
) -> None:
    # A review: it was recorded failed, which left its articles to the next date's
    # brief though the email may have reached everyone; with its files replaced too, it
    # said it would build the brief again, and was recorded failed on every retry.
    killed_at(tmp_path, smtp, site, "sending")
    with DeliveryLedger.in_folder(Path(smtp.env["DIGEST_STATE_DIR"])) as deliveries:
        assert {e.status for e in deliveries.entries(DAY)} == {"pending"}
    if replaced:
        brief_over_the_run(tmp_path)
    code, err = digest_run(tmp_path, smtp, site)
    assert code == 1 and "--force" in err and "builds it again" not in err
    with ledger(smtp) as runs:
        assert runs.get(DAY).status == UNKNOWN  # type: ignore[union-attr]
    assert smtp.handler.received == []


def test_a_partly_refused_brief_is_partial_briefed_and_never_resent_by_run(
    smtp: Server,
    tmp_path: Path,
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    smtp.handler.refuse = {OTHER: "550 5.1.1 No such user"}
    use_server(smtp, monkeypatch)
    out = str(tmp_path / "out")
    args = ["run", "--input", str(inbox), "--out", out, "--date", DAY.isoformat()]
    assert main(args) == 1  # cron and systemd notice
    err = capsys.readouterr().err
    assert f"refused for {OTHER} (550 5.1.1 No such user)" in err
    assert [r.recipients for r in smtp.handler.received] == [("reader@example.net",)]
    with ledger(smtp) as runs:
        record = runs.get(DAY)
        assert record is not None and record.status == PARTIAL and record.message_ids
    assert main(args) == 0  # a later run of the date sends nothing again
    err = capsys.readouterr().err
    assert f"1 recipient(s) refused it ({OTHER}); `digest send --date 2024-07-29`" in err
    assert len(smtp.handler.received) == 1
    assert run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox)).status == NOTHING_NEW
    smtp.handler.refuse = {}
    assert main(["send", "--out", out, "--date", DAY.isoformat()]) == 0
    assert [r.recipients for r in smtp.handler.received] == [("reader@example.net",), (OTHER,)]
    capsys.readouterr()
    assert main(args) == 0
    assert "every recipient has it now" in capsys.readouterr().err
    assert len(smtp.handler.received) == 2


def test_a_brief_whose_outcome_is_unknown_is_recorded_unknown_and_never_resent_by_run(
    smtp: Server,
    tmp_path: Path,
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The server takes the whole message and never answers: it may have arrived. The run
    says so (exit 1), records `unknown`, and a later run of the date sends nothing; its
    articles count as briefed, as a sent brief's do."""
    smtp.handler.lose_reply = 99
    use_server(smtp, monkeypatch)
    out = str(tmp_path / "out")
    args = ["run", "--input", str(inbox), "--out", out, "--date", DAY.isoformat()]
    assert main(args) == 1
    assert "may have been delivered" in capsys.readouterr().err
    assert len(smtp.handler.received) == 0  # the test server keeps nothing it did not answer
    with ledger(smtp) as runs:
        record = runs.get(DAY)
        assert record is not None and record.status == "unknown"
        assert len(runs.briefed(DAY)) == 3
    smtp.handler.lose_reply = 0
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "may have arrived; check a mailbox, then `digest send --date 2024-07-29 --force`" in err
    assert len(smtp.handler.received) == 0
    assert run(smtp, tmp_path, NEXT, SourceSettings(inbox=inbox)).status == NOTHING_NEW
    assert main(["send", "--out", out, "--date", DAY.isoformat(), "--force"]) == 0
    assert len(smtp.handler.received) == 1


def test_bad_links_in_a_feed_are_skipped_by_url_and_the_brief_is_sent(
    smtp: Server, tmp_path: Path, site: Site
) -> None:
    site.pages["/caf%C3%A9"] = Page(article_page("Japan and US upgrade ties", seed_text(1)))
    site.pages["/moved"] = Page(status=302, location="http://[::1/x")
    bad_host = "http://a..b.example/"
    items = [
        {"title": "Austin", "link": site.url("/a"), "content": as_html(seed_text(0))},
        {"title": "Ties", "link": site.url("/café"), "summary": "Teaser."},
        {"title": "Bad host", "link": bad_host, "summary": "Teaser."},
        {"title": "Moved", "link": site.url("/moved"), "summary": "Teaser."},
    ]
    site.pages["/rss"] = Page(rss("Example News", items), "application/rss+xml")
    (tmp_path / "inbox").mkdir()
    config = tmp_path / "digest.toml"
    config.write_text("[sources]\nallow_private = true  # the pages are on loopback\n")
    code, err = digest_run(tmp_path, smtp, site, "--config", str(config))
    assert code == 0 and "Traceback" not in err, err
    assert len(smtp.handler.received) == 1 and site.hits("/caf%C3%A9") == 1
    assert f"skipped {bad_host}: " in err and f"skipped {site.url('/moved')}: " in err
    brief = json.loads(brief_paths(tmp_path / "out", DAY)["json"].read_text())
    assert {s["name"] for s in brief["skipped"]} == {bad_host, site.url("/moved")}
    assert {site.url("/a"), site.url("/café")} <= {s.get("url") for s in brief["sources"]}


# --- kill -9 at every stage ------------------------------------------------------------------

STAGES = ["fetching", "summarizing", "rendering", "writing", "sending", "sent"]


def start_run(
    tmp_path: Path, smtp: Server, site: Site, *extra: str, pause: str | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, **smtp.env}
    env.pop("DIGEST_TEST_PAUSE_AT", None)
    if pause:
        env["DIGEST_TEST_PAUSE_AT"] = pause
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "digest",
            "run",
            "--input",
            str(tmp_path / "inbox"),
            "--feed",
            site.url("/rss"),
            "--out",
            str(tmp_path / "out"),
            "--date",
            DAY.isoformat(),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def digest_run(tmp_path: Path, smtp: Server, site: Site, *extra: str) -> tuple[int, str]:
    process = start_run(tmp_path, smtp, site, *extra)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


def paused_run(tmp_path: Path, smtp: Server, site: Site, stage: str) -> subprocess.Popen[str]:
    """A `digest run` waiting at `stage` (DIGEST_TEST_PAUSE_AT) to be signalled."""
    process = start_run(tmp_path, smtp, site, pause=stage)
    flag = Path(smtp.env["DIGEST_STATE_DIR"]) / f"paused-at-{stage}"
    deadline = time.monotonic() + 90
    while not flag.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, f"never reached {stage}"
        time.sleep(0.05)
    return process


def killed_at(tmp_path: Path, smtp: Server, site: Site, stage: str) -> None:
    """A `digest run` of DAY (the inbox, an empty feed) killed with SIGKILL at `stage`."""
    site.pages["/rss"] = Page(rss("Example News", []), "application/rss+xml")
    killed = paused_run(tmp_path, smtp, site, stage)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)


def per_recipient(smtp: Server) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in smtp.handler.received:
        for recipient in message.recipients:
            counts[recipient] = counts.get(recipient, 0) + 1
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_any_stage_then_rerun_gives_one_brief_and_at_most_one_email(
    smtp: Server, tmp_path: Path, site: Site, inbox: Path, stage: str
) -> None:
    site.pages["/rss"] = Page(
        rss(
            "Example News",
            [
                {
                    "title": "Japan upgrade",
                    "link": site.url("/a"),
                    "content": as_html(seed_text(3)),
                },
            ],
        ),
        "application/rss+xml",
        etag='"r1"',
    )
    killed = paused_run(tmp_path, smtp, site, stage)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    code, err = digest_run(tmp_path, smtp, site)
    files = brief_paths(tmp_path / "out", DAY)
    assert all(path.is_file() for path in files.values())
    assert len(PdfReader(files["pdf"]).pages) >= 1
    assert json.loads(files["json"].read_text())["date"] == DAY.isoformat()
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    assert max(per_recipient(smtp).values(), default=0) <= 1
    if stage == "sending":
        # handed to SMTP or not? The ledger cannot know: nothing is sent without --force
        assert code == 1 and "--force" in err
        assert smtp.handler.received == []
        assert digest_run(tmp_path, smtp, site, "--force")[0] == 0
    else:
        assert code == 0, err
    assert per_recipient(smtp) == {"reader@example.net": 1, OTHER: 1}
    with ledger(smtp) as runs:
        assert runs.get(DAY).status == SENT  # type: ignore[union-attr]


def test_sigterm_while_the_files_are_written_leaves_no_temporary_file(
    smtp: Server, tmp_path: Path, site: Site, inbox: Path
) -> None:
    # `kill PID` (a supervisor's stop) ends the command as Ctrl-C does: one line, exit
    # 143, and the file written under a temporary name so far removed (a hostile-user
    # report: a .tmp file was left in --out).
    site.pages["/rss"] = Page(rss("Example News", []), "application/rss+xml")
    stopped = paused_run(tmp_path, smtp, site, "writing")
    assert [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    stopped.send_signal(signal.SIGTERM)
    _, err = stopped.communicate(timeout=30)
    assert stopped.returncode == 143, err
    assert err.splitlines()[-1] == "digest: terminated"
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_a_brief_killed_after_it_went_out_is_never_built_again_though_its_files_were_replaced(
    smtp: Server, tmp_path: Path, site: Site, inbox: Path
) -> None:
    # A review found that a run resumed after its email went out, whose files another
    # `digest brief` had replaced, built again from a new article and recorded it as sent.
    killed_at(tmp_path, smtp, site, "sent")
    assert per_recipient(smtp) == {"reader@example.net": 1, OTHER: 1}
    brief_over_the_run(tmp_path)
    shutil.copy(SEED_FILES[3], inbox / SEED_FILES[3].name)  # news since: not in that brief
    code, err = digest_run(tmp_path, smtp, site)
    assert code == 0, err
    assert per_recipient(smtp) == {"reader@example.net": 1, OTHER: 1}
    with ledger(smtp) as runs:
        record = runs.get(DAY)
        assert record is not None and record.status == SENT and record.articles == 3
        assert len(runs.briefed(DAY)) == 3


def test_a_run_recorded_before_fingerprints_resumes_as_it_did(
    smtp: Server, tmp_path: Path, inbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A run ledger written by an earlier digest holds no fingerprint: its runs resume
    # from the files they built, as they did then, rather than being built again.
    refused_once(smtp, tmp_path, inbox, "451 4.3.0 try again later")
    with closing(sqlite3.connect(Path(smtp.env["DIGEST_STATE_DIR"]) / "runs.sqlite3")) as db:
        db.execute("DROP TABLE editions")
    caplog.set_level("INFO", logger="digest")
    ran = run(smtp, tmp_path, DAY, SourceSettings(inbox=inbox))
    assert ran.status == SENT and len(smtp.handler.received) == 1
    assert "resuming; the brief was built by an earlier attempt" in caplog.text
    assert "no longer the brief" not in caplog.text


def test_digest_run_takes_its_profile_title_and_length_from_the_brief_table(
    smtp: Server, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_server(smtp, monkeypatch)
    config = tmp_path / "etc" / "digest.toml"
    config.parent.mkdir()
    config.write_text(
        f'[sources]\ninbox = "{inbox}"\n[brief]\ntitle = "Morning Brief"\nlength = 3\n'
    )
    out = tmp_path / "out"
    assert (
        main(["-q", "run", "--config", str(config), "--out", str(out), "--date", "2024-07-29"]) == 0
    )
    data = json.loads(brief_paths(out, DAY)["json"].read_text())
    assert data["title"] == "Morning Brief"
    assert sum(len(s["points"]) for s in data["sections"]) == 3
    [message] = smtp.handler.received
    assert message.parsed()["Subject"] == "Morning Brief — Monday, 29 July 2024"


@pytest.mark.parametrize(
    ("options", "title"), [([], "Daily Brief"), (["--profile", "seeds"], "US–Japan Alliance Brief")]
)
def test_digest_run_gets_the_generic_profile_unless_one_is_named(
    smtp: Server,
    tmp_path: Path,
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    title: str,
) -> None:
    use_server(smtp, monkeypatch)
    out = tmp_path / "out"
    args = ["-q", "run", "--input", str(inbox), "--out", str(out), "--date", "2024-07-29"]
    assert main([*args, *options]) == 0
    [message] = smtp.handler.received
    assert message.parsed()["Subject"] == f"{title} — Monday, 29 July 2024"


def test_a_run_shows_the_libraries_log_lines_only_with_verbose(
    smtp: Server, tmp_path: Path, site: Site
) -> None:
    """trafilatura logs "parsed tree length: 0" as an error where it finds no article in
    an entry's text, which digest then reads another way: not the user's concern."""
    (tmp_path / "inbox").mkdir()
    items = [{"title": "Council budget", "link": site.url("/b"), "summary": ONE_PARAGRAPH}]
    site.pages["/rss"] = Page(rss("Wire", items), "application/rss+xml")
    code, err = digest_run(tmp_path, smtp, site)
    assert code == 0, err
    assert len(smtp.handler.received) == 1
    assert "parsed tree length" not in err
    assert all(line.startswith("digest: ") for line in err.splitlines()), err
    code, err = digest_run(tmp_path, smtp, site, "--force", "-v")
    assert code == 0, err
    assert "parsed tree length" in err  # what the filter keeps from the plain run
