"""Feeds against a real HTTP server on 127.0.0.1: RSS and Atom, teasers, conditional GET,
failures by URL, the size cap, the http(s)-only rule, bad links, refused addresses and
whole-request deadlines. Nothing beyond loopback."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.errors import IngestError
from digest.read.feeds import TEASER_WORDS, Fetcher, fetch_feeds, page_text
from digest.read.fetch import address_kind, ascii_url
from tests.servers import (
    ONE_PARAGRAPH,
    Page,
    Site,
    article_page,
    as_html,
    atom,
    drip_server,
    rss,
    seed_text,
    serve_site,
)

_CONNECTS: list[object] = []
_LOOKUPS: list[object] = []


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect":
        _CONNECTS.append(args[1])
    elif event == "socket.getaddrinfo":
        _LOOKUPS.append(args[0])


sys.addaudithook(_audit)


@pytest.fixture()
def site() -> Iterator[Site]:
    with serve_site() as running:
        yield running


def fetch(site: Site, tmp_path: Path, *paths: str, **options: object):
    """Fetch the site's feeds; its pages are on loopback, so allowed unless a test says not."""
    options.setdefault("allow_private", True)
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
    text = page_text(site.url("/p"), Fetcher(timeout=5, allow_private=True))
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
    # The feeds that could not be read at all, not the entries whose pages failed.
    assert got.unread == tuple(site.url(p) for p in ("/broken", "/notxml", "/absent"))


def test_a_response_over_the_size_cap_is_not_read(site: Site, tmp_path: Path) -> None:
    site.pages["/big"] = Page(b"x" * 5000, "text/html")
    with pytest.raises(IngestError, match="over the 1000 limit"):
        Fetcher(timeout=5, max_bytes=1000, allow_private=True).get(site.url("/big"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/feed.xml", "data:,hi"])
def test_only_http_and_https_urls_are_fetched(url: str) -> None:
    with pytest.raises(IngestError, match="only http:// and https://"):
        Fetcher(timeout=5, allow_private=True).get(url)


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


# --- one bad entry never kills the run ---------------------------------------------------


def teasers(site: Site, *links: str) -> None:
    """An Atom feed at /atom whose entries are teasers linking to `links`."""
    entries = [
        {"title": f"Story {n}", "link": link, "summary": "Teaser."}
        for n, link in enumerate(links, 1)
    ]
    site.pages["/atom"] = Page(atom("Wire", entries), "application/atom+xml")


def test_an_iri_is_percent_encoded_and_its_host_idna_encoded() -> None:
    # RFC 3987 3.1: UTF-8 then %-encoding; RFC 3492's example: bücher → xn--bcher-kva.
    got = ascii_url("http://Bücher.example:8080/café/a b?q=é&x=%41#part")
    assert got == "http://xn--bcher-kva.example:8080/caf%C3%A9/a%20b?q=%C3%A9&x=%41"


def test_a_non_ascii_link_is_fetched_percent_encoded(site: Site, tmp_path: Path) -> None:
    site.pages["/caf%C3%A9"] = Page(article_page("Café", seed_text(2)))
    teasers(site, site.url("/café"))
    got = fetch(site, tmp_path, "/atom")
    assert site.hits("/caf%C3%A9") == 1 and got.skipped == ()
    assert [a.url for a in got.articles] == [site.url("/café")]


def test_bad_links_are_skipped_by_url_in_one_line_and_the_rest_is_read(
    site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site.pages["/good"] = Page(article_page("Good", seed_text(3)))
    site.pages["/moved"] = Page(status=302, location="http://[::1/x")
    bad_host = "http://a..b.example/"
    teasers(site, bad_host, site.url("/moved"), site.url("/good"))
    _CONNECTS.clear()
    _LOOKUPS.clear()
    got = fetch(site, tmp_path, "/atom")
    assert [a.title for a in got.articles] == ["Story 3"]
    reasons = {s.name: s.reason for s in got.skipped}
    assert set(reasons) == {bad_host, site.url("/moved")}
    assert "not a valid host name" in reasons[bad_host]
    assert "http://[::1/x" in reasons[site.url("/moved")]
    assert _LOOKUPS == []  # refused on sight: no DNS lookup, no connection
    assert {address[0] for address in _CONNECTS} == {"127.0.0.1"}  # type: ignore[index]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and all("\n" not in w for w in warnings)
    assert any(bad_host in w for w in warnings) and any(site.url("/moved") in w for w in warnings)


# --- server-side request forgery -----------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",  # loopback
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "fd12:3456::1",  # private (RFC 1918, ULA)
        "100.64.0.1",  # shared address space (RFC 6598)
        "169.254.169.254",
        "fe80::1",  # link-local (cloud metadata lives here)
        "224.0.0.1",
        "ff02::1",  # multicast
        "0.0.0.0",
        "::",  # unspecified
        "240.0.0.1",  # reserved
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",  # IPv4 inside IPv6
    ],
)
def test_loopback_private_link_local_multicast_and_reserved_addresses_are_not_public(
    address: str,
) -> None:
    assert address_kind(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address: str) -> None:
    assert address_kind(address) is None


def test_by_default_a_teaser_page_on_loopback_is_never_requested(
    site: Site, tmp_path: Path
) -> None:
    site.pages["/secret.html"] = Page(article_page("Secret", seed_text(1)))
    teasers(site, site.url("/secret.html"))
    got = fetch(site, tmp_path, "/atom", allow_private=False)
    assert site.hits("/atom") == 1  # the feed the user configured is fetched
    assert site.hits("/secret.html") == 0 and got.articles == ()
    (skipped,) = got.skipped
    assert skipped.name == site.url("/secret.html")
    assert "loopback" in skipped.reason and "allow_private" in skipped.reason


def test_the_address_a_host_name_resolves_to_is_what_is_checked(site: Site, tmp_path: Path) -> None:
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo("localhost", site.port)}
    except OSError:
        pytest.skip("localhost does not resolve here")
    if any(address_kind(a) != "loopback" for a in resolved):
        pytest.skip(f"localhost resolves to {resolved}")
    site.pages["/secret.html"] = Page(article_page("Secret", seed_text(1)))
    link = f"http://localhost:{site.port}/secret.html"
    teasers(site, link)
    got = fetch(site, tmp_path, "/atom", allow_private=False)
    assert site.hits("/secret.html") == 0 and got.skipped[0].name == link
    assert "loopback" in got.skipped[0].reason


def test_a_feed_redirect_to_another_host_on_loopback_is_refused_by_default(
    site: Site, tmp_path: Path
) -> None:
    items = [{"title": "One", "link": site.url("/a"), "content": as_html(seed_text(0))}]
    site.pages["/rss"] = Page(rss("Example News", items), "application/rss+xml")
    site.pages["/moved"] = Page(status=301, location=site.url("/rss"))
    site.pages["/elsewhere"] = Page(
        status=302, location=f"http://[::ffff:127.0.0.1]:{site.port}/rss"
    )
    same_host = fetch(site, tmp_path, "/moved", allow_private=False)
    assert [a.title for a in same_host.articles] == ["One"] and site.hits("/rss") == 1
    other_host = fetch(site, tmp_path, "/elsewhere", allow_private=False)
    assert other_host.articles == () and site.hits("/rss") == 1
    assert "loopback" in other_host.skipped[0].reason


# --- deadlines bound whole requests ---------------------------------------------------------


def test_a_page_dripping_its_body_is_abandoned_at_the_timeout(site: Site, tmp_path: Path) -> None:
    site.pages["/drip"] = Page(article_page("Drip", seed_text(1)), drip_body=0.5)
    site.pages["/good"] = Page(article_page("Good", seed_text(3)))
    teasers(site, site.url("/drip"), site.url("/good"))
    started = time.monotonic()
    got = fetch(site, tmp_path, "/atom", timeout=2)
    assert time.monotonic() - started < 10  # a bound, not a timing: unbounded took minutes
    assert [a.title for a in got.articles] == ["Story 2"]
    assert got.skipped[0].name == site.url("/drip") and "timed out" in got.skipped[0].reason


def test_a_feed_dripping_its_headers_is_abandoned_at_the_timeout(
    site: Site, tmp_path: Path
) -> None:
    items = [{"title": "One", "link": site.url("/a"), "content": as_html(seed_text(0))}]
    site.pages["/rss"] = Page(rss("Example News", items), "application/rss+xml")
    site.pages["/slow-rss"] = Page(rss("Slow", items), "application/rss+xml", drip_headers=0.5)
    started = time.monotonic()
    got = fetch(site, tmp_path, "/slow-rss", "/rss", timeout=2)
    assert time.monotonic() - started < 10
    assert [a.title for a in got.articles] == ["One"]
    assert got.skipped[0].name == site.url("/slow-rss") and "timed out" in got.skipped[0].reason


def test_a_tls_handshake_dripped_by_the_server_is_abandoned_at_the_timeout(
    site: Site, tmp_path: Path
) -> None:
    # A TLS handshake record header announcing 16 KB, then its body a byte at a time:
    # OpenSSL waits for the whole record inside one read.
    record = bytes([0x16, 0x03, 0x03, 0x40, 0x00]) + bytes(400)
    items = [{"title": "One", "link": site.url("/a"), "content": as_html(seed_text(0))}]
    site.pages["/rss"] = Page(rss("Example News", items), "application/rss+xml")
    with drip_server(record, every=0.5) as dripper:
        slow = f"https://127.0.0.1:{dripper.port}/feed.xml"
        started = time.monotonic()
        got = fetch_feeds([slow, site.url("/rss")], cache=tmp_path / "feeds", timeout=2)
        assert time.monotonic() - started < 10
    assert dripper.connections == 1 and [a.title for a in got.articles] == ["One"]
    assert got.skipped[0].name == slow and "timed out" in got.skipped[0].reason


def test_escape_codes_in_a_link_reach_the_log_escaped(
    site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    teasers(site, site.url("/x") + "\x1b[31mred")
    got = fetch(site, tmp_path, "/atom")
    assert got.articles == () and len(got.skipped) == 1
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "\x1b" not in warning and "\\x1b[31mred" in warning


@pytest.mark.parametrize(("items", "said"), [(0, "0 entries"), (1, "1 entry"), (2, "2 entries")])
def test_the_count_of_entries_is_worded_for_its_number(
    site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture, items: int, said: str
) -> None:
    caplog.set_level("INFO", logger="digest")
    entries = [
        {"title": f"Story {n}", "link": site.url(f"/{n}"), "content": as_html(seed_text(n))}
        for n in range(items)
    ]
    site.pages["/feed"] = Page(rss("Wire", entries), "application/rss+xml")
    assert len(fetch(site, tmp_path, "/feed").articles) == items
    assert f"feeds: {said} read from 1 feed(s)" in caplog.text
    assert "entr(ies)" not in caplog.text


def test_an_entry_whose_text_is_one_paragraph_or_plain_text_is_read_without_its_page(
    site: Site, tmp_path: Path
) -> None:
    """trafilatura finds no article in one paragraph or in text without markup; the
    entry's own text is the article all the same (a hostile-user report: dropped)."""
    assert len(ONE_PARAGRAPH.split()) > TEASER_WORDS  # a whole article, not a teaser
    items = [
        {"title": "One paragraph", "link": site.url("/a"), "content": f"<p>{ONE_PARAGRAPH}</p>"},
        {"title": "Plain text", "link": site.url("/b"), "summary": ONE_PARAGRAPH},
    ]
    site.pages["/rss"] = Page(rss("Wire", items), "application/rss+xml")
    got = fetch(site, tmp_path, "/rss")
    assert got.skipped == ()
    assert [a.title for a in got.articles] == ["One paragraph", "Plain text"]
    for article in got.articles:
        assert "adds 40 new buses to the fleet" in article.text
        assert "staffing shortages remained severe." in article.text
    assert site.hits("/a") == site.hits("/b") == 0
