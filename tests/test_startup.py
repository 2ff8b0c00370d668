"""What each command imports: `--help` none of the heavy libraries, `summarize` no WeasyPrint.

Checked by the modules a fresh interpreter has loaded (sys.modules), never by timing:
the times are benchmarks/speed.py's.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

import digest
import digest.pipeline
import digest.summarize.methods
from digest import choices
from digest.cli import build_parser
from tests.conftest import ROOT, SEEDS

# Libraries that cost tenths of a second each to import, and digest's modules that
# load them; none is needed to print help or to refuse an option.
HEAVY = (
    "numpy",
    "scipy",
    "highspy",
    "nltk",
    "sumy",
    "weasyprint",
    "trafilatura",
    "feedparser",
    "feedgen",
    "lxml",
    "jinja2",
    "css_inline",
    "charset_normalizer",
    "yaml",
    "pytz",
    "schedule",
    "digest.pipeline",
    "digest.summarize.methods",
    "digest.summarize.coverage",
    "digest.summarize.solver",
    "digest.summarize.corpus",
    "digest.read.text",
    "digest.render.pdf",
    "digest.render.editions",
)


def loaded_after(code: str) -> dict[str, object]:
    """Run `code` in a fresh interpreter; it prints a JSON object on its last line."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_light_method_names_match_the_registry() -> None:
    assert sorted(choices.METHOD_NAMES) == sorted(digest.summarize.methods.METHODS)
    assert choices.DEFAULT_METHOD == digest.summarize.methods.DEFAULT_METHOD
    assert choices.MAX_PAGES == digest.pipeline.MAX_PAGES


def test_help_for_digest_and_every_command_imports_none_of_the_heavy_modules() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"brief", "summarize", "send", "run", "schedule", "archive", "check"} <= set(commands)
    found = loaded_after(
        f"""
        import contextlib, io, json, sys
        from digest.cli import main
        codes = []
        for argv in [["--help"], *[[name, "--help"] for name in {sorted(commands)!r}]]:
            with contextlib.redirect_stdout(io.StringIO()) as shown:
                try:
                    main(argv)
                except SystemExit as stop:
                    codes.append((stop.code, "usage:" in shown.getvalue()))
        heavy = [m for m in {HEAVY!r} if m in sys.modules]
        print(json.dumps({{"codes": codes, "heavy": heavy}}))
        """
    )
    assert found["codes"] == [[0, True]] * (len(commands) + 1)
    assert found["heavy"] == []


def test_a_usage_error_imports_none_of_the_heavy_modules() -> None:
    found = loaded_after(
        f"""
        import contextlib, io, json, sys
        from digest.cli import main
        with contextlib.redirect_stderr(io.StringIO()) as shown:
            try:
                main(["brief", "--method", "nope"])
            except SystemExit as stop:
                code = stop.code
        heavy = [m for m in {HEAVY!r} if m in sys.modules]
        print(json.dumps({{"code": code, "said": shown.getvalue(), "heavy": heavy}}))
        """
    )
    assert found["code"] == 2 and "unknown method 'nope'" in str(found["said"])
    assert "lexrank" in str(found["said"])  # the choices listed from the light names
    assert found["heavy"] == []


# What only a brief's pages, mail, archive or feeds need: `digest summarize` prints text.
NOT_FOR_SUMMARIZE = (
    "weasyprint",
    "jinja2",
    "css_inline",
    "feedparser",
    "feedgen",
    "digest.render.pdf",
    "digest.render.editions",
    "digest.render.archive",
    "digest.pipeline.archiving",
    "digest.deliver.mail",
    "digest.read.feeds",
    "digest.pipeline.build",
)


OWN = sorted({m for m in (*HEAVY, *NOT_FOR_SUMMARIZE) if m.startswith("digest.")})


@pytest.mark.parametrize("name", OWN)
def test_every_module_of_digest_checked_here_exists(name: str) -> None:
    """One that moved or was renamed would make the checks below pass vacuously."""
    assert importlib.util.find_spec(name) is not None, name


@pytest.mark.parametrize("options", [[], ["--stories"]], ids=["summary", "stories"])
def test_summarize_imports_nothing_that_renders_mails_or_reads_feeds(options: list[str]) -> None:
    found = loaded_after(
        f"""
        import contextlib, io, json, sys
        from digest.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as shown:
            code = main(["-q", "summarize", *{options!r}, {str(SEEDS)!r}, "--words", "60"])
        unneeded = [m for m in {NOT_FOR_SUMMARIZE!r} if m in sys.modules]
        print(json.dumps({{"code": code, "lines": shown.getvalue().splitlines(),
                           "nltk": "nltk" in sys.modules, "unneeded": unneeded}}))
        """
    )
    texts = " ".join(p.read_text() for p in SEEDS.iterdir())
    assert found["code"] == 0
    lines = found["lines"]
    assert isinstance(lines, list) and lines
    if not options:  # the stories' lines add a headline and bullets around each sentence
        assert all(line in texts for line in lines)
    assert found["nltk"] is True  # the summary was made here, with digest.read.text
    assert found["unneeded"] == []


def test_no_module_of_digest_imports_scipy() -> None:
    """scipy is no run-time dependency: installed, it makes `import nltk` load scipy.stats."""
    importers = []
    for path in sorted((ROOT / "digest").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name == "scipy" or name.startswith("scipy.") for name in names):
                importers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert importers == []


def test_the_package_names_load_on_first_use() -> None:
    found = loaded_after(
        """
        import json, sys
        import digest
        before = [m for m in ("digest.pipeline", "digest.summarize.methods", "numpy") if m in sys.modules]
        from digest import METHODS, build_brief
        import digest.summarize.methods, digest.pipeline
        same = METHODS is digest.summarize.methods.METHODS and build_brief is digest.pipeline.build_brief
        print(json.dumps({"before": before, "same": same}))
        """
    )
    assert found == {"before": [], "same": True}
    missing = [name for name in digest.__all__ if not hasattr(digest, name)]
    assert missing == []


def test_an_unknown_package_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        digest.no_such_name  # noqa: B018
