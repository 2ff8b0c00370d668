"""Hostile and broken input: the brief still builds, nothing leaks, nothing is fetched."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from digest.errors import DigestError, IngestError
from digest.pipeline import build_brief
from digest.read.ingest import parse_article, read_folder
from digest.read.text import split_sentences
from tests.conftest import pdf_words
from tests.render.test_editions import Tree

MARKUP = "Officials said </td></table><script>alert(1)</script> was typed into the record today."
TEMPLATE = "The spokesman wrote {{ 7*7 }} and {% if x %}nothing{% endif %} on the board today."


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server():
    Recorder.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _hostile_folder(folder: Path, base: str, secret: Path) -> None:
    (folder / "markup.txt").write_text(
        f"{MARKUP}\n{TEMPLATE}\nSee {base}/story and file://{secret} and data:text/html,x for more.\n"
        f"![chart]({base}/chart.png) The ministers agreed on a new command for the troops.\n"
    )
    (folder / "page.html").write_text(
        f"""<html><head><link rel="stylesheet" href="{base}/s.css">
        <style>@import url({base}/i.css); body {{ background: url({base}/bg.png) }}</style>
        <script src="{base}/x.js"></script></head><body><article>
        <p>The defense ministers agreed to expand joint exercises near Okinawa next spring.</p>
        <img src="{base}/img.png"><iframe src="{base}/frame"></iframe>
        <object data="{base}/obj"></object><img src="file://{secret}">
        <p>Officials <a href="{base}/link">said</a> the &lt;b&gt;plan&lt;/b&gt; would take two years.</p>
        </article></body></html>"""
    )


def test_nothing_an_article_names_is_fetched_and_markup_stays_text(
    tmp_path: Path, server: str
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    article_dir = tmp_path / "articles"
    article_dir.mkdir()
    _hostile_folder(article_dir, server, secret)
    out = tmp_path / "out"
    built = build_brief(input_dir=article_dir, out=out, date=dt.date(2024, 7, 29), length=40)
    time.sleep(0.2)
    assert Recorder.hits == []
    hostile = [p for p in built.brief.points if "</td>" in p.text or "{{" in p.text]
    assert hostile, "the hostile sentences should be in a long brief"
    html = built.files["html"].read_text()
    assert "<script" not in html and "</td></table><script>" not in html
    shown = "".join(Tree(html).text)
    text = " ".join(built.files["txt"].read_text().split())
    pdf_text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(built.files["pdf"]).pages
    )
    for point in hostile:
        assert point.text in shown
        assert point.text in text
        assert " ".join(point.text.split()[:6]) in pdf_text
    data = json.loads(built.files["json"].read_text())
    assert MARKUP in json.dumps(data, ensure_ascii=False)
    page = next(a for a in built.ingested.articles if a.path and a.path.name == "page.html")
    assert "img" not in page.text and "script" not in page.text.lower()
    assert "<b>plan</b>" in page.text  # escaped in the source, literal text here


def test_bad_files_are_named_and_the_rest_builds(tmp_path: Path, article_dir: Path) -> None:
    (article_dir / "empty.txt").write_bytes(b"")
    (article_dir / "binary.txt").write_bytes(os.urandom(4096) + b"\x00")
    (article_dir / "nothing.md").write_text("Subscribe\n\n- Home\n- World\n")
    (article_dir / "big.txt").write_bytes(b"x" * (6 * 1024 * 1024))
    (article_dir / "dir.txt").mkdir()
    (article_dir / "dup.txt").write_bytes((article_dir / "000_828fad1022270e02.txt").read_bytes())
    os.symlink("/etc/hostname", article_dir / "escape.txt")
    os.symlink(tmp_path / "missing.txt", article_dir / "broken.txt")
    os.mkfifo(article_dir / "pipe.txt")
    out = tmp_path / "out"
    built = build_brief(input_dir=article_dir, out=out, date=dt.date(2024, 7, 29))
    skipped = {s.name for s in built.brief.skipped}
    assert skipped == {
        "empty.txt",
        "binary.txt",
        "nothing.md",
        "big.txt",
        "dir.txt",
        "dup.txt",
        "escape.txt",
        "broken.txt",
        "pipe.txt",
    }
    assert len(built.brief.sources) == 5
    listed = built.files["txt"].read_text()
    for name in skipped:
        assert name in listed


def test_a_40_mb_file_is_refused_without_being_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "huge.txt").open("wb") as handle:
        handle.truncate(40 * 1024 * 1024)
    (folder / "ok.txt").write_text("The ministers agreed on a new command structure on Sunday.")
    started = time.perf_counter()
    ingested = read_folder(folder)
    assert time.perf_counter() - started < 5  # a generous bound: reading 40 MB is not the point
    assert [s.name for s in ingested.skipped] == ["huge.txt"]
    assert "41.9 MB is over the 5.2 MB limit" in ingested.skipped[0].reason


def test_mixed_line_endings_and_latin1_are_read(tmp_path: Path) -> None:
    data = "Caf\xe9 talks began in Tokyo.\r\nThe ministers met.\rThey agreed on a plan.\n".encode(
        "latin-1"
    )
    article = parse_article(data, name="x.txt")
    assert article.paragraphs == (
        "Café talks began in Tokyo.",
        "The ministers met.",
        "They agreed on a plan.",
    )


def test_output_names_never_come_from_article_content(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\ntitle: ../../etc/evil\nurl: ../../x\n---\nThe ministers agreed on a new command on Sunday in Tokyo.\n"
    )
    out = tmp_path / "out"
    build_brief(input_dir=folder, out=out, date=dt.date(2024, 7, 29))
    assert sorted(p.name for p in out.iterdir()) == [
        "brief-2024-07-29.html",
        "brief-2024-07-29.json",
        "brief-2024-07-29.pdf",
        "brief-2024-07-29.txt",
        "feed.xml",
        "index.html",
    ]
    assert not (tmp_path / "etc").exists()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.booleans())
def test_ingest_of_random_bytes_raises_only_digest_errors(data: bytes, html: bool) -> None:
    try:
        article = parse_article(data, name="random.txt", html=html)
    except IngestError:
        return
    for paragraph in article.paragraphs:
        for sentence in split_sentences(paragraph):
            assert sentence in paragraph


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=1500))
def test_ingest_of_random_text_keeps_sentences_verbatim(text: str) -> None:
    try:
        article = parse_article(text.encode("utf-8", "surrogatepass"), name="t.md")
    except DigestError:
        return
    cleaned = article.text
    for paragraph in article.paragraphs:
        for sentence in split_sentences(paragraph):
            assert sentence in cleaned


def test_bidi_overrides_and_zero_width_characters_never_reach_the_brief(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\ntitle: Allies \u202eagree\u202c on command\noutlet: Wire\u200b Service\n---\n"
        "The defense ministers agreed on Sunday to \u202eexpand\u202c joint exercises near "
        "Okinawa next spring, officials said.\u200b\n\n"
        "The\u200b plan for a \u2067new\u2069 joint command will take two years to complete, "
        "the ministers told reporters in Tokyo.\u200f\n",
        "utf-8",
    )
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=dt.date(2024, 7, 29))
    invisible = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    pdf_text = "".join(p.extract_text() for p in PdfReader(built.files["pdf"]).pages)
    injected = set("\u202e\u202c\u200b\u2067\u2069\u200f")  # what the article holds
    for edition in ("txt", "html", "json"):
        shown = built.files[edition].read_text("utf-8")
        # The email's preheader pads itself with zero-width non-joiners on purpose (a
        # template choice, see email.html.j2); nothing invisible comes from the article.
        assert not (injected if edition == "html" else invisible) & set(shown), edition
        assert "\\u202e" not in shown.lower()  # nor escaped in the JSON
    assert not invisible & set(pdf_text)
    assert "to expand joint exercises" in built.files["txt"].read_text("utf-8")
    assert "Allies agree on command" in built.files["html"].read_text("utf-8")


def test_a_file_name_with_control_characters_reaches_the_editions_escaped(tmp_path: Path) -> None:
    """The Sources list names an untitled article's file: an ESC in that name reached the
    text edition (the email's text part) raw, and `cat` turned the terminal red."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = "wire \x1b[31mred\x1b[0m\u202e.txt"
    (folder / name).write_text(
        "The council approved the transit budget on Tuesday after a six-hour debate.\n\n"
        "Fares will rise by 5 percent in January, and 40 new buses join the fleet.\n",
        "utf-8",
    )
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=dt.date(2024, 7, 29))
    for edition in ("txt", "html"):
        shown = built.files[edition].read_text("utf-8")
        assert "wire \\x1b[31mred\\x1b[0m\\u202e.txt" in shown, edition
        assert "\x1b" not in shown and "\u202e" not in shown, edition


def test_a_word_of_thousands_of_letters_is_never_quoted_and_stays_inside_the_margins(
    tmp_path: Path,
) -> None:
    """A 4,000-letter "word" ran past the PDF's right margin (and made a point)."""
    blob = "A" * 4000
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text(
        f"---\ntitle: Council report\noutlet: Wire{blob}\n---\n"
        f"The council approved the budget on Tuesday after a long debate, officials said.\n\n"
        f"The report called it {blob} in a footnote on the second page of its findings.\n\n"
        "The mayor promised a discount scheme for students and pensioners on Wednesday.\n",
        "utf-8",
    )
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=dt.date(2024, 7, 29))
    assert all(blob not in p.text for p in built.brief.points)
    reader = PdfReader(built.files["pdf"])
    width = float(reader.pages[0].mediabox.width)
    right_margin = 19 / 25.4 * 72  # print.css: 19 mm
    boxes = pdf_words(built.files["pdf"])
    assert ">WireAAAAAAAAAA" in boxes  # the outlet (its first 300 characters) is printed
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)]
    assert right_edges and max(right_edges) <= width - right_margin + 0.5
