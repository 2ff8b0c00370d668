"""Briefs of Japanese, Korean and Arabic articles: text and JSON everywhere, PDF with fonts.

The articles below were written for these tests (a tram line, a library and a hospital
that do not exist); each language has three articles that report some facts in common.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from digest.cli import main
from digest.pipeline import Built, build_brief
from digest.read.ingest import read_folder
from tests.conftest import pdf_words

DATE = dt.date(2024, 7, 29)

ARTICLES = {
    "ja": (
        """北浜市で新しい路面電車が開業

北浜市で新しい路面電車の路線が二十九日に開業し、初日から多くの市民が利用した。新路線は駅前から港までの八キロを結び、十二の停留所が設けられた。

市によると、建設費はおよそ三百億円で、国の補助金が半分を占めた。市長は開業式典で「路面電車は街の新しい顔になる」と述べた。

運行は午前六時から深夜まで、七分ごとに電車が走る予定だ。市は今後五年間で路線を空港まで延ばす計画も発表した。
""",
        """路面電車、北浜市で運行開始

北浜市の路面電車が二十九日に開業し、駅前から港までの八キロの区間で運行が始まった。初日は朝から利用者が多く、市によると約二万人が乗車した。

建設費は約三百億円で、その半分を国の補助金でまかなった。地元の商店街では、路面電車の開業で客が増えることへの期待が高まっている。

一方で、車の渋滞が悪化するとの懸念も一部の住民から出ている。
""",
        """港町に路面電車

港町として知られる北浜市で二十九日、新しい路面電車が走り始めた。路線は全長八キロで、駅前と港の間にある十二の停留所を七分ごとに結ぶ。

市長は記者会見で、空港までの延伸計画を五年以内に実現したいと語った。専門家は、地方都市での路面電車の新設は全国でも珍しいと指摘している。
""",
    ),
    "ko": (
        """해림시 새 시립 도서관 개관

해림시가 29일 시내 중심가에 새로운 시립 도서관을 개관했다고 밝혔다. 새 도서관은 지상 5층 규모로 약 30만 권의 책을 갖추고 있다.

시는 도서관 건립에 모두 450억 원을 들였으며 이 가운데 절반은 국비로 충당했다. 시장은 개관식에서 도서관이 시민 모두의 배움터가 될 것이라고 말했다.

도서관은 매일 오전 9시부터 오후 10시까지 문을 연다.
""",
        """해림시 도서관 문 열어

해림시 시립 도서관이 29일 문을 열고 처음으로 시민들을 맞이했다. 도서관은 5층 건물에 30만 권의 장서를 갖췄으며 어린이 열람실도 따로 마련했다.

건립 비용은 450억 원으로 그 절반을 국비로 지원받았다. 개관 첫날에만 약 5천 명의 시민이 도서관을 찾은 것으로 집계됐다.

일부 주민들은 도서관 주변에 주차 공간이 크게 부족하다는 불만을 나타냈다.
""",
        """지역 문화의 새 중심

해림시의 새 시립 도서관이 29일 개관하면서 지역 문화의 중심으로 떠올랐다. 도서관은 오전 9시부터 오후 10시까지 매일 운영되며 누구나 무료로 이용할 수 있다.

시는 앞으로 3년 안에 동네마다 작은 도서관을 세우겠다는 계획도 내놓았다. 전문가들은 지방 도시에 이런 규모의 도서관이 생기는 것은 드문 일이라고 평가했다.
""",
    ),
    "ar": (
        """مستشفى جديد في مدينة النخيل

افتتحت مدينة النخيل يوم الاثنين مستشفى جديدا يضم ثلاثمائة سرير في وسط المدينة. وبلغت تكلفة بناء المستشفى نحو مئتي مليون دولار بحسب بيان صادر عن البلدية.

وقال رئيس البلدية في حفل الافتتاح إن المستشفى سيخدم أكثر من نصف مليون شخص. ويضم المستشفى الجديد قسما للطوارئ يعمل على مدار الساعة وعشر غرف للعمليات.

هل سيكفي المستشفى الجديد وحده لتلبية كل حاجات السكان في المدينة والقرى؟ يرى بعض الأطباء أن المدينة تحتاج إلى مستشفى ثان خلال السنوات القادمة.
""",
        """افتتاح مستشفى النخيل

دشنت بلدية مدينة النخيل مستشفى جديدا بسعة ثلاثمائة سرير يوم الاثنين. وأوضحت البلدية أن تكلفة المشروع بلغت مئتي مليون دولار مولتها الحكومة بالكامل.

ويعمل قسم الطوارئ في المستشفى على مدار الساعة طوال أيام الأسبوع. ورحب السكان بالمستشفى الذي يختصر عليهم رحلات طويلة إلى العاصمة للعلاج.
""",
        """المستشفى يستقبل أول المرضى

بدأ المستشفى الجديد في مدينة النخيل استقبال المرضى يوم الاثنين بعد ثلاث سنوات من البناء. ويخدم المستشفى أكثر من نصف مليون شخص في المدينة والقرى المجاورة لها.

وأكد مدير المستشفى أن عشر غرف للعمليات جاهزة للعمل منذ اليوم الأول. ويأمل الأطباء أن يخفف المستشفى الضغط على المراكز الصحية الصغيرة في المنطقة.
""",
    ),
}

# Sentences from different articles that state one fact: a brief carries each fact once.
SAME_FACT = {
    "ja": [
        (
            "市によると、建設費はおよそ三百億円で、国の補助金が半分を占めた。",
            "建設費は約三百億円で、その半分を国の補助金でまかなった。",
        ),
        (
            "北浜市で新しい路面電車の路線が二十九日に開業し、初日から多くの市民が利用した。",
            "北浜市の路面電車が二十九日に開業し、駅前から港までの八キロの区間で運行が始まった。",
            "港町として知られる北浜市で二十九日、新しい路面電車が走り始めた。",
        ),
    ],
    "ko": [
        (
            "시는 도서관 건립에 모두 450억 원을 들였으며 이 가운데 절반은 국비로 충당했다.",
            "건립 비용은 450억 원으로 그 절반을 국비로 지원받았다.",
        ),
    ],
    "ar": [
        (
            "افتتحت مدينة النخيل يوم الاثنين مستشفى جديدا يضم ثلاثمائة سرير في وسط المدينة.",
            "دشنت بلدية مدينة النخيل مستشفى جديدا بسعة ثلاثمائة سرير يوم الاثنين.",
        ),
        (
            "وبلغت تكلفة بناء المستشفى نحو مئتي مليون دولار بحسب بيان صادر عن البلدية.",
            "وأوضحت البلدية أن تكلفة المشروع بلغت مئتي مليون دولار مولتها الحكومة بالكامل.",
        ),
    ],
}
LANGUAGES = list(ARTICLES)


def write_articles(folder: Path, language: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, text in enumerate(ARTICLES[language], 1):
        (folder / f"{language}-{n}.txt").write_text(text, "utf-8")
    return folder


@pytest.fixture(scope="module")
def briefs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    made = {}
    for language in LANGUAGES:
        root = tmp_path_factory.mktemp(language)
        folder = write_articles(root / "in", language)
        made[language] = build_brief(input_dir=folder, out=root / "out", date=DATE)
    return made


def squeezed(text: str) -> str:
    """Without whitespace: the text edition wraps lines, also inside unspaced CJK text."""
    return "".join(text.split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_brief_quotes_sentences_verbatim_in_text_and_json(
    briefs: dict[str, Built], language: str
) -> None:
    built = briefs[language]
    points = [p.text for p in built.brief.points]
    assert len(points) >= 6
    sources = "\n".join(ARTICLES[language])
    text = squeezed(built.files["txt"].read_text("utf-8"))
    data = json.dumps(json.loads(built.files["json"].read_text("utf-8")), ensure_ascii=False)
    for point in points:
        assert point in sources
        assert squeezed(point) in text
        assert point in data


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_fact_reported_twice_is_stated_once(briefs: dict[str, Built], language: str) -> None:
    """Once in the brief: as one point, or as the headline its story is shown under."""
    brief = briefs[language].brief
    stated = [p.text for p in brief.points] + [s.title for s in brief.sections]
    for group in SAME_FACT[language]:
        assert sum(text in group for text in stated) == 1, group


@pytest.mark.parametrize("language", LANGUAGES)
def test_questions_are_not_points(briefs: dict[str, Built], language: str) -> None:
    assert not [p.text for p in briefs[language].brief.points if p.text.endswith(("？", "؟", "?"))]


@pytest.mark.parametrize("language", LANGUAGES)
def test_points_are_set_in_their_script_s_direction(
    briefs: dict[str, Built], language: str
) -> None:
    """Arabic reads right to left in the print HTML (the PDF's source) and the email."""
    from html.parser import HTMLParser

    from digest.render.editions import render_print_html

    expected = "rtl" if language == "ar" else "ltr"

    class Points(HTMLParser):
        found: list[str | None] = []
        lists: list[str | None] = []
        langs: list[str | None] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "li":
                self.found.append(dict(attrs).get("dir"))
                self.langs.append(dict(attrs).get("lang"))
            if tag == "ul":  # the list too, so its bullets and indent are on that side
                self.lists.append(dict(attrs).get("dir"))

    for html in (
        render_print_html(briefs[language].brief),
        briefs[language].files["html"].read_text("utf-8"),
    ):
        parser = Points()
        parser.found, parser.lists, parser.langs = [], [], []
        parser.feed(html)
        assert parser.found and set(parser.found) == {expected}
        assert parser.lists and set(parser.lists) == {expected}
        # Kana and Hangul name their language (browsers pick its glyphs by it); the
        # Arabic script is written in several, so it names none.
        assert set(parser.langs) == {{"ja": "ja", "ko": "ko", "ar": None}[language]}


def _bullets(built: Built) -> tuple[float, list[tuple[float, float]]]:
    """The page width and each bullet's left and right edge, read back from the PDF."""
    words = pdf_words(built.files["pdf"])
    width = float(re.search(r'<page width="([\d.]+)"', words)[1])
    found = re.findall(r'<word xMin="([\d.]+)"[^>]*xMax="([\d.]+)"[^>]*>•</word>', words)
    return width, [(float(a), float(b)) for a, b in found]


def test_an_arabic_lists_bullets_mirror_a_japanese_ones(briefs: dict[str, Built]) -> None:
    """Right to left, a point's bullet and indent are on the right, as far in from the
    page's right edge as a left-to-right bullet is from its left edge."""
    width, arabic = _bullets(briefs["ar"])
    _, japanese = _bullets(briefs["ja"])
    assert arabic and japanese
    from_right = {round(width - right, 1) for _, right in arabic}
    from_left = {round(left, 1) for left, _ in japanese}
    assert len(from_right) == 1 and from_right == from_left


def test_the_command_makes_a_japanese_brief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_articles(tmp_path / "in", "ja")
    out = tmp_path / "out"
    code = main(["-q", "brief", "--input", str(folder), "--out", str(out), "--date", "2024-07-29"])
    assert code == 0, capsys.readouterr().err
    assert "路面電車" in (out / "brief-2024-07-29.txt").read_text("utf-8")


def test_the_log_counts_a_chinese_articles_words_as_its_length_limit_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Written without spaces, it was logged as "1 words" (a hostile-user report); the
    # length limit counts a word for every two characters, and so does the log now.
    folder = tmp_path / "in"
    folder.mkdir()
    sentence = "市政府今天宣布新的公共交通计划。"  # 15 Han characters and a full stop
    (folder / "zh.txt").write_text(sentence * 20 + "\n", "utf-8")
    caplog.set_level("DEBUG", logger="digest.read.ingest")
    read_folder(folder)
    assert "zh.txt (utf-8): 150 words" in caplog.text  # 300 Han characters, two a word


def test_an_article_in_an_unsupported_script_is_skipped_not_the_brief(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", "ko")
    (folder / "thai.txt").write_text(
        "ข่าววันนี้\n\nรัฐบาลไทยประกาศแผนการลงทุนใหม่ในวันนี้ นายกรัฐมนตรีกล่าวว่าแผนนี้จะช่วยเศรษฐกิจ\n",
        "utf-8",
    )
    built = build_brief(input_dir=folder, out=tmp_path / "out", date=DATE)
    assert [(s.name, "Thai script" in s.reason) for s in built.brief.skipped] == [
        ("thai.txt", True)
    ]
    assert len(built.brief.sources) == 3
    listed = built.files["txt"].read_text("utf-8")
    assert "thai.txt" in listed and "Thai" in listed


# --- PDF: needs the Noto fonts (Debian fonts-noto-cjk, fonts-noto-core) -------------------


def font_installed(family: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(
        ["fc-list", f":family={family}", "family"], capture_output=True, text=True, timeout=30
    )
    return family in found.stdout


PDF_FONTS = {"ja": "Noto Serif CJK JP", "ko": "Noto Serif CJK JP", "ar": "Noto Naskh Arabic"}


def pdf_fonts(reader: PdfReader) -> set[str]:
    return {
        str(font.get_object().get("/BaseFont"))
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_sets_the_script_in_its_noto_font(briefs: dict[str, Built], language: str) -> None:
    family = PDF_FONTS[language]
    if not font_installed(family):
        pytest.skip(f"{family} is not installed (Debian fonts-noto-cjk / fonts-noto-core)")
    reader = PdfReader(briefs[language].files["pdf"])
    fonts = pdf_fonts(reader)
    assert any(family.replace(" ", "-") in name for name in fonts), fonts
    if language != "ar":  # Arabic comes out of a PDF in shaped, reordered forms
        shown = squeezed("".join(page.extract_text() for page in reader.pages))
        for point in briefs[language].brief.points:
            assert squeezed(point.text)[:12] in shown
