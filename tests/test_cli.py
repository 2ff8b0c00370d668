from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli import build_parser, main
from tests.conftest import ROOT, SEEDS


def run(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(
    "bad", ["2024-02-30", "2024-13-01", "29/07/2024", "tomorrow", "2024-7-29", "20240729"]
)
def test_a_date_that_is_not_a_real_calendar_date_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "out"
    result = run("brief", "--date", bad, "--out", str(out))
    assert result.returncode == 2
    assert "date" in result.stderr
    assert not out.exists()


def test_brief_writes_four_dated_files_and_a_summary_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("brief", "--input", str(SEEDS), "--out", str(out), "--date", "2024-07-29")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"brief-2024-07-29.{ext}" for ext in ("html", "json", "pdf", "txt")]
    summary = result.stderr.strip().splitlines()[-1]
    assert "5 article(s) read, 0 skipped" in summary and "points" in summary and "page" in summary
    assert json.loads((out / "brief-2024-07-29.json").read_text())["date"] == "2024-07-29"


def test_length_sets_the_number_of_points(tmp_path: Path) -> None:
    assert (
        main(
            [
                "-q",
                "brief",
                "--out",
                str(tmp_path),
                "--date",
                "2024-07-29",
                "--length",
                "5",
                "--input",
                str(SEEDS),
            ]
        )
        == 0
    )
    data = json.loads((tmp_path / "brief-2024-07-29.json").read_text())
    count = sum(len(s["points"]) for s in data["sections"])
    assert count == 5


def test_method_option_selects_a_sumy_algorithm(tmp_path: Path) -> None:
    assert (
        main(
            [
                "-q",
                "brief",
                "--out",
                str(tmp_path),
                "--date",
                "2024-07-29",
                "--method",
                "lexrank",
                "--input",
                str(SEEDS),
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "brief-2024-07-29.json").read_text())["method"] == "lexrank"


def test_unknown_method_and_bad_length_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["brief", "--method", "nonesuch", "--out", str(tmp_path)])
    assert raised.value.code == 2
    with pytest.raises(SystemExit) as raised:
        main(["brief", "--length", "0", "--out", str(tmp_path)])
    assert raised.value.code == 2


def test_missing_input_folder_is_an_error_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["brief", "--input", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_folder_without_usable_articles_is_an_error_naming_what_was_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "login.txt").write_text("Login\n")
    code = main(["brief", "--input", str(tmp_path), "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert "empty.txt" in err and "login.txt" in err
    assert not (tmp_path / "out").exists()


def test_bad_profile_is_an_error_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('title = "T"\ncolour = "red"\n[[sections]]\ntitle = "A"\nterms = ["a"]\n')
    code = main(["brief", "--profile", str(profile), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "colour" in capsys.readouterr().err


def test_no_temporary_files_are_left_behind(built) -> None:
    leftovers = [p.name for p in built.files["pdf"].parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_every_command_has_help_text() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"brief", "summarize"} <= set(commands)
    for name, sub in commands.items():
        assert sub.description, name
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, (name, action.dest)
    readme = (ROOT / "README.md").read_text()
    for name in commands:
        assert f"digest {name}" in readme, name


def test_python_m_digest_and_help_work() -> None:
    result = run("--help")
    assert result.returncode == 0 and "brief" in result.stdout
    result = run("brief", "--help")
    assert result.returncode == 0 and "--length" in result.stdout


def test_summarize_prints_one_sentence_per_line(tmp_path: Path) -> None:
    result = run("summarize", str(SEEDS), "--words", "60")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    texts = " ".join(p.read_text() for p in SEEDS.iterdir())
    assert lines and all(line in texts for line in lines)
    assert (
        sum(len(line.split()) for line in lines[:-1])
        < 60
        <= sum(len(line.split()) for line in lines)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schedule", "--at", "7:00"], "HH:MM"),
        (["schedule", "--at", "07:00", "--timezone", "Mars/Olympus_Mons"], "time zone"),
        (["schedule", "--at", "07:00", "--catch-up", "30"], "hours from 0 to 24"),
        (["run", "--feed", "file:///etc/passwd"], "not an http:// or https:// URL"),
        (["schedule"], "--at"),
    ],
)
def test_bad_run_and_schedule_options_are_usage_errors(
    args: list[str], message: str, capsys
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_run_without_any_source_is_an_error_that_says_how_to_fix_it(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("DIGEST_CONFIG", str(tmp_path / "none.toml"))
    code = main(["run", "--out", str(tmp_path / "out")])
    assert code == 1 and "pass --input DIR or --feed URL" in capsys.readouterr().err
