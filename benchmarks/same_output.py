"""Does a change alter what digest prints? Compare the brief's editions before and after.

Optimisations and moves must change no output (issues 14 and 15). This script builds the
brief on the seeds, on two DUC 2004 clusters, on a three-story day made of those clusters
and one more, and on the 35-story day (`mix_day.py`), and saves its JSON, text and HTML
with `--save DIR`, with the help of every command; after the change, `--compare DIR` builds
the same briefs again and reports every difference (the generation time masked wherever
it is printed).

    .venv/bin/python benchmarks/same_output.py --save /tmp/before
    ... change the code ...
    .venv/bin/python benchmarks/same_output.py --compare /tmp/before

Exit status: 0 when every brief is identical, 1 when one differs (the differing JSON
paths are printed). The DUC cases need ../shared/bench/duc2004 beside the project; they
are skipped, and said so, when it is absent.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DUC = ROOT.parent / "shared" / "bench" / "duc2004"
DATE = "2024-07-29"
CLUSTERS = ("d30001", "d30015")
DAY = ("d30001", "d30015", "d30036")
IGNORED = {"generated"}
# The generation time, as the text and HTML editions print it (ISO 8601 with its offset).
GENERATED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:\d\d")
COMMANDS = ("brief", "summarize", "send", "run", "schedule", "archive", "check")


def cases(work: Path) -> dict[str, Path | None]:
    """Name each case after its input folder (None: the bundled seeds)."""
    found: dict[str, Path | None] = {"seeds": None}
    if not DUC.is_dir():
        print(f"skipped the DUC cases: {DUC} is absent", file=sys.stderr)
        return found
    for cluster in CLUSTERS:
        found[cluster] = DUC / cluster / "docs"
    day = work / "day"
    day.mkdir()
    for cluster in DAY:
        for doc in sorted((DUC / cluster / "docs").iterdir()):
            shutil.copy(doc, day / f"{cluster}-{doc.name}")
    found["three-stories"] = day
    many = work / "many"
    mix = [sys.executable, str(DUC / "mix_day.py"), str(many)]
    subprocess.run(mix, check=True, capture_output=True)
    found["35-stories"] = many / "articles"
    return found


def build(folder: Path | None, out: Path) -> None:
    """Build the brief of `folder` (the seeds when None) into `out`."""
    command = [sys.executable, "-m", "digest", "brief", "--out", str(out), "--date", DATE, "-q"]
    if folder is not None:
        command += ["--input", str(folder)]
    subprocess.run(command, check=True, cwd=ROOT)


def by_name(text: str, work: Path) -> str:
    """`text` with the folders that differ between two checkouts written by name."""
    # Folders that differ between two checkouts are written by name, so any two compare.
    for folder, name in (
        (work, "<work>"),
        (DUC.resolve(), "<duc>"),
        (DUC, "<duc>"),
        (ROOT, "<root>"),
    ):
        text = text.replace(json.dumps(str(folder))[1:-1], name).replace(str(folder), name)
    return text


def brief_json(out: Path, work: Path) -> dict[str, Any]:
    """The brief's JSON, its folders written by name (<work>, <duc>, <root>)."""
    text = by_name((out / f"brief-{DATE}.json").read_text(encoding="utf-8"), work)
    data: dict[str, Any] = json.loads(text)
    return {key: value for key, value in data.items() if key not in IGNORED}


def editions(out: Path, work: Path) -> dict[str, str]:
    """The text and HTML editions, the generation time masked and folders named."""
    found = {}
    for suffix in ("txt", "html"):
        text = (out / f"brief-{DATE}.{suffix}").read_text(encoding="utf-8")
        found[suffix] = GENERATED.sub("<generated>", by_name(text, work))
    return found


def helps() -> str:
    """What `digest --help` and every command's `--help` print, one after another."""
    shown = []
    for argv in [["--help"], *[[name, "--help"] for name in COMMANDS]]:
        command = [sys.executable, "-m", "digest", *argv]
        printed = subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)
        shown.append(f"$ digest {' '.join(argv)}\n{printed.stdout}")
    return "\n".join(shown)


def differences(before: Any, after: Any, path: str = "$") -> list[str]:
    """The JSON paths where two values differ, at most one line per path."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            if key not in before or key not in after:
                found.append(f"{path}.{key}: only {'after' if key in after else 'before'}")
            else:
                found += differences(before[key], after[key], f"{path}.{key}")
        return found
    if isinstance(before, list) and isinstance(after, list):
        found = [f"{path}: {len(before)} items before, {len(after)} after"]
        found = found if len(before) != len(after) else []
        for index, (one, other) in enumerate(zip(before, after, strict=False)):
            found += differences(one, other, f"{path}[{index}]")
        return found
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, metavar="DIR", help="write each brief's files here")
    mode.add_argument("--compare", type=Path, metavar="DIR", help="compare with a --save")
    options = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        found_cases = cases(work)
        shown = {"help.txt": helps()}
        for name, folder in found_cases.items():
            build(folder, work / name)
            data = brief_json(work / name, work)
            shown[f"{name}.json"] = json.dumps(data, indent=1, ensure_ascii=False)
            for suffix, text in editions(work / name, work).items():
                shown[f"{name}.{suffix}"] = text
        for file, text in shown.items():
            if options.save:
                options.save.mkdir(parents=True, exist_ok=True)
                (options.save / file).write_text(text, encoding="utf-8")
                print(f"{file}: saved")
                continue
            before = (options.compare / file).read_text(encoding="utf-8")
            if file.endswith(".json"):
                found = differences(json.loads(before), json.loads(text))
            else:
                found = [] if before == text else [_first_difference(before, text)]
            failed = failed or bool(found)
            print(f"{file}: {'identical' if not found else f'{len(found)} differences'}")
            for line in found[:40]:
                print(f"  {line}")
    return 1 if failed else 0


def _first_difference(before: str, after: str) -> str:
    """Where two texts first part, as line number and the two lines."""
    lines = zip(before.splitlines(), after.splitlines(), strict=False)
    for number, (one, other) in enumerate(lines, 1):
        if one != other:
            return f"line {number}: {one[:120]!r} -> {other[:120]!r}"
    return f"{len(before)} characters before, {len(after)} after"


if __name__ == "__main__":
    sys.exit(main())
