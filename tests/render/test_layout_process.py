"""The layout process: PDFs laid out in a forked child, the parent never importing WeasyPrint.

Each case runs in a fresh interpreter, as `digest brief` does: the fork happens only in
a process with one thread, which a pytest process need not be.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")

PRELUDE = """
import json, logging, os, signal, sys
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
from digest.render import layout_process
from digest.errors import RenderError
out = Path(sys.argv[1])

def templates():  # digest.render.editions brings numpy, whose native threads forbid a fork: after it
    from digest.render import editions
    return editions.templates_dir()
"""


def _run(script: str, tmp_path: Path) -> tuple[dict, str]:
    result = subprocess.run(
        [sys.executable, "-c", PRELUDE + script, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_the_child_lays_out_the_pdf_and_the_parent_never_imports_weasyprint(
    tmp_path: Path,
) -> None:
    found, _ = _run(
        """
with layout_process.serving() as forked:
    laid = layout_process.lay_out(
        "<html lang=en><body><h1>Forked layout</h1><p>Quoted from the child.</p></body></html>",
        templates=templates(),
    )
(out / "child.pdf").write_bytes(laid.pdf)
print(json.dumps({"forked": forked, "pages": laid.pages, "fill": laid.fill,
                  "weasyprint": "weasyprint" in sys.modules}))
""",
        tmp_path,
    )
    assert found["forked"] is True
    assert found["weasyprint"] is False
    assert found["pages"] == 1
    assert 0 < found["fill"] < 0.5  # two short lines at the top of an A4 page
    text = PdfReader(tmp_path / "child.pdf").pages[0].extract_text()
    assert "Forked layout" in text and "Quoted from the child." in text


def test_what_the_child_logs_the_parent_logs(tmp_path: Path) -> None:
    found, stderr = _run(
        """
with layout_process.serving() as forked:
    layout_process.lay_out(
        '<p>A picture <img src="http://127.0.0.1:9/photo.png"></p>', templates=templates()
    )
print(json.dumps({"forked": forked, "weasyprint": "weasyprint" in sys.modules}))
""",
        tmp_path,
    )
    assert found == {"forked": True, "weasyprint": False}  # the child did log it
    assert (
        "digest.render.pdf WARNING PDF renderer was refused http://127.0.0.1:9/photo.png" in stderr
    )


def test_a_layout_error_in_the_child_is_the_same_render_error(tmp_path: Path) -> None:
    found, _ = _run(
        """
with layout_process.serving() as forked:
    try:
        layout_process.lay_out("<p>\\ud800</p>", templates=templates())
        error = None
    except RenderError as exc:
        error = str(exc)
    laid = layout_process.lay_out("<p>After the error</p>", templates=templates())
print(json.dumps({"forked": forked, "error": error, "then": laid.pages,
                  "weasyprint": "weasyprint" in sys.modules}))
""",
        tmp_path,
    )
    assert found["forked"] is True
    assert found["error"].startswith("PDF rendering failed:")
    assert "surrogates not allowed" in found["error"]
    assert found["then"] == 1  # the child goes on serving
    assert found["weasyprint"] is False


def test_when_the_child_dies_the_parent_lays_the_pdf_out_itself(tmp_path: Path) -> None:
    found, _ = _run(
        """
with layout_process.serving() as forked:
    child = layout_process._child.pid
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    laid = layout_process.lay_out("<p>Laid out here</p>", templates=templates())
(out / "here.pdf").write_bytes(laid.pdf)
print(json.dumps({"forked": forked, "weasyprint": "weasyprint" in sys.modules}))
""",
        tmp_path,
    )
    assert found == {"forked": True, "weasyprint": True}
    assert "Laid out here" in PdfReader(tmp_path / "here.pdf").pages[0].extract_text()


def test_a_process_with_another_thread_is_not_forked(tmp_path: Path) -> None:
    found, _ = _run(
        """
import threading
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
with layout_process.serving() as forked:
    laid = layout_process.lay_out("<p>One process</p>", templates=templates())
stop.set()
print(json.dumps({"forked": forked, "pages": laid.pages,
                  "weasyprint": "weasyprint" in sys.modules}))
""",
        tmp_path,
    )
    assert found == {"forked": False, "pages": 1, "weasyprint": True}


def test_a_process_with_a_thread_python_does_not_list_is_not_forked(tmp_path: Path) -> None:
    """A thread started below `threading` (as a solver's or BLAS's pool is) counts too."""
    found, _ = _run(
        """
import _thread, threading, time
_thread.start_new_thread(time.sleep, (60,))
with layout_process.serving() as forked:
    laid = layout_process.lay_out("<p>One process</p>", templates=templates())
print(json.dumps({"listed": threading.active_count(), "forked": forked, "pages": laid.pages}))
""",
        tmp_path,
    )
    assert found == {"listed": 1, "forked": False, "pages": 1}


def test_an_inner_serving_uses_the_outer_child(tmp_path: Path) -> None:
    found, _ = _run(
        """
with layout_process.serving() as outer:
    child = layout_process._child.pid
    with layout_process.serving() as inner:
        laid = layout_process.lay_out("<p>Nested</p>", templates=templates())
    still = layout_process._child is not None and layout_process._child.pid == child
print(json.dumps({"outer": outer, "inner": inner, "still": still,
                  "weasyprint": "weasyprint" in sys.modules}))
""",
        tmp_path,
    )
    assert found == {"outer": True, "inner": True, "still": True, "weasyprint": False}


def test_the_child_is_gone_when_serving_ends(tmp_path: Path) -> None:
    found, _ = _run(
        """
with layout_process.serving():
    child = layout_process._child.pid
try:
    os.kill(child, 0)
    alive = True
except ProcessLookupError:
    alive = False
print(json.dumps({"alive": alive}))
""",
        tmp_path,
    )
    assert found == {"alive": False}


def test_no_descriptor_is_left_open_when_the_child_cannot_start(tmp_path: Path) -> None:
    """With room for one pipe but not two, the first pipe was left open."""
    found, _ = _run(
        """
import resource
before = sorted(os.listdir("/proc/self/fd"))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (len(before) + 1, hard))  # one pipe, not two
with layout_process.serving() as forked:
    pass
after = sorted(os.listdir("/proc/self/fd"))
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
laid = layout_process.lay_out("<p>Laid out here</p>", templates=templates())
print(json.dumps({"forked": forked, "leaked": len(after) - len(before), "pages": laid.pages}))
""",
        tmp_path,
    )
    assert found == {"forked": False, "leaked": 0, "pages": 1}


def test_sigterm_held_back_over_the_fork_ends_the_child_with_the_parent(tmp_path: Path) -> None:
    """SIGTERM arriving while the child is forked is raised when the parent lets it in;
    the child started then must not be left running, its pipes open (a review)."""
    found, _ = _run(
        """
from digest.console import Terminated, catch_sigterm
catch_sigterm()
real_fork, forked = os.fork, []
def fork_then_sigterm():
    pid = real_fork()
    if pid:
        forked.append(pid)
        os.kill(os.getpid(), signal.SIGTERM)  # held back: SIGTERM is blocked over the fork
    return pid
os.fork = fork_then_sigterm
before = sorted(os.listdir("/proc/self/fd"))
try:
    with layout_process.serving():
        raised = False
except Terminated:
    raised = True
after = sorted(os.listdir("/proc/self/fd"))
try:
    os.waitpid(forked[0], os.WNOHANG)
    reaped = False
except ChildProcessError:
    reaped = True
print(json.dumps({"raised": raised, "reaped": reaped, "leaked": len(after) - len(before)}))
""",
        tmp_path,
    )
    assert found == {"raised": True, "reaped": True, "leaked": 0}
