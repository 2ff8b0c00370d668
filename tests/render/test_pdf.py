from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from digest.pipeline import Built
from digest.render.editions import templates_dir
from digest.render.pdf import html_to_pdf
from tests.conftest import printed_sections


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_pdf_reads_back_with_every_point_and_section(built: Built) -> None:
    reader = PdfReader(built.files["pdf"])
    assert 1 <= len(reader.pages) <= 2
    assert built.pages == len(reader.pages)
    text = _text(reader).replace("\u2009", " ")
    for section in printed_sections(built):
        assert section.title.upper() in text
    for point in built.brief.points:
        assert " ".join(point.text.split()[:8]) in text
    assert f"page 1 of {len(reader.pages)}" in text


def test_pdf_has_running_header_on_later_pages(built: Built) -> None:
    reader = PdfReader(built.files["pdf"])
    if len(reader.pages) < 2:
        pytest.skip("the brief fits one page")
    second = " ".join(reader.pages[1].extract_text().split())
    assert built.brief.title.upper() in second
    assert "29 July 2024" in second


def test_pdf_metadata_names_title_author_and_creation_date(built: Built) -> None:
    meta = PdfReader(built.files["pdf"]).metadata
    assert meta is not None
    assert built.brief.title in (meta.title or "")
    assert "29 July 2024" in (meta.title or "")
    assert meta.author
    assert meta.creation_date is not None


def test_pdf_bookmarks_are_the_section_headings(built: Built) -> None:
    outline = PdfReader(built.files["pdf"]).outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    for section in printed_sections(built):
        assert section.title in titles


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_weasyprint_fetches_nothing_but_the_templates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    port = server.server_address[1]
    html = (
        f'<html><head><link rel="stylesheet" href="print.css">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
        f'<link rel="stylesheet" href="{secret.as_uri()}"></head>'
        f'<body><img src="http://127.0.0.1:{port}/a.png"><img src="file:///etc/passwd">'
        f"<p>text</p></body></html>"
    )
    try:
        with caplog.at_level(logging.WARNING):
            data, pages = html_to_pdf(html, templates=templates_dir())
    finally:
        server.shutdown()
        server.server_close()
    assert data.startswith(b"%PDF") and pages == 1
    assert _Recorder.hits == []
    refused = " ".join(r.getMessage() for r in caplog.records if r.name == "digest.render.pdf")
    assert f"127.0.0.1:{port}/x.css" in refused
    assert "secret.css" in refused and "/etc/passwd" in refused
    assert "print.css" not in refused


def test_rendering_the_seed_brief_logs_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import datetime as dt

    from digest.pipeline import build_brief
    from tests.conftest import SEEDS

    with caplog.at_level(logging.WARNING):
        build_brief(input_dir=SEEDS, out=tmp_path, date=dt.date(2024, 7, 29))
    problems = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "HarfBuzz-Subset" not in r.getMessage()
    ]
    assert problems == []


# Tagged PDF/UA, reading order and links -----------------------------------------------


def _structure_tags(reader: PdfReader) -> list[str]:
    """The structure types of the tagged PDF, depth first."""
    tags: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "/S" in node:
                tags.append(str(node["/S"]))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return tags


def test_pdf_is_tagged_pdf_ua_with_xmp_metadata_and_language(built: Built) -> None:
    reader = PdfReader(built.files["pdf"])
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    tags = _structure_tags(reader)
    assert tags.count("/H1") == 1
    assert tags.count("/H2") >= len(printed_sections(built)) + 2  # at a glance, sources
    assert "/L" in tags and tags.count("/LI") >= len(built.brief.points)
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp
    assert f"{built.brief.title} — Monday, 29 July 2024" in xmp  # dc:title
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(built.files["pdf"])], capture_output=True, text=True, check=True
        ).stdout
        assert re.search(r"^Tagged:\s+yes$", info, flags=re.M)


def _pdftotext(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def test_each_key_figure_is_read_directly_before_its_context(built: Built) -> None:
    figures = built.brief.key_figures
    assert len(figures) >= 2
    readers = {"pypdf": _text(PdfReader(built.files["pdf"])).replace("\u2009", " ")}
    if shutil.which("pdftotext"):
        readers["pdftotext"] = _pdftotext(built.files["pdf"])
    for name, text in readers.items():
        start = text.index("KEY FIGURES")
        for figure in figures:
            context = " ".join(figure.context.split()[:4])
            assert f"{figure.figure} {context}" in text[start:], (name, figure.figure)


def test_links_in_the_pdf_open_the_sources_and_jump_to_their_entries() -> None:
    from digest.render.editions import render_print_html
    from tests.render.test_editions import NET, WIRE, linked_brief

    data, _ = html_to_pdf(render_print_html(linked_brief()), templates=templates_dir())
    reader = PdfReader(io.BytesIO(data))
    uris, jumps = [], []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            assert link["/Subtype"] == "/Link"
            if "/A" in link and link["/A"].get("/S") == "/URI":
                uris.append(link["/A"]["/URI"])
            else:
                jumps.append(str(link["/Dest"]))
    assert sorted(uris) == sorted([WIRE, WIRE, NET, NET])  # title and address of each
    # The seven citation numbers: [1, 2], [1, 3], [3] and [4, 1].
    assert sorted(jumps) == sorted(
        ["source-1"] * 3 + ["source-2"] + ["source-3"] * 2 + ["source-4"]
    )
    destinations = reader.named_destinations
    for n, title in ((1, "Austin upgrades"), (3, "A local file"), (4, "A hostile address")):
        page = reader.get_destination_page_number(destinations[f"source-{n}"])
        assert title in reader.pages[page].extract_text()
