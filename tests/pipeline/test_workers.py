"""Worker processes: a large day's per-article work shared out, with the same results.

Targets are standard-library functions where the test is about the pool itself, so a
worker (a fresh interpreter) can import them; the day's own work is compared with the
corpus built in one process, the way it was built before workers existed.
"""

from __future__ import annotations

import contextlib
import logging
import operator
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.config import load_profile
from digest.models import Article
from digest.pipeline import workers
from digest.pipeline.article_work import PARALLEL_FROM, each_article, joined
from digest.pipeline.day import Day
from digest.summarize.corpus import Corpus, fold_synonyms
from digest.summarize.selection import condense
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")
# Day.of shares a day out only where a core is left for a worker.
TWO_CORES = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="a worker runs only with two cores or more",
)

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


@TWO_CORES
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
        "from tests.pipeline.test_workers import _day\n"
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


def _gone(pid: int, within: float) -> bool:
    """Has process `pid` ended (or become a zombie nobody waits for) within `within` s?"""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_worker_ends_when_its_caller_is_killed(tmp_path: Path) -> None:
    # SIGKILL runs no cleanup in the caller: the worker must end on its own, not sleep
    # out its minute as an orphan (a hostile-user report, with `kill PID` then).
    script = tmp_path / "caller.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from digest.pipeline import workers\n"
        "with workers.Shared(time.sleep, [(60,)]) as shared:\n"
        "    print(shared.workers[0].pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    caller = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert caller.stdout is not None
        worker = int(caller.stdout.readline())
        assert not _gone(worker, 0.5)  # it is running
        caller.kill()
        caller.wait(timeout=30)
        assert _gone(worker, 10)
    finally:
        caller.kill()
        caller.communicate()


@TWO_CORES
def test_sigterm_to_a_brief_of_a_large_day_ends_it_and_its_worker(tmp_path: Path) -> None:
    folder = tmp_path / "day"
    folder.mkdir()
    for article in _day(PARALLEL_FROM):
        (folder / f"a{article.index:05d}.txt").write_text("\n\n".join(article.paragraphs))
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:  # a file: a pipe nobody reads yet could fill and block
        brief = subprocess.Popen(
            [sys.executable, "-m", "digest", "brief", "--input", str(folder)],
            stderr=stderr,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    try:
        marker = b"digest.pipeline.workers import serve"
        deadline = time.monotonic() + 90
        worker = None
        while worker is None:
            assert brief.poll() is None and time.monotonic() < deadline, "no worker started"
            for entry in Path("/proc").iterdir():
                with contextlib.suppress(OSError):
                    argv = (entry / "cmdline").read_bytes().split(b"\0")
                    if marker in b" ".join(argv) and argv[-2] == str(brief.pid).encode():
                        worker = int(entry.name)
            time.sleep(0.02)
        brief.send_signal(signal.SIGTERM)  # to the brief alone, not its process group
        brief.wait(timeout=60)
        err = log.read_text()
        assert brief.returncode == 143, err
        assert err.splitlines()[-1] == "digest: terminated"
        assert _gone(worker, 10)
        assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    finally:
        brief.kill()
        brief.wait()
