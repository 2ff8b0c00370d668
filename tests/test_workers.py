"""Worker processes: a large day's per-article work shared out, with the same results.

Targets are standard-library functions where the test is about the pool itself, so a
worker (a fresh interpreter) can import them; the day's own work is compared with the
corpus built in one process, the way it was built before workers existed.
"""

from __future__ import annotations

import logging
import operator
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.config import load_profile
from digest.corpus import Corpus, fold_synonyms
from digest.models import Article
from digest.pipeline import workers
from digest.pipeline.article_work import PARALLEL_FROM, each_article, joined
from digest.pipeline.build import Day
from digest.summarize import condense
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")

TOPICS = (
    (
        "Flood waters",
        "rose along the {n} river valley on Tuesday, and 1,{n}00 homes were evacuated",
    ),
    ("The central bank", "raised its rate to {n}.5 percent, the governor told reporters in Lima"),
    (
        "Striking nurses",
        "marched to parliament in Oslo after talks on pay for {n} hospitals failed",
    ),
)


def _day(count: int) -> list[Article]:
    """`count` short articles on three stories, each with its own figures."""
    day = []
    for n in range(count):
        subject, rest = TOPICS[n % len(TOPICS)]
        paragraphs = (
            f"{subject} {rest.format(n=n)}.",
            f"Officials in the region said on Wednesday that {n + 3} teams were at work. "
            f"They expect the figures to change by Friday, according to a statement.",
        )
        day.append(Article(index=n + 1, title=f"Report {n}", paragraphs=paragraphs))
    return day


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _shared(function, runs):  # type: ignore[no-untyped-def]
    with workers.Shared(function, runs) as shared:
        return shared.results()


def test_each_run_is_answered_by_its_number() -> None:
    assert _shared(operator.add, [(1, 2), (10, 20), (100, 200)]) == {0: 3, 1: 30, 2: 300}
    assert _no_children_left()


@pytest.mark.expect_warnings
def test_a_worker_that_dies_leaves_its_run_to_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    # os._exit ends the worker before it answers: that run is missing, not the other.
    assert _shared(os._exit, [(3,)]) == {}
    assert "a worker process stopped (exit status 3)" in caplog.text
    assert _no_children_left()


@pytest.mark.expect_warnings
def test_a_worker_that_fails_says_why(caplog: pytest.LogCaptureFixture) -> None:
    # The worker's traceback goes to its stderr; the warning quotes its last line.
    assert _shared(operator.truediv, [(1, 0), (6, 3)]) == {1: 2.0}
    assert "(exit status 1: ZeroDivisionError: division by zero)" in caplog.text
    assert _no_children_left()


def test_workers_still_running_are_ended_when_the_caller_fails() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), workers.Shared(time.sleep, [(60,), (60,)]):
        raise KeyboardInterrupt  # what Ctrl-C raises in the caller
    assert time.monotonic() - started < 30
    assert _no_children_left()


def test_workers_already_started_are_ended_when_a_run_cannot_be_sent() -> None:
    # The second run cannot be pickled: entering fails after both workers started.
    with pytest.raises((pickle.PicklingError, AttributeError)):  # noqa: SIM117
        with workers.Shared(operator.add, [(1, 2), (lambda: 0, 1)]):
            pass
    assert _no_children_left()


def test_a_module_in_the_working_folder_does_not_replace_the_standard_librarys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pickle.py").write_text("raise SystemExit(7)\n")
    monkeypatch.chdir(tmp_path)
    assert _shared(operator.add, [(1, 2)]) == {0: 3}


def test_no_worker_can_start_then_the_caller_does_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "executable", "")
    assert _shared(operator.add, [(1, 2)]) == {}
    day = _day(PARALLEL_FROM)
    alone, _ = each_article(day, {}, list, workers=0)
    assert each_article(day, {}, list, workers=1)[0] == alone


def test_a_shared_out_day_is_the_day_worked_in_one_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    day = _day(PARALLEL_FROM)
    folding = fold_synonyms([("evacuate", ["move out"])])
    with caplog.at_level(logging.INFO, logger="digest.pipeline.article_work"):
        shared, meanwhile = each_article(day, folding, lambda: "grouped", workers=2)
    assert "split by 2 worker process(es)" in caplog.text  # it did run in workers
    assert meanwhile == "grouped"
    # What the day built in one process before workers existed: Corpus.of, and each
    # article condensed from its part of that corpus.
    whole = Corpus.of(day, synonyms=[("evacuate", ["move out"])])
    corpus = joined(shared, folding)
    assert corpus.sentences == whole.sentences
    assert [s.words for s in corpus.sentences] == [s.words for s in whole.sentences]
    assert (corpus.quotable, corpus.dangling) == (whole.quotable, whole.dangling)
    assert (corpus.stems, corpus.terms) == (whole.stems, whole.terms)
    for article, work in zip(day, shared, strict=True):
        assert work.summary == condense(whole.subset({article.index}))
    assert _no_children_left()


def test_points_already_sent_are_not_quoted_from_a_shared_out_day() -> None:
    # `digest run` passes the points it sent before; on a day split by workers the
    # articles' sentences come back without stems, and the repeat must still be found.
    day = _day(PARALLEL_FROM)
    sent = "Flood waters rose along the 3 river valley on Tuesday, and 1,300 homes were evacuated."
    built = Day.of(day, profile=load_profile("generic"), method="coverage", exclude=[sent])
    quotable = dict(
        zip((s.text for s in built.corpus.sentences), built.corpus.quotable, strict=True)
    )
    assert quotable[sent] is False
    assert quotable[
        "The central bank raised its rate to 1.5 percent, the governor told reporters in Lima."
    ]
    assert sent not in built.ingested.articles[3].summary
    assert _no_children_left()


def test_a_small_day_starts_no_process() -> None:
    tasks = Path("/proc/self/task")
    before = set(os.listdir(tasks)) if tasks.is_dir() else None
    works, _ = each_article(_day(PARALLEL_FROM - 1), {}, list, workers=3)
    assert len(works) == PARALLEL_FROM - 1
    assert _no_children_left()
    if before is not None:
        assert set(os.listdir(tasks)) == before


def test_workers_never_run_the_callers_script_again(tmp_path: Path) -> None:
    # A script with no `if __name__ == "__main__"` guard: a worker that imported the
    # caller's main module (multiprocessing's spawn start does) would run it again.
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import logging, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "logging.basicConfig(level=logging.INFO, format='%(levelname)s %(message)s')\n"
        "from tests.test_workers import _day\n"
        "from digest.pipeline.article_work import PARALLEL_FROM, each_article\n"
        "print('script ran', flush=True)\n"
        "works, _ = each_article(_day(PARALLEL_FROM), {}, list, workers=2)\n"
        "print(len(works), 'articles')\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script ran", f"{PARALLEL_FROM} articles"]
    assert "split by 2 worker process(es)" in done.stderr
    assert "WARNING" not in done.stderr
