from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digest.models import Article, Brief, KeyFigure, Point, Section, Sentence, Story
from digest.pipeline import Built
from digest.profile import load_profile
from digest.render.editions import (
    EMAIL_LIMIT_BYTES,
    render_email_html,
    render_print_html,
    render_text,
    templates_dir,
)
from tests.conftest import printed_sections
from tests.email_features import (
    ALLOWED,
    CLIENTS,
    FIXTURE,
    doiuse,
    doiuse_node_path,
    style_blocks,
    used_titles,
)

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
    assert not tree.all("script") and not tree.all("link")
    assert [s.get("data-css-inline") for s in tree.all("style")] == ["keep"]  # dark mode
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
    preheader = [a for t, a in tree.tags if t == "div" and a.get("class") == "preheader"]
    assert len(preheader) == 1
    style = _declarations(preheader[0])
    # Hidden by size and by the colour of the background it sits on, in light and dark.
    assert style["font-size"] == style["line-height"] == "1px"
    (body,) = tree.all("body")
    assert style["color"] == _declarations(body)["background-color"]
    assert f".preheader {{ color: {_dark_background(html)} !important; }}" in html
    start = html.index('<div class="preheader"')
    preview = "".join(Tree(html[start : html.index("</div>", start)]).text)
    assert preview.startswith(textwrap.shorten(built.brief.points[0].text, 40, placeholder=""))
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
    from digest.render.editions import render_json
    from digest.render.filters import cite
    from digest.render.views import view

    assert cite((1, 3)) == "[1, 3]"
    assert cite(tuple(range(1, 11))) == "[1, 2, 3, 4, 5, 6 +4]"
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
        stories=(Story(1, "S", tuple(range(1, 11))),),
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
    # Up to the source list, whose per-source summaries may quote a point again.
    text = " ".join(built.files["txt"].read_text("utf-8").split()).split(" SOURCES ")[0]
    html = "".join(Tree(built.files["html"].read_text("utf-8")).text).split("Sources")[0]
    for point in built.brief.points:
        assert text.count(point.text) == 1
        assert html.count(point.text) == 1
    data = json.loads(built.files["json"].read_text("utf-8"))
    in_sections = [p for s in data["sections"] for p in s["points"]]
    assert {p["text"] for p in data["lead"]} == {p["text"] for p in in_sections if p.get("in_lead")}


# Links, structure and what mail clients support --------------------------------------


def _declarations(attrs: dict[str, str | None]) -> dict[str, str]:
    pairs = [d.partition(":") for d in (attrs.get("style") or "").split(";") if d.strip()]
    return {k.strip(): v.strip() for k, _, v in pairs}


def _dark_background(html: str) -> str:
    match = re.search(r"\.body, \.outer \{ background-color: (#[0-9a-f]{6}) !important", html)
    assert match, "the dark-mode block sets the page background"
    return match[1]


WIRE = "https://news.example.org/2024/07/28/usfj"
NET = "http://example.net/story?id=7&page=2"


def linked_brief() -> Brief:
    """Four sources: two with web addresses, one local file, one with a javascript: URL."""

    def point(text: str, sources: tuple[int, ...], rank: int) -> Point:
        return Point(Sentence(sources[0], 0, rank, text), sources, 1.0, rank)

    lead = point("Austin will upgrade US Forces Japan to a joint force headquarters.", (1, 2), 0)
    local = point("The new command will be led by a three-star officer.", (3,), 1)
    bad = point("Japan plans a Joint Operations Command of its own.", (4, 1), 2)
    articles = (
        Article(1, "Austin upgrades US Forces Japan", ("x",), url=WIRE, outlet="Example Wire"),
        Article(2, "Talks in Tokyo", ("x",), url=NET, published=dt.date(2024, 7, 28)),
        Article(3, "A local file", ("x",), path=Path("003.txt")),
        Article(4, "A hostile address", ("x",), url="javascript:alert(1)"),
    )
    return Brief(
        title="Alliance Brief",
        date=dt.date(2024, 7, 29),
        lead=(lead,),
        sections=(Section("Command", (lead, local)), Section("Japan", (bad,))),
        key_figures=(KeyFigure("54,000 troops", "about 54,000 troops are in Japan", (1, 3)),),
        sources=articles,
        method="coverage",
    )


def _hrefs(html: str) -> list[str]:
    return [a.get("href") or "" for a in Tree(html).all("a")]


def _links(html: str, cls: str) -> list[str]:
    return [a.get("href") or "" for a in Tree(html).all("a") if a.get("class") == cls]


@pytest.mark.parametrize("render", [render_print_html, render_email_html])
def test_sources_with_an_address_are_links_by_title_and_address(render) -> None:
    html = render(linked_brief())
    titled = [WIRE, WIRE, NET, NET]  # title and address of each source with an http(s) URL
    sources = [a.get("href") for a in Tree(html).all("a") if a.get("class") != "cite-link"]
    assert sorted(h or "" for h in sources) == sorted(titled)
    text = "".join(Tree(html).text)
    assert "Austin upgrades US Forces Japan" in text and "Talks in Tokyo" in text
    assert not [h for h in _hrefs(html) if not h.startswith(("#", "http://", "https://"))]
    assert "javascript:alert(1)" in text  # shown as text, never a link


@pytest.mark.parametrize("render", [render_print_html, render_email_html])
@pytest.mark.parametrize("url", ["https://exa mple.com/<x>", 'https://example.com/"onclick=x'])
def test_an_address_no_url_could_hold_is_shown_as_text_never_a_link(render, url: str) -> None:
    """An article's front matter gave 'https://exa mple.com/<x>': it became a link."""
    brief = linked_brief()
    hostile = dataclasses.replace(brief.sources[3], url=url)
    html = render(dataclasses.replace(brief, sources=(*brief.sources[:3], hostile)))
    assert not [h for h in _hrefs(html) if "exa" in h and h not in (WIRE, NET)]
    assert url in "".join(Tree(html).text)


def test_email_citations_lead_to_the_article_where_it_has_an_address() -> None:
    # Links within a message do nothing in Gmail for iOS and Outlook's apps (caniemail:
    # local anchors), so in the email [n] opens the article itself where it has a URL:
    # [1, 2] at a glance, [1, 3] in the key figure, [4, 1] in the body; [3] and 4 have none.
    assert sorted(_links(render_email_html(linked_brief()), "cite-link")) == sorted(
        [WIRE, NET, WIRE, WIRE]
    )


def test_each_citation_in_the_print_edition_links_to_its_source_entry() -> None:
    html = render_print_html(linked_brief())
    tree = Tree(html)
    ids = {a["id"] for _, a in tree.tags if a.get("id")}
    internal = [h for h in _hrefs(html) if h.startswith("#")]
    # At a glance [1, 2]; key figure [1, 3]; body: the local point [3] and [4, 1].
    assert sorted(internal) == sorted(
        ["#source-1", "#source-2", "#source-1", "#source-3", "#source-3", "#source-4", "#source-1"]
    )
    assert {h[1:] for h in internal} <= ids
    entries = [a for t, a in tree.tags if t == "li" and (a.get("id") or "").startswith("source")]
    assert [(a["id"], a["value"]) for a in entries] == [
        (f"source-{n}", str(n)) for n in (1, 2, 3, 4)
    ]


def test_email_blocks_have_real_headings_and_points_are_lists(built: Built) -> None:
    tree = Tree(built.files["html"].read_text("utf-8"))
    headings: list[str] = []
    parser = _Headings()
    parser.feed(built.files["html"].read_text("utf-8"))
    headings = parser.headings
    assert {"At a glance", "Key figures", "Sources"} <= set(headings)
    for section in printed_sections(built):
        assert section.title in headings
    items = parser.items
    for point in built.brief.points:
        assert point in built.brief.lead or any(point.text in item for item in items)
    for figure in built.brief.key_figures:
        assert any(item.startswith(figure.figure) for item in items)
    assert len(tree.all("ul")) >= 2 and tree.all("ol")
    assert "•" not in "".join(tree.text)


class _Headings(HTMLParser):
    """The text of each h1-h3 and of each li."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[str] = []
        self.items: list[str] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "li"):
            self._open.append([tag])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "li") and self._open:
            kind, *text = self._open.pop()
            (self.items if kind == "li" else self.headings).append(" ".join("".join(text).split()))

    def handle_data(self, data: str) -> None:
        for open_ in self._open:
            open_.append(data)


def test_email_dark_mode_is_a_kept_media_block_with_legible_colours(built: Built) -> None:
    html = built.files["html"].read_text("utf-8")
    tree = Tree(html)
    metas = {a.get("name"): a.get("content") for a in tree.all("meta")}
    assert metas["color-scheme"] == "light dark"
    (block,) = style_blocks(html)
    rules = re.sub(r"/\*.*?\*/", "", block, flags=re.S).strip()
    assert rules.startswith("@media (prefers-color-scheme: dark) {") and rules.endswith("}")
    assert html.index(block) < html.index("<body")
    light = (templates_dir() / "email.css").read_text("utf-8")
    for selector in set(re.findall(r"\.([a-z-]+)", rules)):
        assert f".{selector} {{" in light, f"the dark-mode rule for .{selector} matches nothing"
    # Each dark text colour against the dark page: WCAG contrast of at least 4.5.
    page = re.search(r"\.page \{ background-color: (#[0-9a-f]{6})", rules)
    assert page
    for colour in re.findall(r"(?<![-\w])color: (#[0-9a-f]{6}) !important", rules):
        if colour != _dark_background(html):  # the hidden preheader
            assert _contrast(colour, page[1]) >= 4.5, colour


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("which", ["seed brief", "brief with links"])
def test_email_uses_nothing_caniemail_marks_unsupported(built: Built, which: str) -> None:
    html = (
        built.files["html"].read_text("utf-8")
        if which == "seed brief"
        else render_email_html(linked_brief())
    )
    unsupported = json.loads(FIXTURE.read_text("utf-8"))["unsupported"]
    used = used_titles(html, unsupported)
    assert used - ALLOWED == set(), {t: unsupported[t]["clients"] for t in used - ALLOWED}
    # What the fixture must catch: the preheader hiding and nowrap this email dropped.
    for title in ("display:none", "overflow", "opacity", "white-space", "word-break"):
        assert title in used_titles(
            f'<p style="{title.replace(":", ": ")}{": x" * (":" not in title)}">', unsupported
        )


def test_doiuse_email_finds_only_the_allowed_features(built: Built) -> None:
    node_path = doiuse_node_path()
    if node_path is None:
        pytest.skip(
            "doiuse-email not installed: npm install -g doiuse-email (or set DIGEST_DOIUSE_NODE_PATH)"
        )
    for html in (built.files["html"].read_text("utf-8"), render_email_html(linked_brief())):
        result = doiuse(html, node_path=node_path, clients=CLIENTS)
        unsupported = {m.split("`")[1] for m in result.get("errors", [])}
        assert unsupported - ALLOWED == set()
        assert "role attribute" in unsupported  # the check ran and saw the tables


def test_text_part_has_plain_spaces_and_citations_stay_with_their_last_word(
    built: Built,
) -> None:
    text = built.files["txt"].read_text("utf-8")
    assert "\u00a0" not in text and "\ue000" not in text
    # "  - " and this text fill 70 of 72 columns: " [1, 2]" does not fit after it.
    words = "word " * 12 + "final."
    sentence = Sentence(1, 0, 0, words)
    brief = Brief(
        title="T",
        date=dt.date(2024, 7, 29),
        lead=(),
        sections=(Section("S", (Point(sentence, (1, 2), 1.0, 0),)),),
        key_figures=(),
        sources=(Article(1, "One", ("x",)), Article(2, "Two", ("x",))),
        method="coverage",
    )
    lines = render_text(brief).splitlines()
    assert "  - " + "word " * 11 + "word" in lines
    assert "    final. [1, 2]" in lines
    assert not [line for line in lines if line.strip().startswith(("[1, 2]", "2]"))]


@pytest.mark.parametrize("render", [render_print_html, render_email_html])
def test_an_address_with_quotes_is_text_and_never_breaks_out_of_an_attribute(render) -> None:
    """A quote or an angle bracket cannot be in a URL, so such an address is no link (it
    was one, its quotes escaped inside the href); either way no attribute is added."""
    url = 'https://example.org/a"onmouseover="alert(1)&b=<i>'
    article = Article(1, "Quoted", ("x",), url=url)
    html = render(dataclasses.replace(hostile_brief(), sources=(article,)))
    links = Tree(html).all("a")
    assert all(a.get("href") == "#source-1" for a in links)
    assert not [a for a in links if "onmouseover" in a]
    assert url in "".join(Tree(html).text)


@pytest.mark.parametrize("render", [render_print_html, render_email_html])
def test_each_point_at_a_glance_is_a_paragraph_of_its_own(render) -> None:
    """On a day of many stories each point at a glance is another story's: one
    paragraph ran Kosovo, the IOC and Cambodia together (a hostile-user report)."""
    brief = linked_brief()
    lead = tuple(p for s in brief.sections for p in s.points)
    html = render(dataclasses.replace(brief, lead=lead))
    glance = html[html.index("At a glance") : html.index("Key figures")]
    paragraphs = re.findall(r"<p\b[^>]*>(.*?)</p>", glance, re.S)
    assert len(paragraphs) == len(lead) == 3
    for paragraph, point in zip(paragraphs, lead, strict=True):
        assert paragraph.startswith(point.text)
