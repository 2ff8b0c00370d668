"""Build a brief: articles in a folder → the brief's four files in out/.

The day's stories and their points are `digest.pipeline.day`'s; here the brief is
fitted to its pages. Everything is rendered in memory first; only then are the files
written, each atomically, so a failed run leaves no partial brief behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.compose import budget
from digest.errors import ConfigError, NothingToBriefError
from digest.models import Article, Brief, Layout, Previous, Skipped
from digest.pipeline.archiving import update_archive
from digest.pipeline.day import Day
from digest.profile import Profile, load_profile
from digest.read.ingest import DEFAULT_MAX_BYTES, Ingested, read_folder
from digest.render import editions
from digest.render.layout_process import lay_out
from digest.state.output import write_all
from digest.summarize.methods import DEFAULT_METHOD

log = logging.getLogger(__name__)

MAX_PAGES = 2
EDITIONS = ("pdf", "html", "txt", "json")
_NAMED = 10  # files an error names, of all those skipped: it stays one readable line


@dataclass(frozen=True)
class Built:
    brief: Brief
    files: dict[str, Path]
    pages: int
    ingested: Ingested


def default_input() -> Path:
    """The seed articles shipped with digest, whatever the working directory.

    A wheel carries them in the package (digest/seeds); an editable install reads the
    repository's seeds/ beside the package."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "seeds", package.parent / "seeds"):
        if folder.is_dir():
            return folder
    raise ConfigError(
        f"the bundled seed articles are missing from {package}: reinstall digest, "
        "or pass --input DIR"
    )


def brief_paths(out: Path, date: dt.date) -> dict[str, Path]:
    return {ext: out / f"brief-{date.isoformat()}.{ext}" for ext in EDITIONS}


def build_brief(
    *,
    input_dir: Path,
    out: Path,
    date: dt.date,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    length: int | None = None,
    pages: int = MAX_PAGES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    base_url: str = "",
) -> Built:
    """Read the articles, brief them, render every edition and write them to `out`."""
    ingested = read_folder(input_dir, max_bytes=max_bytes)
    log.info(
        "read %d article(s) from %s, skipped %d",
        len(ingested.articles),
        input_dir,
        len(ingested.skipped),
    )
    if not ingested.articles:
        found = ", ".join(f"{s.name} ({s.reason})" for s in ingested.skipped[:_NAMED]) or "no files"
        if len(ingested.skipped) > _NAMED:  # the log names every one
            found += f" and {len(ingested.skipped) - _NAMED:,} more"
        raise NothingToBriefError(f"{input_dir}: no usable article to brief; found {found}")
    return build_from_articles(
        ingested.articles,
        ingested.skipped,
        out=out,
        date=date,
        profile=profile,
        method=method,
        length=length,
        pages=pages,
        where=str(input_dir),
        base_url=base_url,
    )


def build_from_articles(
    articles: Sequence[Article],
    skipped: Sequence[Skipped] = (),
    *,
    out: Path,
    date: dt.date,
    profile: Profile | None = None,
    method: str = DEFAULT_METHOD,
    length: int | None = None,
    pages: int = MAX_PAGES,
    exclude: Sequence[str] = (),
    where: str = "the articles",
    on_stage: Callable[[str], None] | None = None,
    previous: Previous | None = None,
    base_url: str = "",
) -> Built:
    """Brief these articles, render every edition and write them to `out`.

    The articles are grouped into stories; the page budget decides how many stories are
    shown in full and how many words each gets, before any layout (one corrective
    re-layout at most). No sentence that states the same fact as one of the `exclude`
    texts (points already sent) is quoted. `on_stage` is told "rendering", then
    "writing" after the first file. `previous` is the brief this one follows; once
    written, the archive (index.html, feed.xml) is rebuilt, its links under `base_url`.
    """
    profile = profile or load_profile()
    stage = on_stage or (lambda name: None)
    day = Day.of(articles, skipped, profile=profile, method=method, exclude=exclude)
    brief, editions, laid_out = _fitted(
        day, date=date, length=length, pages=pages, previous=previous, where=where
    )
    stage("rendering")
    files = brief_paths(out, date)
    write_all(
        {path: editions[ext] for ext, path in files.items()}, after_first=lambda: stage("writing")
    )
    update_archive(out, base_url=base_url)
    return Built(brief, files, laid_out, day.ingested)


_Rendered = tuple[Brief, dict[str, bytes | str], int]  # a brief, its editions, its pages


def _fitted(
    day: Day,
    *,
    date: dt.date,
    length: int | None,
    pages: int,
    previous: Previous | None,
    where: str,
) -> _Rendered:
    """The day's brief fitted to `pages`: laid out to the page budget's plan, then at
    most once again, shorter or fuller."""
    plan = day.plan(pages=pages)
    log.debug(
        "page plan for %d page(s): words of points per story %s, %d more listed",
        pages,
        list(plan.words),
        plan.listed,
    )
    asked, length = length, _fitting(length, day, pages=pages)
    brief = replace(day.brief(plan, date=date, length=length), previous=previous)
    if not brief.points:
        raise NothingToBriefError(f"{where}: no sentence in the articles can be quoted as a point")
    log.info("rendering %d points (%d words)", len(brief.points), brief.word_count)
    editions, laid = _render_all(brief)
    laid_out = laid.pages
    if laid_out > pages and (asked is None or length != asked):  # not an asked length that fits
        log.info("%d pages is over %d: one shorter layout", laid_out, pages)
        plan = day.plan(pages=pages, laid_out=laid_out)
        if length is not None:
            length = budget.fewer_points(length, pages=pages, laid_out=laid_out)
        brief = replace(day.brief(plan, date=date, length=length), previous=previous)
        editions, laid = _render_all(brief)
        laid_out = laid.pages
        if laid_out > pages:
            log.warning("the brief runs to %d pages, over the %d asked for", laid_out, pages)
    elif length is None and len(day.stories) > plan.shown:
        fuller = _fuller(day, plan, laid, date=date, pages=pages, previous=previous)
        if fuller is not None:
            brief, editions, laid_out = fuller
    return brief, editions, laid_out


def _fuller(
    day: Day,
    plan: budget.Plan,
    laid: Layout,
    *,
    date: dt.date,
    pages: int,
    previous: Previous | None,
) -> _Rendered | None:
    """One fuller layout of a brief that left room on its pages (`laid`, made to `plan`),
    if the page budget shows more and it still fits them."""
    used = laid.pages - 1 + laid.fill
    grown = day.plan(pages=pages, used=used)
    if grown == plan:
        return None
    log.info("%.2f of %d pages used: one fuller layout", used, pages)
    fuller = replace(day.brief(grown, date=date, length=None), previous=previous)
    more, laid_more = _render_all(fuller)
    if laid_more.pages <= pages:
        return fuller, more, laid_more.pages
    log.info("the fuller layout ran to %d pages: the first stands", laid_more.pages)
    return None


def _fitting(length: int | None, day: Day, *, pages: int) -> int | None:
    """`length`, capped to the points the pages hold (a warning says so)."""
    sources = [len(s.articles) for s in day.stories]
    fits = budget.most_points(sources, pages=pages, skipped=len(day.ingested.skipped))
    if length is None or length <= fits:
        return length
    log.warning(
        "a length of %d points is more than %d page(s) hold: capped to what fits "
        "(give more --pages for more points)",
        length,
        pages,
    )
    return fits


def _render_all(brief: Brief) -> tuple[dict[str, bytes | str], Layout]:
    laid = lay_out(editions.render_print_html(brief), templates=editions.templates_dir())
    return {
        "pdf": laid.pdf,
        "html": editions.render_email_html(brief),
        "txt": editions.render_text(brief),
        "json": editions.render_json(brief),
    }, laid
