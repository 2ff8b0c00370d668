from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from digest.errors import IngestError
from digest.read.ingest import parse_article, read_folder
from tests.conftest import SEEDS

NOISE = [
    ("001_1416eec8ea7bb4fd.txt", "Login"),
    ("001_1416eec8ea7bb4fd.txt", "What This Means for U.S.-Japan Relations"),
    ("001_1416eec8ea7bb4fd.txt", "Extended Deterrence: A New Era"),
    ("002_531e204d74deff41.txt", "- The Significance of the Trilateral Gathering"),
    ("002_531e204d74deff41.txt", "Conclusion: A Formidable Alliance Forged"),
    ("004_e1d64e29ef323a9b.txt", "Sopa Images | Lightrocket | Getty Images"),
    ("004_e1d64e29ef323a9b.txt", "JAPAN – 23/02/2023: A Sikorsky SH-60 Seahawk helicopter"),
    ("003_2e0cdefefc9246b7.txt", "TOKYO –"),
]


@pytest.fixture(scope="module")
def seed_articles() -> dict[str, object]:
    ingested = read_folder(SEEDS)
    assert not ingested.skipped
    return {a.path.name: a for a in ingested.articles}


@pytest.mark.parametrize(("name", "noise"), NOISE)
def test_seed_noise_is_not_article_text(seed_articles: dict, name: str, noise: str) -> None:
    article = seed_articles[name]
    raw = (SEEDS / name).read_text("utf-8")
    assert noise in raw  # the case really is in the seed
    assert noise not in article.text
    assert any(noise in line for line in article.removed)


def test_dateline_is_kept_as_metadata_and_the_sentence_survives(seed_articles: dict) -> None:
    article = seed_articles["003_2e0cdefefc9246b7.txt"]
    assert article.dateline == "TOKYO"
    assert article.paragraphs[0].startswith("US Defence Secretary Lloyd Austin is set to announce")


def test_seed_articles_keep_their_prose(seed_articles: dict) -> None:
    article = seed_articles["004_e1d64e29ef323a9b.txt"]
    assert article.paragraphs[0].startswith("The United States will unveil a major overhaul")
    raw_lines = (SEEDS / "004_e1d64e29ef323a9b.txt").read_text("utf-8").strip().splitlines()
    assert len(article.paragraphs) == len(raw_lines) - 2  # caption and credit
    assert article.title.startswith("The United States will unveil")


def test_headline_line_becomes_the_title() -> None:
    data = b"Japan and US agree on new command\n\nThe allies agreed on Sunday. It took a year."
    article = parse_article(data, name="a.txt")
    assert article.title == "Japan and US agree on new command"
    assert article.paragraphs == ("The allies agreed on Sunday. It took a year.",)


def test_yaml_front_matter_gives_metadata() -> None:
    data = (
        b"---\ntitle: Allies upgrade command\nsource: Example Times\nurl: https://example.org/a\n"
        b"published: 2024-07-28\n---\nThe allies agreed on a new command on Sunday.\n"
    )
    article = parse_article(data, name="a.md")
    assert (article.title, article.outlet, article.url) == (
        "Allies upgrade command",
        "Example Times",
        "https://example.org/a",
    )
    assert article.published is not None and article.published.isoformat() == "2024-07-28"


def test_toml_front_matter_gives_metadata() -> None:
    data = b'+++\ntitle = "T"\noutlet = "Wire"\n+++\nThe allies agreed on Sunday.\n'
    article = parse_article(data, name="a.md")
    assert (article.title, article.outlet) == ("T", "Wire")


def test_cp1252_article_is_read_with_its_quotes() -> None:
    text = "The minister said \u201cwe are ready\u201d in Tokyo \u2013 caf\u00e9 talks.\n"
    article = parse_article(text.encode("cp1252"), name="old.txt")
    assert article.encoding == "cp1252"
    assert article.paragraphs == (text.strip(),)


def test_utf8_bom_and_crlf_are_handled() -> None:
    data = "\ufeffFirst line of prose here.\r\nSecond line of prose.\r\n".encode()
    article = parse_article(data, name="bom.txt")
    assert article.encoding == "utf-8-sig"
    assert article.paragraphs == ("First line of prose here.", "Second line of prose.")


def test_hard_wrapped_text_is_joined_into_paragraphs() -> None:
    data = b"The talks began on Monday \nin Tokyo and ended \nlate on Tuesday.\n\nA second paragraph \nfollows here.\n"
    article = parse_article(data, name="wrapped.txt")
    assert article.paragraphs == (
        "The talks began on Monday in Tokyo and ended late on Tuesday.",
        "A second paragraph follows here.",
    )


def test_html_article_keeps_only_article_text() -> None:
    data = b"""<html><head><title>Page title</title><style>p{}</style>
    <meta property="og:site_name" content="Example News"></head><body>
    <nav>Home | World</nav><article><h1>Allies agree</h1>
    <p>The allies agreed on a new command on Sunday.</p>
    <figure><img src="http://127.0.0.1:9/x.png"><figcaption>A photo caption.</figcaption></figure>
    <h2>Background</h2><script>alert(1)</script>
    <p>Talks began <a href="http://127.0.0.1:9/">last year</a> in Tokyo.</p></article>
    <footer>Copyright</footer></body></html>"""
    article = parse_article(data, name="page.html", html=True)
    assert article.title == "Allies agree"
    assert article.outlet == "Example News"
    assert article.paragraphs == (
        "The allies agreed on a new command on Sunday.",
        "Talks began last year in Tokyo.",
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n  ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
        (b"Login\nSubscribe\n", "no article text"),
    ],
)
def test_unusable_bytes_raise_ingest_error_naming_the_file(data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=rf"^bad\.txt: .*{reason}"):
        parse_article(data, name="bad.txt")


def test_folder_reading_skips_bad_files_by_name_and_keeps_the_rest(
    article_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (article_dir / "empty.txt").write_bytes(b"")
    (article_dir / "photo.txt").write_bytes(b"\x00\x01\x02binary")
    (article_dir / "folder.md").mkdir()
    (article_dir / "copy.txt").write_bytes((SEEDS / "000_828fad1022270e02.txt").read_bytes())
    (article_dir / "notes.pdf").write_bytes(b"%PDF-1.4")
    (article_dir / "huge.txt").write_bytes(b"a" * 20_000)
    outside = tmp_path / "outside.txt"
    outside.write_text("A secret sentence that lives outside the input folder.")
    os.symlink(outside, article_dir / "link.txt")
    ingested = read_folder(article_dir, max_bytes=10_000)
    reasons = {s.name: s.reason for s in ingested.skipped}
    assert len(ingested.articles) == 5
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["photo.txt"]
    assert "folder" in reasons["folder.md"]
    assert reasons["copy.txt"] == "duplicate of 000_828fad1022270e02.txt"
    assert "not an article file" in reasons["notes.pdf"]
    assert "over the" in reasons["huge.txt"] and "limit" in reasons["huge.txt"]
    assert "outside the input folder" in reasons["link.txt"]
    for name in reasons:
        assert any(name in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert [a.index for a in ingested.articles] == [1, 2, 3, 4, 5]


# --- invisible characters, hostile names, links and scripts ---------------------------------

SEED = SEEDS / "000_828fad1022270e02.txt"
HIDDEN = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u00ad"


def _sprinkle(text: str, marks: str) -> str:
    """The text with one invisible character after every fifth visible one."""
    out = []
    for n, char in enumerate(text):
        out.append(char)
        if n % 5 == 4 and char != "\n":
            out.append(marks[n % len(marks)])
    return "".join(out)


def test_a_copy_with_zero_width_and_bidi_characters_is_a_duplicate(tmp_path: Path) -> None:
    original = SEED.read_text("utf-8")
    (tmp_path / "a.txt").write_text(original, "utf-8")
    (tmp_path / "b.txt").write_text(_sprinkle(original, HIDDEN), "utf-8")
    ingested = read_folder(tmp_path)
    assert len(ingested.articles) == 1
    assert [(s.name, s.reason) for s in ingested.skipped] == [("b.txt", "duplicate of a.txt")]


def test_every_unicode_format_character_is_stripped_from_text_and_metadata() -> None:
    format_chars = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf")
    body = "The ministers agreed on a new command on Sunday in Tokyo after long talks."
    data = f"---\ntitle: {_sprinkle('Allies agree on command', format_chars)}\noutlet: Wire\u202e\n---\n"
    data += _sprinkle(body, format_chars) + "\n" + format_chars + "\n"
    article = parse_article(data.encode("utf-8"), name="a.md")
    assert article.paragraphs == (body,)
    assert (article.title, article.outlet) == ("Allies agree on command", "Wire")


def test_invisible_characters_written_as_html_entities_are_stripped() -> None:
    data = (
        b"<html><body><article><p>The minis&#8203;ters agreed&zwj; on a new &#x202E;command "
        b"on Sunday&rlm; in Tokyo.</p></article></body></html>"
    )
    article = parse_article(data, name="a.html", html=True)
    assert article.paragraphs == ("The ministers agreed on a new command on Sunday in Tokyo.",)


def test_a_file_name_with_a_newline_and_escapes_is_logged_escaped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    evil = "x.txt\nskipped all.txt: forged line \x1b[31mred\x1b[0m \u202eevil.txt"
    (tmp_path / evil).write_text("Login\n")
    ingested = read_folder(tmp_path)
    shown = "x.txt\\x0askipped all.txt: forged line \\x1b[31mred\\x1b[0m \\u202eevil.txt"
    assert [s.name for s in ingested.skipped] == [shown]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"skipped {shown}: no article text left after cleaning"]


def test_a_symbolic_link_loop_is_skipped_by_name(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_bytes(SEED.read_bytes())
    os.symlink("b.txt", tmp_path / "a.txt")
    os.symlink("a.txt", tmp_path / "b.txt")
    os.symlink("self.md", tmp_path / "self.md")
    ingested = read_folder(tmp_path)
    assert [a.path.name for a in ingested.articles if a.path] == ["ok.txt"]
    reasons = {s.name: s.reason for s in ingested.skipped}
    assert set(reasons) == {"a.txt", "b.txt", "self.md"}
    assert all("loop" in reason for reason in reasons.values())


def test_an_article_in_a_script_digest_cannot_split_is_skipped_naming_the_script(
    tmp_path: Path,
) -> None:
    (tmp_path / "ok.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "thai.txt").write_text(
        "ข่าววันนี้\n\nรัฐบาลไทยประกาศแผนการลงทุนใหม่ในวันนี้ นายกรัฐมนตรีกล่าวว่าแผนนี้จะช่วยเศรษฐกิจ\n"
    )
    ingested = read_folder(tmp_path)
    assert [a.path.name for a in ingested.articles if a.path] == ["ok.txt"]
    [skipped] = ingested.skipped
    assert skipped.name == "thai.txt"
    assert "Thai script" in skipped.reason


# --- a page without <article>: trafilatura tells the article from the boilerplate ---------

STORY = [
    "The defense ministers of Japan and the United States agreed on Sunday to upgrade the "
    "command structure of American forces stationed in Japan.",
    "Under the plan, US Forces Japan will become a joint force headquarters with operational "
    "responsibilities, officials said after the talks in Tokyo.",
    "The change is meant to improve coordination with Japan's Self-Defense Forces, which are "
    "setting up their own joint operations command next year.",
    "Officials said the transition would take place in phases and that no date had been set "
    "for its completion.",
    "The ministers also discussed the joint production of missiles, including advanced "
    "medium-range air-to-air missiles, to ease supply shortages.",
    "China's foreign ministry criticized the meeting, saying the countries should not target "
    "a third party or harm the interests of others.",
]
BOILERPLATE = {
    "cookie banner": "We use cookies to personalise content and ads and to analyse our "
    "traffic. Accept all cookies or manage your preferences.",
    "subscribe prompt": "Subscribe now to keep reading: unlimited access to every story for "
    "just one dollar a week.",
    "newsletter promo": "Sign up for our Morning Briefing newsletter and get the day's top "
    "headlines in your inbox every weekday.",
    "related heading": "Related stories from our newsroom",
    "teaser 1": "Typhoon season brings record rainfall to southern islands as farmers count "
    "the cost of the damage",
    "teaser 2": "Tech giant unveils folding phone with longer battery life and a brighter "
    "screen for the holidays",
}


def boilerplate_page() -> bytes:
    b = BOILERPLATE
    return f"""<!doctype html><html><head><title>Allies upgrade command - Example News</title>
<meta property="og:site_name" content="Example News"></head><body>
<div class="cookie-banner"><p>{b["cookie banner"]}</p><button>Accept</button></div>
<div class="header"><a href="/">Example News</a></div>
<div class="content"><h1>Allies upgrade US command in Japan</h1>
<p>{STORY[0]}</p><p>{STORY[1]}</p>
<div class="paywall"><p>{b["subscribe prompt"]}</p></div>
<p>{STORY[2]}</p><p>{STORY[3]}</p>
<div class="newsletter-promo"><p>{b["newsletter promo"]}</p></div>
<p>{STORY[4]}</p><p>{STORY[5]}</p></div>
<div class="related"><h3>{b["related heading"]}</h3>
<div class="teaser"><a href="/a"><p>{b["teaser 1"]}</p></a></div>
<div class="teaser"><a href="/b"><p>{b["teaser 2"]}</p></a></div></div>
</body></html>""".encode()


def test_a_page_without_article_keeps_its_story_and_at_most_one_boilerplate_block() -> None:
    article = parse_article(boilerplate_page(), name="page.html", html=True)
    text = article.text
    kept = [name for name, block in BOILERPLATE.items() if block[:40] in text]
    assert len(kept) <= 1, kept
    assert all(sentence in text for sentence in STORY)
    assert article.title == "Allies upgrade US command in Japan"
    assert article.outlet == "Example News"


# --- encodings: UTF-8, else cp1252 for Latin-script text, else charset-normalizer ------------

ENCODED = [
    (
        "Президент России заявил в понедельник, что переговоры с Японией продолжатся. "
        "Министры встретились в Токио и обсудили новые меры безопасности.",
        "cp1251",
    ),
    ("Le ministre a dit à Tokyo que l'accord était prêt.", "cp1252"),  # short French
    (
        "Die Minister trafen sich am Montag in Tokio und einigten sich über größere Übungen.",
        "cp1252",
    ),
    (
        "El ministro dijo en Tokio que el acuerdo está listo y que habrá más ejercicios el "
        "año próximo, según la señora Núñez.",
        "cp1252",
    ),
]


@pytest.mark.parametrize(("text", "encoding"), ENCODED, ids=["ru", "fr", "de", "es"])
def test_an_article_that_is_not_utf8_is_read_right_and_the_encoding_is_named(
    text: str, encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    article = parse_article(text.encode(encoding), name="old.txt")
    assert article.paragraphs == (text,)
    assert article.encoding == encoding
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning == f"old.txt: not UTF-8; read as {encoding} (save it as UTF-8 to be sure)"


def test_utf8_is_read_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    article = parse_article(
        "Le ministre a dit à Tokyo que l'accord était prêt.".encode(), name="a.txt"
    )
    assert article.encoding == "utf-8" and not caplog.records


def test_a_chinese_text_longer_than_any_article_is_skipped_too() -> None:
    """Chinese has no spaces: counted by spaces, a 300 KB text was a few hundred words."""
    sentence = "中国国家统计局周二公布的数据显示，今年前三个季度工业企业利润同比增长。"
    han = sum(1 for c in sentence if "\u4e00" <= c <= "\u9fff")
    paragraph = sentence * 20
    paragraphs = 2 * 20_000 // (han * 20) + 2  # two characters a word: over 20,000 words
    with pytest.raises(IngestError, match=r"more than one article holds \(at most 20,000\)"):
        parse_article("\n\n".join([paragraph] * paragraphs).encode(), name="book.txt")


@pytest.mark.expect_warnings  # it says which bytes were not UTF-8
def test_one_stray_latin1_byte_in_utf8_garbles_nothing_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Read as one code page, the file came out "‚Äúwe will not‚ÄĚ … cafť" (mac_latin2)."""
    text = "The minister said “we will not back down” at the café on Tuesday, police said."
    data = text.encode("utf-8").replace("é".encode(), "é".encode("latin-1"))
    assert data.count(b"\xe9") == 1  # one Latin-1 byte among UTF-8 quotes
    article = parse_article(data, name="mixed.txt")
    assert article.paragraphs == (text,)
    assert article.encoding == "utf-8+cp1252"
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning == (
        "mixed.txt: not UTF-8 in 1 byte(s), read as cp1252 (save it as UTF-8 to be sure)"
    )


@pytest.mark.expect_warnings  # the folder reader names the file it skips
def test_a_text_longer_than_any_article_is_skipped_by_name_and_the_rest_is_read(
    article_dir: Path,
) -> None:
    """A book-length file under the byte cap once took minutes and gigabytes to brief."""
    sentence = "The council debated the budget for the new roads and schools until late."
    words_each = len(sentence.split())
    per_paragraph = 10
    paragraph = " ".join([sentence] * per_paragraph)
    paragraphs = 20_000 // (words_each * per_paragraph) + 2  # just over 20,000 words
    (article_dir / "book.txt").write_text("\n\n".join([paragraph] * paragraphs), "utf-8")
    assert (article_dir / "book.txt").stat().st_size < 5 * 1024 * 1024  # under the byte cap
    ingested = read_folder(article_dir)
    reasons = {s.name: s.reason for s in ingested.skipped}
    total = paragraphs * per_paragraph * words_each
    assert total > 20_000
    assert reasons == {
        "book.txt": f"{total:,} words, more than one article holds "
        "(at most 20,000): split it into its articles"
    }
    assert len(ingested.articles) == 5  # the seeds beside it are all read


PROSE = (
    "The Senate passed a $95 billion spending bill on Tuesday after weeks of talks.",
    "The bill includes funding for disaster relief, according to the committee.",
    "The House is expected to vote on the measure next week, the majority leader said.",
)
# Page furniture written as sentences, with final periods (a hostile-user report: each
# of these became a quoted point of the brief).
FURNITURE = (
    "Skip to main content.",
    "Related: Senate leaders reach a deal on the border package.",
    "Click to share on WhatsApp (Opens in new window).",
    "We and our partners use cookies and similar technologies to personalise content and ads.",
    "Reporting by John Smith; Editing by Mary Jones.",
    "Follow us on Twitter for the latest updates.",
    "Sign up for our newsletter to get the best stories in your inbox every morning.",
    "Sign in to continue reading.",
    "Published 3 hours ago.",
    "Copyright © 2024 The Associated Press. All rights reserved.",
)
# Prose that opens with the same words stays.
LOOKALIKES = (
    "Copyright lawyers for the studios argued the new rules would hurt small publishers.",
    "Shares on Wall Street fell sharply after the central bank raised its key rate.",
    "Watch officials said the storm would reach the coast by Thursday evening.",
    # From a review: each was removed as furniture by the first version of the rule.
    "Tap to pay is now accepted on every bus and train in the city, the transit authority "
    "said on Monday.",
    "Click to Pay, the card networks' checkout button, has struggled to win over shoppers.",
    "“Click here to claim your refund,” the fraudulent texts read, according to prosecutors.",
    "“Sign up for our rewards program today,” the scam emails said, promising gift cards.",
    "Listen: the minister's words were clear, the opposition leader told parliament.",
    "Watch: the moment the bridge collapsed was caught on a dashcam, police said.",
    "Contents: two tonnes of cocaine were found in the container, customs officials said.",
    "Copyright 1998 legislation, the Digital Millennium Copyright Act, set new rules online.",
)


@pytest.mark.parametrize("line", FURNITURE)
def test_page_furniture_written_as_a_sentence_is_not_article_text(line: str) -> None:
    text = "\n".join([PROSE[0], line, PROSE[1], line, PROSE[2]])
    article = parse_article(text.encode(), name="page.txt")
    assert line not in article.text
    assert article.paragraphs == PROSE
    assert any(r.endswith(line) for r in article.removed)


@pytest.mark.parametrize("line", LOOKALIKES)
def test_prose_that_opens_like_page_furniture_stays(line: str) -> None:
    text = "\n".join([PROSE[0], line, PROSE[1]])
    assert line in parse_article(text.encode(), name="page.txt").paragraphs


def test_a_front_matter_title_that_is_a_list_or_table_counts_as_absent() -> None:
    """YAML reads `title: [[x, x]]` as a list; its Python form became the title."""
    text = (
        "---\ntitle: [[x, x], [y]]\nurl: {href: 1}\noutlet: [Wire]\n---\n"
        "The council approved the transit budget on Tuesday after a six-hour debate.\n"
    )
    article = parse_article(text.encode(), name="t.md")
    assert (
        article.title
        == "The council approved the transit budget on Tuesday after a six-hour debate."
    )
    assert article.url is None and article.outlet is None
