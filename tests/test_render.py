from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser

import pytest

from digest.config import load_profile
from digest.models import Article, Brief, KeyFigure, Point, Section, Sentence
from digest.pipeline import Built
from digest.render import (
    EMAIL_LIMIT_BYTES,
    render_email_html,
    render_print_html,
    render_text,
)
from tests.conftest import printed_sections

HOSTILE = (
    "Officials said </td></table><script>alert('x')</script> and {{ 7*7 }} {% raw %} <b>loudly</b>."
)


class Tree(HTMLParser):
    """Just enough of a DOM to check an email: tags with their attributes, and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def hostile_brief() -> Brief:
    sentence = Sentence(1, 0, 0, HOSTILE)
    point = Point(sentence, (1,), 1.0, 0)
    article = Article(
        index=1,
        title="<img src=x onerror=alert(1)>",
        paragraphs=(HOSTILE,),
        outlet="{{ config }}",
        url="javascript:alert(1)",
    )
    return Brief(
        title=load_profile("seeds").title,
        date=dt.date(2024, 7, 29),
        lead=(),
        sections=(Section("Command structure", (point,)),),
        key_figures=(KeyFigure("<b>54,000</b>", HOSTILE, (1,)),),
        sources=(article,),
        method="coverage",
    )


@pytest.mark.parametrize("render", [render_print_html, render_email_html])
def test_article_markup_and_template_syntax_are_shown_literally(render) -> None:
    html = render(hostile_brief())
    tree = Tree(html)
    assert not tree.all("script")
    assert not [a for a in tree.all("img")]
    assert HOSTILE in "".join(tree.text)
    assert "{{ config }}" in "".join(tree.text)


def test_text_edition_keeps_hostile_text_verbatim() -> None:
    text = render_text(hostile_brief())
    assert "</td></table><script>" in " ".join(text.split())
    assert "{{ 7*7 }}" in text


def test_email_html_is_table_layout_with_inlined_css(built: Built) -> None:
    html = built.files["html"].read_text("utf-8")
    tree = Tree(html)
    (root,) = tree.all("html")
    assert root.get("lang") == "en"
    assert not tree.all("script") and not tree.all("link") and not tree.all("style")
    tables = tree.all("table")
    assert tables and all(t.get("role") == "presentation" for t in tables)
    assert any(t.get("width") == "600" for t in tables)
    assert all(not (img.get("src") or "").startswith(("http", "//")) for img in tree.all("img"))
    styled = [a for _, a in tree.tags if a.get("style")]
    assert len(styled) > 20
    assert not [
        a
        for _, a in tree.tags
        if a.get("class")
        and not a.get("style")
        and _ not in ("html", "head", "meta", "title", "br")
    ]
    assert len(html.encode()) < EMAIL_LIMIT_BYTES


def test_email_html_has_a_preheader_and_web_safe_fonts(built: Built) -> None:
    html = built.files["html"].read_text("utf-8")
    tree = Tree(html)
    preheader = [
        a for t, a in tree.tags if t == "div" and "display: none" in (a.get("style") or "")
    ]
    assert preheader
    for _, attrs in tree.tags:
        style = attrs.get("style") or ""
        if "font-family" in style:
            assert any(f in style for f in ("Georgia", "Arial", "Helvetica", "serif"))
    for point in built.brief.points:
        assert point.text in "".join(tree.text)


def test_json_edition_follows_the_schema(built: Built) -> None:
    data = json.loads(built.files["json"].read_text("utf-8"))
    assert data["title"] == built.brief.title
    assert data["date"] == "2024-07-29"
    assert {"title", "date", "sections", "key_figures", "sources"} <= set(data)
    numbers = {s["n"] for s in data["sources"]}
    assert numbers == {1, 2, 3, 4, 5}
    for source in data["sources"]:
        assert {"n", "title", "outlet"} <= set(source)
        assert "path" in source or "url" in source
    for section in data["sections"]:
        assert section["title"] and section["points"]
        for point in section["points"]:
            assert point["text"] and set(point["sources"]) <= numbers
    for figure in data["key_figures"]:
        assert figure["figure"] and figure["context"] and figure["sources"]


def test_text_edition_has_every_point_and_the_sources(built: Built) -> None:
    text = built.files["txt"].read_text("utf-8")
    flat = " ".join(text.split())
    for point in built.brief.points:
        assert point.text in flat
    for section in printed_sections(built):
        assert section.title.upper() in text
    assert "SOURCES" in text and "Monday, 29 July 2024" in text
    assert max(len(line) for line in text.splitlines()) <= 78


def test_long_citations_are_shortened_and_the_rest_stays_in_json() -> None:
    from digest.render import cite, render_json, view

    assert cite((1, 3)) == "[1,\u00a03]"
    assert cite(tuple(range(1, 11))) == "[1,\u00a02,\u00a03,\u00a04,\u00a05,\u00a06\u00a0+4]"
    brief = hostile_brief()
    many = tuple(Article(index=n, title=f"Source {n}", paragraphs=("x",)) for n in range(1, 11))
    point = Point(
        Sentence(1, 0, 0, "A fact that ten outlets reported on the same day."),
        tuple(range(1, 11)),
        1.0,
        0,
    )
    brief = Brief(
        title="T",
        date=dt.date(2024, 7, 29),
        lead=(),
        sections=(Section("S", (point,)),),
        key_figures=(),
        sources=many,
        method="coverage",
    )
    seen = view(brief)
    assert [s.n for s in seen["sources"]] == [1, 2, 3, 4, 5, 6]
    assert seen["unlisted"] == 4
    assert "4 more sources" in render_text(brief)
    assert len(json.loads(render_json(brief))["sources"]) == 10


def test_each_point_is_printed_once_and_the_json_keeps_lead_points_in_sections(
    built: Built,
) -> None:
    assert built.brief.lead
    text = " ".join(built.files["txt"].read_text("utf-8").split())
    html = "".join(Tree(built.files["html"].read_text("utf-8")).text)
    for point in built.brief.points:
        assert text.count(point.text) == 1
        assert html.count(point.text) == 1
    data = json.loads(built.files["json"].read_text("utf-8"))
    in_sections = [p for s in data["sections"] for p in s["points"]]
    assert {p["text"] for p in data["lead"]} == {p["text"] for p in in_sections if p.get("in_lead")}
