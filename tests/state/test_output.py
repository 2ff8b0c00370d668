"""Writing a brief's files: all or nothing, and a one-line error for a disk that says no.

The full and read-only disks are real: small tmpfs mounts, made by the test. Where
mounting is not permitted (not root, no mount namespace) those tests skip.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.cli import main
from digest.errors import OutputError
from digest.state.output import write_all, write_atomic
from tests.conftest import SEEDS

DATE = "2024-07-29"


def _mount_tmpfs(where: Path, options: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


@pytest.fixture()
def mounts() -> Iterator[list[Path]]:
    """Mount points the test made; each is unmounted afterwards."""
    made: list[Path] = []
    yield made
    for where in reversed(made):
        subprocess.run(["umount", str(where)], capture_output=True, timeout=10, check=True)


def small_disk(mounts: list[Path], where: Path, *, free: int) -> Path:
    """A 256 kB tmpfs at `where`, filled until about `free` bytes are left."""
    _mount_tmpfs(where, "size=256k,mode=0755")
    mounts.append(where)
    stat = os.statvfs(where)
    filler = stat.f_bavail * stat.f_frsize - free
    (where / "filler").write_bytes(b"\0" * filler)
    return where


def read_only_disk(mounts: list[Path], where: Path) -> Path:
    _mount_tmpfs(where, "ro,size=64k")
    mounts.append(where)
    return where


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("digest: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- all or nothing ----------------------------------------------------------------------


def test_all_files_are_written_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    files = {tmp_path / "out" / f"brief.{ext}": f"the {ext} edition" for ext in ("a", "b", "c")}
    write_all(files)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["brief.a", "brief.b", "brief.c"]
    assert (tmp_path / "out" / "brief.b").read_text() == "the b edition"


def test_when_one_file_cannot_be_written_none_is_renamed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.a").write_text("yesterday's a")
    (out / "brief.c").mkdir()  # the third file cannot take this name
    files = {out / "old.a": "new a", out / "brief.b": "new b", out / "brief.c": "new c"}
    with pytest.raises(OutputError, match=r"brief\.c: a folder of that name is in the way"):
        write_all(files)
    assert sorted(p.name for p in out.iterdir()) == ["brief.c", "old.a"]
    assert (out / "old.a").read_text() == "yesterday's a"


@pytest.mark.parametrize("below", ["", "sub/deeper"])
def test_a_file_where_a_folder_should_be_is_a_one_line_error(tmp_path: Path, below: str) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(
        OutputError, match=re.escape(f"{out} is a file, not a folder; choose a folder")
    ):
        write_atomic(out / below / "brief.txt", "text")
    assert out.read_text() == "not a folder"


def test_after_first_is_told_once_the_first_file_is_complete(tmp_path: Path) -> None:
    seen: list[list[str]] = []
    files = {tmp_path / "a": "1", tmp_path / "b": "2"}
    write_all(files, after_first=lambda: seen.append(sorted(p.name for p in tmp_path.iterdir())))
    assert len(seen) == 1
    [names] = seen
    assert "a" not in names and "b" not in names  # not renamed yet
    assert [n for n in names if n.startswith(".a.")]  # but complete under its temporary name


# --- through the command line ------------------------------------------------------------


def brief(out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["-q", "brief", "--input", str(SEEDS), "--out", str(out), "--date", DATE])
    return code, capsys.readouterr().err


def test_out_that_is_a_file_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.write_text("x")
    code, err = brief(out, capsys)
    assert code == 1
    assert "is a file, not a folder" in one_error_line(err)


def test_a_full_disk_fails_in_one_line_and_leaves_no_partial_brief(
    tmp_path: Path, mounts: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Room for the PDF (about 32 kB) but not for all four editions (about 65 kB).
    disk = small_disk(mounts, tmp_path / "disk", free=40_000)
    code, err = brief(disk, capsys)
    assert code == 1
    assert "is full; free some space" in one_error_line(err)
    assert [p.name for p in disk.iterdir()] == ["filler"]


def test_a_full_disk_keeps_the_previous_brief_whole(
    tmp_path: Path, mounts: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    disk = small_disk(mounts, tmp_path / "disk", free=120_000)
    assert brief(disk, capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in disk.iterdir() if p.name != "filler"}
    assert len(before) == 6  # the brief's four files, index.html and feed.xml
    stat = os.statvfs(disk)
    (disk / "more").write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 30_000))
    code, err = brief(disk, capsys)
    assert code == 1 and "is full" in one_error_line(err)
    after = {p.name: p.read_bytes() for p in disk.iterdir() if p.name not in ("filler", "more")}
    assert after == before


@pytest.mark.parametrize("below", ["", "sub"])
def test_a_read_only_out_fails_in_one_line(
    tmp_path: Path, mounts: list[Path], capsys: pytest.CaptureFixture[str], below: str
) -> None:
    disk = read_only_disk(mounts, tmp_path / "ro")
    code, err = brief(disk / below, capsys)
    assert code == 1
    assert "read-only file system; choose a writable folder" in one_error_line(err)
    assert list(disk.iterdir()) == []


def test_a_temporary_file_left_by_a_killed_writer_is_removed_on_the_next_write(
    tmp_path: Path,
) -> None:
    dead = subprocess.Popen(["true"])  # its process id no longer runs once it is waited for
    dead.wait()
    abandoned = tmp_path / f".brief.pdf.{dead.pid}.x1y2z3.tmp"
    abandoned.write_bytes(b"half a PDF")
    live = tmp_path / f".brief.pdf.{os.getpid()}.a1b2c3.tmp"  # a writer still running
    live.write_bytes(b"being written")
    other = tmp_path / f".brief.pdf2.{dead.pid}.q.tmp"  # another file's temporary
    other.write_bytes(b"x")
    write_all({tmp_path / "brief.pdf": b"%PDF whole"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["brief.pdf", live.name, other.name]
    )
