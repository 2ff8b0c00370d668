"""Does a change alter what digest prints? Compare the brief's JSON before and after.

Optimisations must change no output (issue 14). This script builds the brief's JSON on
the seeds, on two DUC 2004 clusters and on a three-story day made of those clusters and
one more, and saves it with `--save DIR`; after the change, `--compare DIR` builds the
same briefs again and reports every difference (the `generated` time aside).

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
    return found


def brief_json(folder: Path | None, out: Path, work: Path) -> dict[str, Any]:
    """The brief's JSON, its folders written by name (<work>, <duc>, <root>)."""
    command = [sys.executable, "-m", "digest", "brief", "--out", str(out), "--date", DATE, "-q"]
    if folder is not None:
        command += ["--input", str(folder)]
    subprocess.run(command, check=True, cwd=ROOT)
    text = (out / f"brief-{DATE}.json").read_text(encoding="utf-8")
    # Folders that differ between two checkouts are written by name, so any two compare.
    for folder, name in (
        (work, "<work>"),
        (DUC.resolve(), "<duc>"),
        (DUC, "<duc>"),
        (ROOT, "<root>"),
    ):
        text = text.replace(json.dumps(str(folder))[1:-1], name)
    data: dict[str, Any] = json.loads(text)
    return {key: value for key, value in data.items() if key not in IGNORED}


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
    mode.add_argument("--save", type=Path, metavar="DIR", help="write each brief's JSON here")
    mode.add_argument("--compare", type=Path, metavar="DIR", help="compare with a --save")
    options = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name, folder in cases(work).items():
            data = brief_json(folder, work / name, work)
            if options.save:
                options.save.mkdir(parents=True, exist_ok=True)
                saved = options.save / f"{name}.json"
                saved.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
                print(f"{name}: saved {saved}")
                continue
            before = json.loads((options.compare / f"{name}.json").read_text(encoding="utf-8"))
            found = differences(before, data)
            failed = failed or bool(found)
            print(f"{name}: {'identical' if not found else f'{len(found)} differences'}")
            for line in found[:40]:
                print(f"  {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
