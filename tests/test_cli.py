from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

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
    assert names == [
        *(f"brief-2024-07-29.{ext}" for ext in ("html", "json", "pdf", "txt")),
        "feed.xml",
        "index.html",
    ]
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


def test_a_to_that_is_not_an_address_is_a_usage_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["send", "--out", str(tmp_path), "--to", "ok@example.org", "--to", "broken"])
    assert raised.value.code == 2
    assert "'broken' is not an email address" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--out", "--input"])
def test_an_empty_folder_name_is_a_usage_error(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out ''` (an unset shell variable) wrote the brief into the current folder."""
    with pytest.raises(SystemExit) as raised:
        main(["brief", option, ""])
    assert raised.value.code == 2
    assert "an empty folder name" in capsys.readouterr().err


def test_missing_input_folder_is_an_error_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["brief", "--input", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_summarize_names_a_file_or_a_missing_folder_and_says_what_to_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said "not a folder (give --input …)", an option summarize does not have."""
    article = tmp_path / "a.txt"
    article.write_text("The council approved the transit budget on Tuesday after a debate.\n")
    assert main(["summarize", str(article)]) == 1
    assert "a file, not a folder; give the folder that holds the articles" in (
        capsys.readouterr().err
    )
    assert main(["summarize", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "no such folder" in err and "--input" not in err


def test_summarize_of_nothing_quotable_is_an_error_not_an_empty_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "short.txt").write_text("Short.\n")
    assert main(["summarize", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no sentence in the articles can be quoted" in captured.err


def test_a_config_file_that_is_not_utf8_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "digest.toml"
    config.write_bytes('[brief]\ntitle = "Café"\n'.encode("latin-1"))
    code = main(["brief", "--config", str(config), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (
        f"{config}: the config file is not UTF-8 text (byte 0xe9 at offset 20); save it as UTF-8"
        in err
    )
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


def test_a_folder_of_many_unusable_files_is_one_readable_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(25):
        (tmp_path / f"empty{n:02d}.txt").write_text("")
    code = main(["brief", "--input", str(tmp_path), "--out", str(tmp_path / "out")])
    assert code == 1
    error = [line for line in capsys.readouterr().err.splitlines() if "no usable article" in line]
    assert len(error) == 1
    assert "empty00.txt" in error[0] and "empty09.txt" in error[0]
    assert "empty10.txt" not in error[0]
    assert error[0].endswith("and 15 more")


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


@pytest.mark.parametrize("command", ["check", "brief", "summarize ."])
def test_a_working_folder_that_was_removed_is_a_one_line_error(
    command: str, tmp_path: Path
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    done = subprocess.run(
        [
            "sh",
            "-c",
            f'cd "{gone}" && rmdir "{gone}" && exec "$0" -m digest {command}',
            sys.executable,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "digest: error: the working folder was removed; change to one that exists and run again"
    ]


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


@pytest.mark.parametrize("extra", [[], ["--stories"], ["--json"], ["--stories", "--json"]])
def test_a_reader_that_has_gone_ends_summarize_quietly(extra: list[str]) -> None:
    # `digest summarize DIR | head -1` with an output longer than the pipe holds: a
    # hostile-user report had "internal error: BrokenPipeError". A pipe whose reading
    # end is closed before digest writes fails every write, however short.
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "digest", "summarize", str(SEEDS), *extra],
            cwd=ROOT,
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(writing)
    assert done.returncode == 141  # as a shell reports a tool ended by SIGPIPE
    assert done.stderr == ""


def test_check_says_a_check_failed_even_when_its_reader_has_gone(tmp_path: Path) -> None:
    # `digest check | grep -q FAIL` stops reading early; the exit status must still say
    # that a check failed (here: --out names a file).
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "digest", "check", "--out", str(afile)],
            cwd=tmp_path,
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT), "DIGEST_STATE_DIR": str(tmp_path)},
        )
    finally:
        os.close(writing)
    assert done.returncode == 1, done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["summarize", str(SEEDS)], ["check"]])
def test_an_output_that_cannot_be_written_is_a_one_line_error(
    command: list[str], tmp_path: Path
) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "digest", *command],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "digest: error: cannot write the output to standard output (No space left on "
        "device); free some space or send it elsewhere"
    )
    assert "Traceback" not in done.stderr


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


# --- profiles and the [brief] table -----------------------------------------------------

SEEDS_TITLE = "US–Japan Alliance Brief"  # digest/profiles/seeds.toml
SEEDS_SECTIONS = {"Command structure", "Trilateral cooperation", "Defense industry", "Deterrence"}
DAY = "2024-07-29"


def brief_json(out: Path) -> dict:
    return json.loads((out / f"brief-{DAY}.json").read_text())


def point_count(data: dict) -> int:
    return sum(len(s["points"]) for s in data["sections"])


def pdf_pages(out: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(out / f"brief-{DAY}.pdf").pages)


def config_file(folder: Path, text: str) -> Path:
    """digest.toml in `folder`, with a profile file beside it: harbour.toml, one section."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "harbour.toml").write_text(
        'title = "Harbour News"\n[[sections]]\ntitle = "Alliance"\nterms = ["alliance"]\n'
    )
    path = folder / "digest.toml"
    path.write_text(text)
    return path


def brief(tmp_path: Path, *args: str) -> dict:
    """Run `digest brief` in-process with no config file unless `args` names one."""
    out = tmp_path / "out"
    config = []
    if "--config" not in args:
        config = ["--config", str(config_file(tmp_path / "etc", ""))]
    assert main(["-q", "brief", "--out", str(out), "--date", DAY, *config, *args]) == 0
    return brief_json(out)


@pytest.mark.parametrize("command", [["brief"], ["run"], ["schedule", "--at", "07:00"]])
def test_an_unknown_profile_name_is_a_one_line_usage_error(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*command, "--profile", "sports"])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--profile" in error and "no bundled profile named 'sports'" in error
    assert "generic, seeds" in error and ".toml" in error


def test_profile_seeds_by_name_gives_the_seeds_title_on_any_input(tmp_path: Path) -> None:
    data = brief(tmp_path, "--input", str(SEEDS), "--profile", "seeds", "--length", "6")
    assert data["title"] == SEEDS_TITLE
    assert {s["title"] for s in data["sections"]} <= SEEDS_SECTIONS | {"Other developments"}
    assert {s["title"] for s in data["sections"]} & SEEDS_SECTIONS


def test_an_input_folder_gets_the_generic_profile_even_for_the_seed_articles(
    tmp_path: Path,
) -> None:
    data = brief(tmp_path, "--input", str(SEEDS), "--length", "6")
    assert data["title"] == "Daily Brief"
    assert not {s["title"] for s in data["sections"]} & SEEDS_SECTIONS


def test_the_demo_takes_profile_generic_by_name(tmp_path: Path) -> None:
    data = brief(tmp_path, "--profile", "generic", "--length", "3")
    assert data["title"] == "Daily Brief" and data["articles_read"] == 5


def test_a_profile_file_by_path(tmp_path: Path) -> None:
    config_file(tmp_path / "etc", "")
    data = brief(tmp_path, "--profile", str(tmp_path / "etc" / "harbour.toml"), "--length", "6")
    assert data["title"] == "Harbour News"
    assert {s["title"] for s in data["sections"]} <= {"Alliance", "Other developments"}


@pytest.mark.slow
def test_the_brief_table_sets_profile_title_and_pages(tmp_path: Path) -> None:
    config = config_file(
        tmp_path / "etc", '[brief]\nprofile = "harbour.toml"\ntitle = "Morning"\npages = 1\n'
    )
    data = brief(tmp_path, "--config", str(config))
    assert data["title"] == "Morning"  # [brief] title over the profile's "Harbour News"
    assert {s["title"] for s in data["sections"]} <= {"Alliance", "Other developments"}
    assert pdf_pages(tmp_path / "out") == 1  # the seed brief takes two pages by default


def test_options_win_over_the_brief_table(tmp_path: Path) -> None:
    config = config_file(
        tmp_path / "etc", '[brief]\nprofile = "harbour.toml"\ntitle = "Morning"\npages = 1\n'
    )
    data = brief(tmp_path, "--config", str(config), "--profile", "seeds", "--pages", "2")
    assert data["title"] == "Morning"  # no option names a title: [brief]'s stays
    assert {s["title"] for s in data["sections"]} & SEEDS_SECTIONS
    assert pdf_pages(tmp_path / "out") == 2


def test_the_brief_table_sets_the_length_and_the_option_wins(tmp_path: Path) -> None:
    config = config_file(tmp_path / "etc", "[brief]\nlength = 4\n")
    assert point_count(brief(tmp_path / "a", "--config", str(config))) == 4
    assert point_count(brief(tmp_path / "b", "--config", str(config), "--length", "6")) == 6


def test_brief_reads_the_config_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_file(tmp_path / "etc", '[brief]\ntitle = "From the environment"\nlength = 3\n')
    monkeypatch.setenv("DIGEST_CONFIG", str(config))
    out = tmp_path / "out"
    assert main(["-q", "brief", "--out", str(out), "--date", DAY]) == 0
    assert brief_json(out)["title"] == "From the environment"


def test_an_unknown_key_in_the_brief_table_is_an_error_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path / "etc", "[brief]\npage = 1\n")
    out = tmp_path / "out"
    assert main(["brief", "--config", str(config), "--out", str(out)]) == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "[brief]: unknown key(s) page" in error and "pages" in error
    assert not out.exists()


def test_the_demo_reads_the_bundled_seeds_from_any_working_directory(tmp_path: Path) -> None:
    """The installed `digest` script, run where there is no repository, no digest.toml and a
    ./seeds folder that is not the seeds."""
    script = Path(sys.executable).parent / "digest"
    if not script.is_file():
        pytest.skip(f"no digest script beside {sys.executable}: digest is not installed there")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "decoy.txt").write_text("A decoy article that the demo must not read.\n")
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    result = subprocess.run(
        [str(script), "brief", "--date", DAY],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "5 article(s) read, 0 skipped" in result.stderr
    data = brief_json(tmp_path / "out")
    assert data["title"] == SEEDS_TITLE and data["articles_read"] == 5
    assert "decoy" not in json.dumps(data)


def test_a_wheel_carries_the_seeds_and_its_demo_runs_from_any_working_directory(
    tmp_path: Path,
) -> None:
    """Build the wheel offline (hatchling from the test extras), unpack it, and run the demo
    from it, outside the repository."""
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling")
    dist = tmp_path / "dist"
    offline = ["--no-deps", "--no-build-isolation", "--no-index"]
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", *offline, "--wheel-dir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = dist.glob("digest-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    seeds = {f"digest/seeds/{p.name}" for p in SEEDS.iterdir()}
    bundled = {"digest/profiles/seeds.toml", "digest/profiles/generic.toml"}
    assert seeds | bundled | {"digest/templates/brief.html.j2"} <= names
    cwd = tmp_path / "elsewhere"
    (cwd / "seeds").mkdir(parents=True)
    (cwd / "seeds" / "decoy.txt").write_text("A decoy article that the demo must not read.\n")
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    code = "import digest, runpy; print(digest.__file__, flush=True); " + (
        "runpy.run_module('digest', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "brief", "--date", DAY, "--length", "3"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(tmp_path / "site" / "digest"))
    data = brief_json(cwd / "out")
    assert data["title"] == SEEDS_TITLE and data["articles_read"] == 5


@pytest.mark.parametrize("command", ["run", "brief", "send"])
@pytest.mark.parametrize("date", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_a_date_outside_the_supported_range_is_a_usage_error_naming_the_range(
    command: str, date: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--date", date, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert f"{date} is out of range: give a date from 1900-01-01 to 2999-12-31" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_first_and_last_supported_dates_are_accepted() -> None:
    parser = build_parser()
    for date in ("1900-01-01", "2999-12-31"):
        assert parser.parse_args(["brief", "--date", date]).date.isoformat() == date


def test_a_profile_that_is_not_utf8_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p.toml"
    profile.write_bytes(
        'title = "Café"\n[[sections]]\ntitle = "A"\nterms = ["a"]\n'.encode("latin-1")
    )
    code = main(["brief", "--profile", str(profile), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (
        f"{profile}: the profile is not UTF-8 text (byte 0xe9 at offset 12); save it as UTF-8"
        in err
    )
    assert not (tmp_path / "out").exists()


def test_a_hostile_file_name_cannot_forge_a_log_line_or_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "x.txt\ndigest: error: forged\x1b[2J\x1b]0;title\x07.txt").write_text("Login\n")
    code = main(["brief", "--input", str(folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0
    assert "\x1b" not in err and "\x07" not in err
    assert all(line.startswith("digest: ") for line in err.splitlines())
    assert not [line for line in err.splitlines() if "forged" in line and "skipped" not in line]
    assert "skipped x.txt\\x0adigest: error: forged\\x1b[2J\\x1b]0;title\\x07.txt" in err


def test_a_symbolic_link_loop_in_the_input_is_named_and_the_rest_is_briefed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    os.symlink("loop.txt", folder / "loop.txt")
    code = main(["brief", "--input", str(folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert "skipped loop.txt: symbolic link cannot be followed (a loop of links" in err
    assert "5 article(s) read, 1 skipped" in err


def two_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted(SEEDS.iterdir())[:2]:
        shutil.copy(path, folder / path.name)
    return folder


def test_verbose_after_the_command_shows_each_article_the_plan_and_each_story(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = two_seeds(tmp_path)
    args = ["--input", str(folder), "--out", str(tmp_path / "out"), "--date", "2024-07-29"]
    assert main(["brief", *args, "-v"]) == 0
    err = capsys.readouterr().err
    first = sorted(folder.iterdir())[0].name
    assert f"digest: read {first} (utf-8): " in err
    assert "digest: page plan for 2 page(s)" in err
    assert "digest: story 1: " in err and " point(s), " in err
    assert main(["brief", *args]) == 0
    plain = capsys.readouterr().err
    assert "page plan" not in plain and "brief 2024-07-29:" in plain


def test_quiet_after_the_command_leaves_only_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = two_seeds(tmp_path)
    code = main(
        ["brief", "--input", str(folder), "--out", str(tmp_path), "--date", "2024-07-29", "-q"]
    )
    assert code == 0 and capsys.readouterr().err == ""


def test_a_bad_feed_url_names_the_option_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["run", "--feed", "ftp://example.org/feed"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "argument --feed: 'ftp://example.org/feed' is not an http:// or https:// URL" in err
    assert "--feed: --feed" not in err


def test_a_length_beyond_the_pages_is_capped_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["--input", str(SEEDS), "--out", str(out), "--date", "2024-07-29"]
    assert main(["brief", *args, "--length", "200", "--pages", "2"]) == 0
    err = capsys.readouterr().err
    assert "a length of 200 points is more than 2 page(s) hold: capped to what fits" in err
    data = json.loads((out / "brief-2024-07-29.json").read_text())
    count = sum(len(s["points"]) for s in data["sections"])
    assert 5 <= count < 40  # the seeds hold 58 quotable points; two pages far fewer
    with (out / "brief-2024-07-29.pdf").open("rb") as pdf:
        assert len(PdfReader(pdf).pages) <= 2


@pytest.mark.expect_warnings
def test_a_bug_is_one_line_without_a_traceback_unless_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error digest did not foresee (here one injected into the pipeline) still ends
    as one line and exit 1; -v adds the traceback for the bug report."""
    import digest.pipeline

    def broken(**_: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(digest.pipeline, "build_brief", broken)
    assert main(["brief", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error: ZeroDivisionError: division by zero" in err
    assert main(["brief", "--out", str(tmp_path / "out"), "-v"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_the_cli_s_log_lines_follow_stderr_when_it_is_swapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller that swaps sys.stderr (and closes the old one) still gets digest's log
    lines on the new one, with no 'Logging error' from a handler left on a closed file."""
    import io
    import logging

    assert main(["send", "--out", str(tmp_path), "--date", "2024-07-29"]) == 1
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logging.getLogger("digest.test").info("to the first")
    assert first.getvalue() == "digest: to the first\n"
    second = io.StringIO()
    first.close()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("digest.test").info("to the second")
    assert second.getvalue() == "digest: to the second\n"


# A Ctrl-C in the first tenth of a second, while the command line is imported or its
# options parsed, printed a traceback (found by a hostile user); later it printed one line.
INTERRUPTED_AT = {
    "the import of the command line": (
        "import builtins\n"
        "real = builtins.__import__\n"
        "def hook(name, *args, **kw):\n"
        "    if name == 'digest.cli':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kw)\n"
        "builtins.__import__ = hook\n"
    ),
    "the parsing of the options": (
        "import argparse\n"
        "def interrupted(self, *args, **kw):\n"
        "    raise KeyboardInterrupt\n"
        "argparse.ArgumentParser.parse_args = interrupted\n"
    ),
}


@pytest.mark.parametrize("moment", sorted(INTERRUPTED_AT))
def test_a_ctrl_c_at_the_start_is_one_line_and_exit_code_130(moment: str) -> None:
    code = INTERRUPTED_AT[moment] + "import sys\nfrom digest.__main__ import main\nsys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, "brief"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 130
    assert result.stderr == "digest: interrupted\n"
