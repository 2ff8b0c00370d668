"""How fast digest starts: the seed brief against its floor, and `--help` against argparse.

Every figure is a whole process, timed from outside, and every ratio compares processes
timed in the same run: the tasks alternate, round after round (each round in a new
order), and each reports the median of its rounds. So a loaded machine slows both sides
of a ratio alike; the seconds themselves move with the load, the ratios much less.

- **seed brief**: `digest brief` on the bundled seed articles (the demo), all four editions.
- **floor**: a Python process that imports WeasyPrint and renders the brief's own email
  HTML (out/brief-DATE.html, written by a first `digest brief`) to PDF: what any brief
  of that length must cost with this PDF engine.
- **one-page render**: a Python process that imports WeasyPrint and renders one line.
- **help**: `digest --help` and `digest COMMAND --help` for every command, against
  `python -c "import argparse"`.
- **digest summarize**: `digest summarize` on the bundled seeds (100 words, the default
  method), against **sumy LexRank**: a Python process that runs sumy's LexRank (its own
  stemmer and stop words, a regular-expression word tokenizer) over the same sentences,
  as digest split them (written to a file before the rounds), and prints five of them.

Run it in an environment with the run-time dependencies only (`pip install .`, no
extras), as a user has: a test or bench extra that brings scipy slows `import nltk`.

    .venv/bin/python benchmarks/speed.py              # 5 rounds, about a minute
    .venv/bin/python benchmarks/speed.py --rounds 9   # steadier medians
"""

from __future__ import annotations

import argparse
import ctypes.util
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DATE = "2024-07-29"
COMMANDS = ("brief", "summarize", "send", "run", "schedule", "archive", "check")
HELP_GOAL = 0.3  # seconds, issue 14
BRIEF_GOAL = 1.6  # times the floor, issue 14

# sumy's LexRank over sentences split beforehand (argv[1]: JSON, a list of paragraphs,
# each a list of sentences), without NLTK data: a regular expression finds the words.
LEXRANK = """
import json, re, sys
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

class Words:
    language = "english"
    def to_words(self, text):
        return re.findall(r"[^\\W\\d_]+", text)

words = Words()
with open(sys.argv[1], encoding="utf-8") as file:
    paragraphs = json.load(file)
document = ObjectDocumentModel([Paragraph([Sentence(s, words) for s in p]) for p in paragraphs])
summarizer = LexRankSummarizer(Stemmer("english"))
summarizer.stop_words = get_stop_words("english")
for sentence in summarizer(document, 5):
    print(sentence)
"""


@dataclass(frozen=True)
class Task:
    name: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system seconds of the child process


def python(*args: str) -> tuple[str, ...]:
    return (sys.executable, *args)


def seed_sentences(work: Path) -> tuple[Path, Path]:
    """The bundled seeds' folder, and a file of their sentences as digest splits them
    (paragraph by paragraph) for the LexRank process."""
    from digest.pipeline import default_input
    from digest.read.ingest import read_folder
    from digest.summarize.corpus import Corpus

    seeds = default_input()
    paragraphs: dict[tuple[int, int], list[str]] = {}
    for s in Corpus.of(read_folder(seeds).articles).sentences:
        paragraphs.setdefault((s.article, s.paragraph), []).append(s.text)
    sentences = work / "sentences.json"
    sentences.write_text(json.dumps(list(paragraphs.values())), encoding="utf-8")
    return seeds, sentences


def tasks(work: Path) -> list[Task]:
    seeds, sentences = seed_sentences(work)
    html = work / "out" / f"brief-{DATE}.html"
    floor = (
        "from weasyprint import HTML; "
        f"HTML(filename={str(html)!r}).write_pdf({str(work / 'floor.pdf')!r})"
    )
    trivial = (
        "from weasyprint import HTML; "
        f"HTML(string='<p>One line.</p>').write_pdf({str(work / 'trivial.pdf')!r})"
    )
    brief = ("-m", "digest", "-q", "brief", "--out", str(work / "out"), "--date", DATE)
    return [
        Task("seed brief", python(*brief)),
        Task("floor", python("-c", floor)),
        Task("one-page render", python("-c", trivial)),
        Task("import argparse", python("-c", "import argparse")),
        Task("digest --help", python("-m", "digest", "--help")),
        *(Task(f"digest {c} --help", python("-m", "digest", c, "--help")) for c in COMMANDS),
        Task("digest summarize", python("-m", "digest", "-q", "summarize", str(seeds))),
        Task("sumy LexRank", python("-c", LEXRANK, str(sentences))),
    ]


def timed(task: Task, work: Path, env: dict[str, str]) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(task.argv, cwd=work, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"speed: {task.name} failed (exit {result.returncode}): {result.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def measure(rounds: int, work: Path, *, seed: int = 14) -> dict[str, list[Timing]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    plan = tasks(work)
    timed(plan[0], work, env)  # writes the HTML the floor renders, and warms the disk cache
    times: dict[str, list[Timing]] = {task.name: [] for task in plan}
    order = random.Random(seed)
    for n in range(rounds):
        shuffled = plan[:]
        order.shuffle(shuffled)
        for task in shuffled:
            times[task.name].append(timed(task, work, env))
        print(f"speed: round {n + 1} of {rounds} done", file=sys.stderr)
    return times


def median(timings: list[Timing], field: str) -> float:
    return statistics.median(getattr(t, field) for t in timings)


def table(times: dict[str, list[Timing]]) -> str:
    """One row per process: median wall and CPU seconds, each as a ratio to its bases."""
    rows = [
        "| process | median s | range s | ratio | CPU s | CPU ratio |",
        "|---|---|---|---|---|---|",
    ]
    for name, timings in times.items():
        wall, cpu = median(timings, "wall"), median(timings, "cpu")
        low, high = min(t.wall for t in timings), max(t.wall for t in timings)
        ratios = [
            (f"{wall / median(times[b], 'wall'):.2f}× {b}", f"{cpu / median(times[b], 'cpu'):.2f}×")
            for b in bases(name)
        ]
        ratio = "; ".join(r for r, _ in ratios) or "base"
        cpu_ratio = "; ".join(c for _, c in ratios)
        rows.append(
            f"| {name} | {wall:.2f} | {low:.2f}–{high:.2f} | {ratio} | {cpu:.2f} | {cpu_ratio} |"
        )
    helps = [median(t, "wall") for name, t in times.items() if name.endswith(" --help")]
    rows.append(
        f"\nGoals: the seed brief at most {BRIEF_GOAL}× the floor; every help at most "
        f"{HELP_GOAL} s (slowest median here: {max(helps):.2f} s); digest summarize "
        "faster than sumy's LexRank."
    )
    return "\n".join(rows)


def bases(name: str) -> tuple[str, ...]:
    """What a process is compared with."""
    if name == "seed brief":
        return ("floor", "one-page render")
    if name == "floor":
        return ("one-page render",)
    if name == "digest summarize":
        return ("sumy LexRank",)
    return ("import argparse",) if name.startswith("digest ") else ()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default: 5)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    with tempfile.TemporaryDirectory(prefix="digest-speed-") as folder:
        times = measure(args.rounds, Path(folder))
    print(table(times))
    subset = ctypes.util.find_library("harfbuzz-subset")
    print(
        f"\n{args.rounds} alternating rounds, medians; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the end; libharfbuzz-subset "
        f"{'present' if subset else 'absent (every PDF, the floor included, is slower)'}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
