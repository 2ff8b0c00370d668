"""Feeds against a real HTTP server on 127.0.0.1: RSS and Atom, teasers, conditional GET,
failures by URL, the size cap and the http(s)-only rule. Nothing beyond loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.errors import IngestError
from digest.feeds import Fetcher, fetch_feeds, page_text
from tests.loopback import Page, Site, article_page, as_html, atom, rss, seed_text, serve

_CONNECTS: list[object] = []


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect":
        _CONNECTS.append(args[1])


sys.addaudithook(_audit)


@pytest.fixture()
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def fetch(site: Site, tmp_path: Path, *paths: str, **options: object):
    return fetch_feeds([site.url(p) for p in paths], cache=tmp_path / "feeds", **options)  # type: ignore[arg-type]


def test_rss_entries_with_their_whole_text_become_articles_without_fetching_pages(
    site: Site, tmp_path: Path
) -> None:
    items = [
        {
            "title": "Austin to convene trilateral",
            "link": site.url("/a"),
            "content": as_html(seed_text(0)),
        },
        {
            "title": "US to upgrade Japan command",
            "link": site.url("/b"),
            "content": as_html(seed_text(1)),
        },
    ]
    site.pages["/rss"] = Page(rss("Example News", items), "application/rss+xml")
    got = fetch(site, tmp_path, "/rss")
    assert [a.title for a in got.articles] == [i["title"] for i in items]
    first = got.articles[0]
    assert (first.index, first.url, first.outlet) == (1, site.url("/a"), "Example News")
    assert first.published is not None and first.published.isoformat() == "2024-07-29"
    assert "Lloyd Austin is set to convene a trilateral meeting" in first.text
    assert got.skipped == () and site.hits("/a") == site.hits("/b") == 0


def test_a_teaser_entry_has_its_page_fetched_and_only_the_article_text_kept(
    site: Site, tmp_path: Path
) -> None:
    text = seed_text(2)
    site.pages["/story"] = Page(article_page("Japan and US upgrade ties", text))
    teaser = {
        "title": "Japan and US upgrade ties",
        "link": site.url("/story"),
        "summary": "Austin and Blinken meet their counterparts in Tokyo. Read more.",
    }
    site.pages["/atom"] = Page(atom("Wire", [teaser]), "application/atom+xml")
    _CONNECTS.clear()
    got = fetch(site, tmp_path, "/atom")
    assert site.hits("/story") == 1 and got.skipped == ()
    article = got.articles[0]
    assert article.url == site.url("/story") and article.outlet == "Wire"
    body = article.text
    assert text.split(". ")[0] in body
    for furniture in ("Log in", "cookies", "Copyright", "Home"):
        assert furniture not in body
    assert all(address[0] == "127.0.0.1" for address in _CONNECTS), _CONNECTS  # type: ignore[index]


def test_trafilatura_fetches_nothing_the_page_links_to(site: Site) -> None:
    site.pages["/p"] = Page(article_page("A page", seed_text(3)))
    _CONNECTS.clear()
    text = page_text(site.url("/p"), Fetcher(timeout=5))
    assert "Japan" in text
    assert [("127.0.0.1", site.port)] == _CONNECTS


def test_conditional_get_sends_the_validators_and_a_304_still_yields_the_entries(
    site: Site, tmp_path: Path
) -> None:
    items = [{"title": "One", "link": site.url("/a"), "content": as_html(seed_text(0))}]
    site.pages["/rss"] = Page(rss("Example News", items), "application/rss+xml", etag='"v1"')
    first = fetch(site, tmp_path, "/rss")
    second = fetch(site, tmp_path, "/rss")
    requests = [headers for path, headers in site.requests if path == "/rss"]
    assert "If-None-Match" not in requests[0] and requests[1]["If-None-Match"] == '"v1"'
    assert [a.content_hash for a in second.articles] == [a.content_hash for a in first.articles]


def test_entries_already_briefed_are_not_fetched_again(site: Site, tmp_path: Path) -> None:
    site.pages["/story"] = Page(article_page("Story", seed_text(2)))
    teaser = {"title": "Story", "link": site.url("/story"), "summary": "Short teaser."}
    site.pages["/atom"] = Page(atom("Wire", [teaser]), "application/atom+xml")
    got = fetch(site, tmp_path, "/atom", known_urls={site.url("/story")})
    assert got.articles == () and got.skipped == () and site.hits("/story") == 0


def test_failing_feeds_and_pages_are_skipped_by_url_and_the_rest_is_read(
    site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site.pages["/broken"] = Page(b"oops", "text/plain", status=500)
    site.pages["/notxml"] = Page(b"<html><body>Not a feed at all</body></html>")
    site.pages["/slow"] = Page(article_page("Slow", seed_text(1)), delay=3)
    site.pages["/good"] = Page(article_page("Good", seed_text(3)))
    entries = [
        {"title": "Missing", "link": site.url("/gone"), "summary": "Teaser."},
        {"title": "Slow", "link": site.url("/slow"), "summary": "Teaser."},
        {"title": "Good", "link": site.url("/good"), "summary": "Teaser."},
    ]
    site.pages["/atom"] = Page(atom("Wire", entries), "application/atom+xml")
    got = fetch(site, tmp_path, "/broken", "/notxml", "/absent", "/atom", timeout=1)
    assert [a.title for a in got.articles] == ["Good"]
    reasons = {s.name: s.reason for s in got.skipped}
    assert "500" in reasons[site.url("/broken")]
    assert "not an RSS or Atom feed" in reasons[site.url("/notxml")]
    assert "404" in reasons[site.url("/absent")] and "404" in reasons[site.url("/gone")]
    assert "timed out" in reasons[site.url("/slow")]
    for url in reasons:
        assert url in caplog.text


def test_a_response_over_the_size_cap_is_not_read(site: Site, tmp_path: Path) -> None:
    site.pages["/big"] = Page(b"x" * 5000, "text/html")
    with pytest.raises(IngestError, match="over the 1000 limit"):
        Fetcher(timeout=5, max_bytes=1000).get(site.url("/big"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/feed.xml", "data:,hi"])
def test_only_http_and_https_urls_are_fetched(url: str) -> None:
    with pytest.raises(IngestError, match="only http:// and https://"):
        Fetcher(timeout=5).get(url)


def test_a_redirect_to_a_file_url_is_refused(site: Site, tmp_path: Path) -> None:
    site.pages["/moved"] = Page(status=302, location="file:///etc/passwd")
    teaser = {"title": "Moved", "link": site.url("/moved"), "summary": "Teaser."}
    site.pages["/atom"] = Page(atom("Wire", [teaser]), "application/atom+xml")
    got = fetch(site, tmp_path, "/atom")
    assert got.articles == () and got.skipped[0].name == site.url("/moved")
    assert "file:///etc/passwd" in got.skipped[0].reason


def test_an_entry_link_that_is_not_http_is_skipped(site: Site, tmp_path: Path) -> None:
    teaser = {"title": "Local", "link": "file:///etc/passwd", "summary": "Teaser."}
    site.pages["/atom"] = Page(atom("Wire", [teaser]), "application/atom+xml")
    got = fetch(site, tmp_path, "/atom")
    assert got.articles == () and got.skipped[0].name.startswith("file:")
    assert "only http:// and https://" in got.skipped[0].reason
