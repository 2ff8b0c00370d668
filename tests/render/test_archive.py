"""The archive of briefs: out/index.html and out/feed.xml (Atom), rebuilt from the JSON
editions after each brief and by `digest archive`; parsed here with html.parser and
feedparser, as a browser and a feed reader would read them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from digest.cli import main
from digest.pipeline import Built, build_brief
from digest.pipeline.archiving import write_archive
from digest.profile import load_profile
from tests.conftest import SEEDS

SECOND = dt.date(2024, 7, 30)


class Index(HTMLParser):
    """Each <article> of index.html: its heading, its date, its headlines, its links."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict] = []
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "article":
            self.entries.append({"title": "", "date": "", "headlines": [], "links": {}})
        elif not self.entries:
            return
        elif tag == "h2":
            self._field = "title"
        elif tag == "time":
            self.entries[-1]["date"] = found["datetime"]
        elif tag == "li":
            self.entries[-1]["headlines"].append("")
            self._field = "li"
        elif tag == "a":
            self._href = found["href"]
            self._text = ""
            self._field = self._field or "a"

    def handle_data(self, data: str) -> None:
        if not self.entries or self._field is None:
            return
        entry = self.entries[-1]
        if self._field == "title":
            entry["title"] += data
        elif self._field == "li":
            entry["headlines"][-1] += data
        if hasattr(self, "_text"):
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and hasattr(self, "_text") and self.entries:
            self.entries[-1]["links"][self._text.strip()] = self._href
            del self._text
            if self._field == "a":
                self._field = None
        if tag in ("h2", "li"):
            self._field = None


def parse_index(path: Path) -> list[dict]:
    parser = Index()
    parser.feed(path.read_text("utf-8"))
    return parser.entries


@pytest.fixture()
def two_briefs(tmp_path: Path, built: Built) -> Path:
    """An output folder with the session's seed brief (29 July) and a second one built now
    from two other articles (30 July), which writes the archive."""
    out = tmp_path / "out"
    out.mkdir()
    for path in built.files.values():
        shutil.copy(path, out / path.name)
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted(SEEDS.iterdir())[3:]:
        shutil.copy(path, folder / path.name)
    build_brief(input_dir=folder, out=out, date=SECOND, profile=load_profile("seeds"))
    return out


def shown_headlines(out: Path, date: str) -> list[str]:
    data = json.loads((out / f"brief-{date}.json").read_text("utf-8"))
    return [s["headline"] for s in data["stories"] if s["shown"]][:3]


def test_the_index_lists_every_brief_newest_first_with_headlines_and_links(
    two_briefs: Path,
) -> None:
    entries = parse_index(two_briefs / "index.html")
    assert [e["date"] for e in entries] == ["2024-07-30", "2024-07-29"]
    for entry in entries:
        day = entry["date"]
        data = json.loads((two_briefs / f"brief-{day}.json").read_text("utf-8"))
        assert " ".join(entry["title"].split()) == data["title"]
        assert entry["headlines"] == shown_headlines(two_briefs, day)
        assert entry["headlines"], "each brief shows at least one headline"
        assert entry["links"]["HTML"] == f"brief-{day}.html"
        assert entry["links"]["PDF"] == f"brief-{day}.pdf"
        assert (two_briefs / entry["links"]["PDF"]).is_file()
    assert not [p.name for p in two_briefs.iterdir() if p.name.endswith(".tmp")]


def test_the_feed_is_atom_with_one_entry_per_brief(two_briefs: Path) -> None:
    feed = feedparser.parse((two_briefs / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.link for e in feed.entries] == ["brief-2024-07-30.html", "brief-2024-07-29.html"]
    assert len({e.id for e in feed.entries}) == 2
    for entry, day in zip(feed.entries, ("2024-07-30", "2024-07-29"), strict=True):
        assert day in dt.datetime.strptime(entry.title.split(" — ")[-1], "%d %B %Y").isoformat()
        for headline in shown_headlines(two_briefs, day):
            assert headline in entry.summary
        assert f"brief-{day}.pdf" in entry.summary
        assert entry.updated_parsed is not None


def test_digest_archive_regenerates_both_files_the_same(two_briefs: Path) -> None:
    before = {n: (two_briefs / n).read_bytes() for n in ("index.html", "feed.xml")}
    for name in before:
        (two_briefs / name).unlink()
    assert main(["-q", "archive", "--out", str(two_briefs)]) == 0
    assert {n: (two_briefs / n).read_bytes() for n in before} == before


def test_with_a_base_url_every_link_is_absolute(two_briefs: Path, tmp_path: Path) -> None:
    config = tmp_path / "digest.toml"
    config.write_text('[brief]\nbase_url = "https://news.example.org/briefs"\n')
    assert main(["-q", "archive", "--out", str(two_briefs), "--config", str(config)]) == 0
    base = "https://news.example.org/briefs/"
    entries = parse_index(two_briefs / "index.html")
    assert entries[0]["links"] == {
        "HTML": f"{base}brief-2024-07-30.html",
        "PDF": f"{base}brief-2024-07-30.pdf",
        entries[0]["title"].strip(): f"{base}brief-2024-07-30.html",
    }
    feed = feedparser.parse((two_briefs / "feed.xml").read_bytes())
    assert feed.feed.id == f"{base}feed.xml"
    assert [e.link for e in feed.entries] == [
        f"{base}brief-2024-07-30.html",
        f"{base}brief-2024-07-29.html",
    ]


def test_a_base_url_that_is_not_http_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "digest.toml"
    config.write_text('[brief]\nbase_url = "file:///srv/briefs"\n')
    assert main(["archive", "--out", str(tmp_path), "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'base_url'" in err and "https://" in err


def test_a_json_file_that_is_not_a_brief_is_skipped_by_name(
    two_briefs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (two_briefs / "brief-2024-07-31.json").write_text("{ not json")
    (two_briefs / "notes.json").write_text("{}")
    write_archive(two_briefs)
    assert [e["date"] for e in parse_index(two_briefs / "index.html")] == [
        "2024-07-30",
        "2024-07-29",
    ]
    assert "skipped brief-2024-07-31.json" in caplog.text


def test_titles_and_headlines_from_articles_stay_text(tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script> & "quotes"'
    data = {
        "title": hostile,
        "subtitle": "",
        "date": "2024-07-29",
        "stories": [{"n": 1, "headline": hostile, "sources": [1], "shown": True}],
        "generated": "2024-07-29T06:00:00+00:00",
    }
    (tmp_path / "brief-2024-07-29.json").write_text(json.dumps(data))
    write_archive(tmp_path)
    page = (tmp_path / "index.html").read_text("utf-8")
    assert "<script>" not in page
    [entry] = parse_index(tmp_path / "index.html")
    assert entry["title"].strip() == hostile and entry["headlines"] == [hostile]
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not feed.bozo and hostile in feed.entries[0].title


def test_an_empty_folder_gives_an_empty_archive(tmp_path: Path) -> None:
    write_archive(tmp_path)
    assert parse_index(tmp_path / "index.html") == []
    assert "No brief yet" in (tmp_path / "index.html").read_text("utf-8")
    assert feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries == []


@pytest.mark.parametrize(
    "content",
    ['{"title": "", "stories": []}', '{"title": "T", "stories": ["not a story"]}', "[1, 2]"],
)
def test_a_malformed_brief_json_is_skipped_and_the_rest_listed(
    two_briefs: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    (two_briefs / "brief-2024-08-01.json").write_text(content)
    write_archive(two_briefs)
    assert [e["date"] for e in parse_index(two_briefs / "index.html")] == [
        "2024-07-30",
        "2024-07-29",
    ]
    assert "skipped brief-2024-08-01.json" in caplog.text
    assert len(feedparser.parse((two_briefs / "feed.xml").read_bytes()).entries) == 2


def test_the_archive_command_names_a_malformed_brief_once_and_counts_the_rest(
    two_briefs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`digest archive` read the folder twice (to write, then to count): each skipped
    file was named twice."""
    (two_briefs / "brief-2024-08-01.json").write_text("{")
    assert main(["archive", "--out", str(two_briefs)]) == 0
    messages = [r.getMessage() for r in caplog.records]
    assert sum("skipped brief-2024-08-01.json" in m for m in messages) == 1
    assert any(m.startswith("archive: 2 briefs -> ") for m in messages)
